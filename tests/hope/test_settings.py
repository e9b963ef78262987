"""A bad or missing setting stops the app with one clear line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hope.settings import celery_broker_vhost
from hope.settings_test import redis_url_for_worker

BASE_DIR = Path(__file__).resolve().parents[2]
# The shape of a GOV.UK Notify key (values made up): name, service ID, secret.
NOTIFY_KEY = "hope_live-0b2e7c4a-64f3-4b8e-9a1d-3c5f7e9a1b2c-5d6e7f80-91a2-4b3c-8d4e-5f60718293a4"
NOTIFY_TEMPLATE = "1a2b3c4d-0000-4000-8000-123456789abc"


def run_manage(env_overrides: dict[str, str | None], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hope.settings"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    # The subprocess must reach the same PostgreSQL and Redis as the suite.
    env["DATABASE_URL"] = env.get("DATABASE_URL") or _url_from_settings("db")
    env["REDIS_URL"] = env.get("REDIS_URL") or settings.REDIS_URL
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _url_from_settings(which: str) -> str:
    db = settings.DATABASES["default"]
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgresql://{db['USER']}:@/{db['NAME']}?host={host}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT']}/{db['NAME']}"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "false", "SECRET_KEY": None}, "SECRET_KEY is missing"),
        (
            {"DEBUG": "false", "SECRET_KEY": "django-insecure-hope-local-development-only"},
            "SECRET_KEY is missing or is the development default",
        ),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"DEBUG": "true", "DATABASE_URL": "sqlite:///db.sqlite3"}, "must be a PostgreSQL URL"),
        ({"DEBUG": "true", "REDIS_URL": "memcached://x"}, "REDIS_URL must look like"),
        ({"DEBUG": "true", "REDIS_TIMEOUT": "soon"}, "REDIS_TIMEOUT must be a whole number"),
        ({"DEBUG": "true", "TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be 0 or more"),
        (
            {
                "DEBUG": "true",
                "NOTIFY_API_KEY": NOTIFY_KEY[:-1],
                "NOTIFY_SMS_TEMPLATE_ID": NOTIFY_TEMPLATE,
            },
            "NOTIFY_API_KEY is not a GOV.UK Notify API key",
        ),
        ({"DEBUG": "true", "NOTIFY_API_KEY": NOTIFY_KEY}, "NOTIFY_SMS_TEMPLATE_ID must be the ID"),
        (
            {"DEBUG": "true", "NOTIFY_SMS_TEMPLATE_ID": NOTIFY_TEMPLATE},
            "NOTIFY_SMS_TEMPLATE_ID is set but NOTIFY_API_KEY is not",
        ),
        (
            {
                "DEBUG": "true",
                "NOTIFY_API_KEY": NOTIFY_KEY,
                "NOTIFY_SMS_TEMPLATE_ID": NOTIFY_TEMPLATE,
                "NOTIFY_BASE_URL": "http://api.notifications.service.gov.uk",
            },
            "NOTIFY_BASE_URL must be an https:// address",
        ),
    ],
)
def test_bad_setting_gives_one_line_and_no_traceback(overrides, message):
    result = run_manage(overrides, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("HOPE Coordinator cannot start:")
    assert message in lines[0]


# The production environment README.md documents (values are examples).
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2,
    "ALLOWED_HOSTS": "hope.example.nhs.uk",
    "SITE_URL": "https://hope.example.nhs.uk",
    "CSRF_TRUSTED_ORIGINS": "https://hope.example.nhs.uk",
    "EMAIL_HOST": "smtp.example.nhs.uk",
    "TRUSTED_PROXY_COUNT": "1",
}


def test_the_documented_production_settings_pass_every_deployment_check():
    result = run_manage(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_hsts_subdomains_and_preload_can_be_turned_off_and_the_check_says_so():
    """For a site sharing its parent domain with plain-HTTP sites (README)."""
    off = {"SECURE_HSTS_INCLUDE_SUBDOMAINS": "false", "SECURE_HSTS_PRELOAD": "false"}
    result = run_manage({**PRODUCTION_ENV, **off}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 1
    assert "security.W005" in result.stderr and "security.W021" in result.stderr


def test_the_number_of_trusted_proxies_comes_from_the_environment():
    """Rate limits and the audit trail read X-Forwarded-For through this setting."""
    code = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    for value, expected in [(None, "0"), ("2", "2")]:
        result = run_manage(
            {"DEBUG": "true", "TRUSTED_PROXY_COUNT": value}, "shell", "--no-imports", "-c", code
        )
        assert result.stdout.strip() == expected, result.stderr


def test_without_a_mail_server_production_refuses_to_start():
    """Printing mail to the log would put password-reset links there."""
    result = run_manage({**PRODUCTION_ENV, "EMAIL_HOST": None}, "check")
    assert result.returncode == 1
    assert "EMAIL_HOST is not set" in result.stderr and "Traceback" not in result.stderr


def test_texts_through_notify_start_with_a_whole_key_and_never_print_it():
    notify = {"NOTIFY_API_KEY": NOTIFY_KEY, "NOTIFY_SMS_TEMPLATE_ID": NOTIFY_TEMPLATE}
    result = run_manage({**PRODUCTION_ENV, **notify}, "check")
    assert result.returncode == 0, result.stderr
    result = run_manage({**PRODUCTION_ENV, **notify, "NOTIFY_API_KEY": NOTIFY_KEY[:-1]}, "check")
    assert result.returncode == 1
    assert NOTIFY_KEY[-30:-1] not in result.stderr  # the secret is not repeated


@pytest.mark.parametrize("name", ["RETENTION_MONEY_YEARS", "RETENTION_PARTICIPANT_MONTHS"])
def test_a_retention_period_of_zero_is_refused(name):
    result = run_manage({**PRODUCTION_ENV, name: "0"}, "check")
    assert result.returncode == 1
    assert f"{name} must be 1 or more" in result.stderr


def test_seed_demo_refuses_without_debug():
    result = run_manage({"DEBUG": "false", "SECRET_KEY": "a" * 50}, "seed_demo")
    assert result.returncode != 0
    assert "only runs with DEBUG=true" in result.stderr


def test_locale_and_time_zone_are_british():
    assert settings.LANGUAGE_CODE == "en-gb"
    assert settings.TIME_ZONE == "Europe/London"


def test_cache_and_broker_are_the_same_redis():
    from hope.celery import app

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    broker = app.conf.broker_url
    location = settings.CACHES["default"]["LOCATION"]
    assert broker.replace("redis+socket://", "unix://") == location


@pytest.mark.parametrize(
    ("url", "vhost"),
    [
        ("unix:///run/redis/redis.sock?db=3", "3"),
        ("unix:///run/redis/redis.sock", None),
        ("redis://127.0.0.1:6379/3", None),  # kombu reads the path itself
    ],
)
def test_the_broker_uses_a_unix_socket_redis_urls_database(url, vhost):
    """redis-py (the cache) reads ?db=N; kombu ignores it and takes the virtual host."""
    assert celery_broker_vhost(url) == vhost


@pytest.mark.parametrize(
    ("url", "worker", "moved"),
    [
        ("redis://127.0.0.1:6379/0", 0, "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379/13", 1, "redis://127.0.0.1:6379/14"),
        ("redis://127.0.0.1:6379", 1, "redis://127.0.0.1:6379/1"),
        ("rediss://:pw@cache.example:6380/2?ssl_cert_reqs=none", 1,
         "rediss://:pw@cache.example:6380/3?ssl_cert_reqs=none"),
        ("unix:///var/test/redis.sock", 1, "unix:///var/test/redis.sock?db=1"),
        ("unix:///var/test/redis.sock?db=2", 1, "unix:///var/test/redis.sock?db=3"),
    ],
)  # fmt: skip
def test_each_xdist_worker_moves_on_to_its_own_redis_database(url, worker, moved):
    assert redis_url_for_worker(url, worker) == moved


def test_too_many_xdist_workers_for_redis_databases_say_so():
    with pytest.raises(ImproperlyConfigured, match="database 15 plus pytest-xdist worker 1"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", 1)


def test_a_process_a_test_starts_reaches_its_workers_redis_database():
    """A real worker or sweep started by a test inherits the worker's environment and must
    use the same Redis database: moved on once, not twice."""
    env = {
        **os.environ,
        "PYTEST_XDIST_WORKER": "gw1",
        "HOPE_TEST_REDIS_FIRST_URL": "redis://127.0.0.1:6379/13",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "DJANGO_SETTINGS_MODULE": "hope.settings_test",
    }
    show = "from django.conf import settings; print(settings.REDIS_URL, settings.CELERY_BROKER_URL)"
    for _ in range(2):  # the worker, then a process it starts with its environment
        result = subprocess.run(
            [sys.executable, "-c", f"import os, django; django.setup(); {show}; "
             "print(os.environ['REDIS_URL'])"],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        settings_url, broker_url, env["REDIS_URL"] = result.stdout.split()
        assert settings_url == broker_url == "redis://127.0.0.1:6379/14"


@pytest.mark.django_db
def test_postgresql_jit_is_off_for_the_apps_connections():
    """Compiling the reports' queries cost more than running them (README, "Speed at ten
    years")."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
