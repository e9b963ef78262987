"""The suite itself runs on real PostgreSQL and Redis: under CI, the machine's own."""

from __future__ import annotations

import os
import uuid

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from hope.celery import app
from hope.settings_test import redis_url_for_worker, xdist_worker_number


def test_database_is_postgresql_and_where_ci_says(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version(), inet_server_port(), current_setting('unix_socket_directories')"
        )
        version, port, _ = cursor.fetchone()
    assert version.startswith("PostgreSQL")
    if os.environ.get("CI") == "true":
        # .ci/run points the suite at the machine's PostgreSQL on loopback.
        assert settings.DATABASES["default"]["HOST"] == "127.0.0.1"
        assert port == 5432
        assert not settings.USING_LOCAL_SERVICES
    elif not os.environ.get("DATABASE_URL"):
        # The embedded server listens on a Unix socket only.
        assert port is None
        assert settings.USING_LOCAL_SERVICES


def test_cache_is_a_real_redis_server_and_where_ci_says():
    key = f"probe-{uuid.uuid4()}"
    cache.set(key, "hello", 30)
    # Read it back with a separate client, straight from the server.
    client = redis.Redis.from_url(settings.REDIS_URL)
    raw_keys = [k.decode() for k in client.scan_iter(match=f"*{key}*")]
    assert raw_keys, "the value did not reach Redis"
    info = client.info("server")
    assert info["redis_version"]
    if os.environ.get("CI") == "true":
        # .ci/run gives redis://127.0.0.1:6379/0; each pytest-xdist worker moves on to a
        # database of its own (hope/settings_test.py).
        run_url = os.environ["HOPE_TEST_REDIS_FIRST_URL"]
        assert run_url.startswith("redis://127.0.0.1:6379/")
        assert settings.REDIS_URL == redis_url_for_worker(run_url, xdist_worker_number())
        assert info["tcp_port"] == 6379
    elif not os.environ.get("REDIS_URL"):
        assert settings.REDIS_URL.startswith("unix://")
        assert info["tcp_port"] == 0


def redis_db(url: str) -> int:
    return redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)


def test_each_xdist_worker_has_a_redis_database_of_its_own_for_cache_and_broker():
    """One worker's cache, rate limits and Celery queues never meet another's."""
    # The local Redis's URL (REDIS_URL unset) names no database: 0.
    run_url = os.environ["HOPE_TEST_REDIS_FIRST_URL"] or settings.REDIS_URL.split("?")[0]
    assert redis_db(settings.REDIS_URL) == redis_db(run_url) + xdist_worker_number()
    with app.connection_for_write() as broker:
        broker_db = broker.default_channel.client.connection_pool.connection_kwargs["db"]
    assert broker_db == redis_db(settings.REDIS_URL)
