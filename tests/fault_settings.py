"""Settings for the real worker processes that fault tests start and kill.

The test's own settings, pointed at the test's database (HOPE_TEST_DATABASE_NAME), a
real SMTP server the test runs (HOPE_TEST_SMTP_PORT) and a queue of the test's own
(HOPE_TEST_QUEUE), with tasks run by the worker, not eagerly.
"""

import os

from hope.settings_test import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["HOPE_TEST_DATABASE_NAME"]  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["HOPE_TEST_SMTP_PORT"])
EMAIL_USE_TLS = False
EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("HOPE_TEST_QUEUE", "celery")
