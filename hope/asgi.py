import os

from django.core.asgi import get_asgi_application

from hope.startup import exit_on_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hope.settings")

with exit_on_bad_settings():
    application = get_asgi_application()
