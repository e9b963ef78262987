from __future__ import annotations

import socket
import threading

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from hope import localservices
from hope.cache import cache_breaker
from hope.celery import app
from hope.queue import broker_breaker
from hope.roles import FacilitatorKind, Role
from tests.factories import FacilitatorProfileFactory, UserFactory


def pytest_unconfigure(config):
    # Stops only the local servers this test session started (none under CI). Under
    # pytest-xdist the controller loads the settings, so starts them, before any worker:
    # a worker finishing early must not stop them under the others.
    if not hasattr(config, "workerinput"):
        localservices.stop_started_here()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, which drops the test database at the end, after this ends every
    other session still connected to it: a connection left open by a thread (a live
    server's, a real Celery worker's) would make the drop fail with "database … is being
    accessed by other users", failing a run whose tests all passed."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters, cached values and a circuit breaker tripped by one test's
    broken Redis must not leak into the next."""
    broker_breaker.reset()
    cache_breaker.reset()
    cache.clear()
    yield
    broker_breaker.reset()
    cache_breaker.reset()


@pytest.fixture
def coordinator(db):
    return UserFactory(email="coordinator@example.org", roles=[Role.COORDINATOR])


@pytest.fixture
def workforce_facilitator(db):
    return FacilitatorProfileFactory(
        user__email="workforce@example.org", kind=FacilitatorKind.WORKFORCE
    ).user


@pytest.fixture
def lived_facilitator(db):
    return FacilitatorProfileFactory(
        user__email="lived@example.org", kind=FacilitatorKind.LIVED_EXPERIENCE
    ).user


@pytest.fixture
def volunteer(db):
    return UserFactory(email="volunteer@example.org", roles=[Role.VOLUNTEER], is_driver=True)


@pytest.fixture
def finance_lead(db):
    return UserFactory(email="finance@example.org", roles=[Role.FINANCE_LEAD])


@pytest.fixture
def evidence_viewer(db):
    """A commissioner or quality lead: the anonymous reports, and nothing else."""
    return UserFactory(email="evidence@example.org", roles=[Role.EVIDENCE_VIEWER])


@pytest.fixture
def outsider(db):
    """Signed in, but holds no role."""
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def personas(
    coordinator, workforce_facilitator, lived_facilitator, volunteer, finance_lead, evidence_viewer
):
    return {
        "volunteer": volunteer,
        "workforce": workforce_facilitator,
        "lived": lived_facilitator,
        "finance": finance_lead,
        "coordinator": coordinator,
        "evidence": evidence_viewer,
    }


@pytest.fixture
def midday():
    """The clock at noon today (London), moving on from there: a test that needs a
    session later today (the register opens on the session's day) would otherwise fail
    when run between 23:00 and midnight."""
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    with time_machine.travel(noon, tick=True):
        yield noon


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers, like a wedged Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def real_worker():
    """A real Celery worker thread on the real Redis broker (tests need transaction=True)."""
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True
