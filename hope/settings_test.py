"""The test suite's small override of hope.settings.

Without DATABASE_URL / REDIS_URL the suite gets its own local servers under
var/test/, so it never touches the data of a running `make run`.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("HOPE_VAR_DIR", "var/test")
os.environ.setdefault("SECRET_KEY", "test-suite-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("CACHE_KEY_PREFIX", "hope-test")
# Production settings refuse to start without a mail server; the tests use locmem below.
os.environ.setdefault("EMAIL_HOST", "mail.invalid")

from hope.settings import *  # noqa: E402, F403

# Production-like (DEBUG off, mandatory email verification), minus what slows tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The test client and the browser tests' live server speak plain http.
SECURE_SSL_REDIRECT = False
# Tasks run in the test's own thread; tests/hope/test_celery_worker.py runs a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Uploaded receipts go to a throw-away folder, not var/media.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="hope-test-media-"))
