import os

from django.core.wsgi import get_wsgi_application

from hope.startup import exit_on_bad_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hope.settings")

with exit_on_bad_settings():
    application = get_wsgi_application()
