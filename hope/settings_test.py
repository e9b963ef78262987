"""The test suite's small override of hope.settings.

Without DATABASE_URL / REDIS_URL the suite gets its own local servers under
var/test/, so it never touches the data of a running `make run`.

Under pytest-xdist (`make test` runs two workers) each worker has its own test database
(pytest-django names it test_<name>_gw0, _gw1, …) and its own Redis database: the run's
database plus the worker's number, so one worker's cache, rate limits, Celery queues and
locks never meet another's. The processes a test starts (a real Celery worker, a sweep)
inherit PYTEST_XDIST_WORKER and compute the same database.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

# Redis's default number of databases (`databases 16`).
REDIS_DATABASES = 16


def xdist_worker_number() -> int:
    """0 for gw0 or a run without pytest-xdist, 1 for gw1, …"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else 0


def redis_url_for_worker(url: str, worker: int) -> str:
    """The Redis URL with its database moved on by ``worker``: redis://h:6379/13 for gw1
    is redis://h:6379/14; unix:///redis.sock (database 0) is unix:///redis.sock?db=1."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if parts.scheme == "unix" or "db" in query:
        base = int(query.get("db", 0))
    else:
        base = int(parts.path.strip("/") or 0)
    db = base + worker
    if db >= REDIS_DATABASES:
        raise ImproperlyConfigured(
            f"REDIS_URL's database {base} plus pytest-xdist worker {worker} is {db}; Redis "
            f"has databases 0-{REDIS_DATABASES - 1}: use a lower database or fewer workers."
        )
    if parts.scheme == "unix" or "db" in query:
        # Not urlunsplit: it would spell unix:///path, which has no host, as unix:/path.
        return f"{url.split('?')[0]}?{urlencode({**query, 'db': db})}"
    return urlunsplit(parts._replace(path=f"/{db}"))


_WORKER = xdist_worker_number()
_GIVEN_REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# The run's own REDIS_URL, kept for the processes a test starts: they inherit the
# worker's REDIS_URL, which differs from it and is used as it is, not moved on twice (as
# is any REDIS_URL a test chose for its process).
_FIRST_REDIS_URL = os.environ.setdefault("HOPE_TEST_REDIS_FIRST_URL", _GIVEN_REDIS_URL)
if _WORKER and _GIVEN_REDIS_URL and _GIVEN_REDIS_URL == _FIRST_REDIS_URL:
    os.environ["REDIS_URL"] = redis_url_for_worker(_GIVEN_REDIS_URL, _WORKER)

os.environ.setdefault("HOPE_VAR_DIR", "var/test")
os.environ.setdefault("SECRET_KEY", "test-suite-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("CACHE_KEY_PREFIX", "hope-test")
# Production settings refuse to start without a mail server; the tests use locmem below.
os.environ.setdefault("EMAIL_HOST", "mail.invalid")

from hope.settings import *  # noqa: E402, F403

if _WORKER and not _GIVEN_REDIS_URL:
    # The local Redis (REDIS_URL unset, which hope.settings and its tests rely on): the
    # same move, made after hope.settings found the server's socket.
    REDIS_URL = redis_url_for_worker(REDIS_URL, _WORKER)  # noqa: F405
    CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_URL}}  # noqa: F405
    CELERY_BROKER_URL = celery_broker_url(REDIS_URL)  # noqa: F405
    CELERY_BROKER_VHOST = celery_broker_vhost(REDIS_URL)  # noqa: F405

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
