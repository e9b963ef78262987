"""The outbox against real faults: a worker process killed mid-sweep, and a slow mail
server with Celery's time limits. Real processes, a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from hope import outbox
from hope.celery import app
from hope.models import Message, MessageStatus
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


class SlowMailServer:
    """Accepts every message after ``delay`` seconds and remembers its subject."""

    def __init__(self, delay: float):
        self.delay = delay
        self.subjects: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        await asyncio.sleep(self.delay)
        subject = next(
            line.split(":", 1)[1].strip()
            for line in envelope.content.decode().splitlines()
            if line.lower().startswith("subject:")
        )
        with self.lock:
            self.subjects.append(subject)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_server(request):
    handler = SlowMailServer(delay=getattr(request, "param", 1.0))
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def store_messages(count: int) -> list[str]:
    person = UserFactory()
    for n in range(count):
        Message.objects.create(
            key=f"fault-test:{n}",
            kind="test",
            recipient=person,
            to_address=person.email,
            subject=f"Message {n}",
            body_text="Hello",
        )
    return [f"Message {n}" for n in range(count)]


def environment(port: int, **extra) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.fault_settings",
        "HOPE_TEST_DATABASE_NAME": settings.DATABASES["default"]["NAME"],
        "HOPE_TEST_SMTP_PORT": str(port),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("mail_server", [0.5], indirect=True)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_strands_only_the_message_in_flight(mail_server, settings):
    server, port = mail_server
    subjects = store_messages(10)
    sweep = subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup(); "
         "from hope.outbox import send_due; send_due()"],
        env=environment(port), cwd=ROOT,
    )  # fmt: skip
    wait_for(lambda: len(server.subjects) >= 3, 30, "three messages to reach the server")
    os.kill(sweep.pid, signal.SIGKILL)
    sweep.wait()

    statuses = list(Message.objects.values_list("status", flat=True))
    assert statuses.count(MessageStatus.SENDING) <= 1  # only the one it was sending
    # The next sweep (beat runs one every minute) sends every message never taken.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    outbox.send_due()
    waiting = Message.objects.exclude(status=MessageStatus.SENT)
    assert waiting.count() == statuses.count(MessageStatus.SENDING)
    # The one in flight goes again once its lease ends: within LEASE plus one sweep.
    assert outbox.LEASE + timedelta(minutes=1) <= timedelta(minutes=3)
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(seconds=1)):
        outbox.send_due()
    assert not Message.objects.exclude(status=MessageStatus.SENT).exists()
    assert sorted(set(server.subjects)) == sorted(subjects)
    repeated = len(server.subjects) - len(set(server.subjects))
    assert repeated <= 1  # only the message in flight when it died can arrive twice


@pytest.mark.parametrize("mail_server", [1.5], indirect=True)
@pytest.mark.django_db(transaction=True)
def test_a_slow_mail_server_under_celerys_time_limits_sends_each_message_once(mail_server):
    server, port = mail_server
    subjects = store_messages(6)
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    # Soft limit 6 s, 2 s per send at most: a sweep takes messages for 2 s, then stops.
    # (All six in one sweep would take 9 s: the soft limit would fire mid-send.)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hope", "worker", "--pool=prefork",
         "--concurrency=1", "--without-heartbeat", "--without-mingle", "--without-gossip",
         "-Q", queue, "--loglevel=WARNING"],
        env=environment(port, HOPE_TEST_QUEUE=queue, CELERY_SOFT_TIME_LIMIT="6",
                        CELERY_TIME_LIMIT="12", EMAIL_TIMEOUT="2"),
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        for _ in range(8):  # beat's minute sweeps, and nudges, arriving as they do
            app.send_task("hope.tasks.send_due_messages", queue=queue)
        wait_for(
            lambda: not Message.objects.exclude(status=MessageStatus.SENT).exists(),
            90,
            "every message to be sent",
        )
    finally:
        app.conf.task_always_eager = True
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=30)
    assert sorted(server.subjects) == sorted(subjects)  # each exactly once
    assert "SoftTimeLimitExceeded" not in errors and "Hard time limit" not in errors
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_a_running_beat_leaves_its_heartbeat(tmp_path):
    from hope.models import Heartbeat

    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hope", "beat", "--loglevel=WARNING",
         "-s", str(tmp_path / "schedule"), "--pidfile", str(tmp_path / "beat.pid")],
        env=environment(free_port(), HOPE_TEST_QUEUE=f"faults-{uuid.uuid4().hex[:8]}"),
        cwd=ROOT,
    )  # fmt: skip
    try:
        wait_for(lambda: Heartbeat.objects.filter(name="beat").exists(), 60, "beat's heartbeat")
    finally:
        beat.send_signal(signal.SIGTERM)
        beat.wait(timeout=30)
