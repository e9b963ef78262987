from __future__ import annotations

import socket
from datetime import timedelta

import time_machine
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from hope import health
from hope.health import record_heartbeat


def test_healthz_is_ok_when_everything_answers(client, db):
    record_heartbeat("worker")
    record_heartbeat("beat")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "worker": "ok",
        "beat": "ok",
    }


def test_healthz_reports_a_silent_worker_and_beat_as_late_but_stays_200(client, db):
    with time_machine.travel(timezone.now() - timedelta(minutes=4)):
        record_heartbeat("worker")
    record_heartbeat("beat")
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # requests are still served
    assert (response.json()["status"], response.json()["worker"], response.json()["beat"]) == (
        "degraded",
        "late",
        "ok",
    )


def test_healthz_reports_a_refusing_broker_and_stays_200(client, db, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["broker"]) == ("degraded", "unavailable")


def test_healthz_reports_a_broker_that_never_answers(client, db, settings, silent_server):
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_server}/0"
    settings.REDIS_TIMEOUT = 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"] == "unavailable"


def test_healthz_is_503_when_the_database_fails(client, db, monkeypatch):
    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_plain_http_is_sent_to_https_except_the_health_check(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200


def test_coordinators_see_a_late_worker_or_beat_on_the_message_log(client, coordinator):
    client.force_login(coordinator)
    record_heartbeat("beat")
    page = client.get(reverse("message_log")).content.decode()
    assert "Messages are not going out on time" in page
    assert "Celery worker (the message sweep): not seen yet" in page
    assert "Celery beat" not in page
    record_heartbeat("worker")
    assert "not going out on time" not in client.get(reverse("message_log")).content.decode()
