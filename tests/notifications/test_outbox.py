"""Exactly once: stored before sent, claimed with SKIP LOCKED, retried with back-off."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hope import outbox
from hope.channels import CHANNELS
from hope.models import Message, MessageStatus
from hope.outbox import message_create, send_due
from hope.roles import Role
from tests.concurrency import run_together
from tests.factories import UserFactory


def make_message(user, key="test:1", **kwargs):
    return message_create(
        key=key,
        kind="claim_notice",
        recipient=user,
        template="hope/email/test_message",
        context={"body": "Hello"},
        send_now=False,
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _test_template(settings, tmp_path):
    folder = tmp_path / "hope" / "email"
    folder.mkdir(parents=True)
    (folder / "test_message_subject.txt").write_text("A test message for {{ recipient.full_name }}")
    (folder / "test_message.txt").write_text("{{ body }}, {{ recipient.full_name }}")
    (folder / "test_message.html").write_text("<p>{{ body }}, {{ recipient.full_name }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]


@pytest.mark.django_db
def test_the_same_key_is_stored_once_and_sent_once():
    user = UserFactory()
    assert make_message(user) is not None
    assert make_message(user) is None
    assert send_due() == 1
    assert send_due() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body == f"Hello, {user.full_name}"
    assert Message.objects.get().status == MessageStatus.SENT


@pytest.mark.django_db
def test_plain_text_is_not_html_escaped_and_html_is():
    user = UserFactory(full_name="Dr Siobhán O'Brien & <Co>")
    make_message(user)
    send_due()
    email = mail.outbox[0]
    assert email.subject == "A test message for Dr Siobhán O'Brien & <Co>"
    assert email.body == "Hello, Dr Siobhán O'Brien & <Co>"
    assert email.alternatives[0][0] == "<p>Hello, Dr Siobhán O&#x27;Brien &amp; &lt;Co&gt;</p>"


@pytest.mark.django_db
def test_a_soft_time_limit_stops_the_sweep_without_counting_a_failure(monkeypatch):
    user = UserFactory()
    for n in range(3):
        make_message(user, key=f"test:{n}")

    class Stopped:
        def send(self, message):
            raise SoftTimeLimitExceeded()

    monkeypatch.setitem(CHANNELS, "email", Stopped())
    with pytest.raises(SoftTimeLimitExceeded):
        send_due()
    rows = list(Message.objects.order_by("pk"))
    # The one in flight keeps its lease (the server may have taken it); the others were
    # never taken. Nothing counts as a failed attempt.
    assert [(m.status, m.attempts, m.last_error) for m in rows] == [
        (MessageStatus.SENDING, 0, ""),
        (MessageStatus.PENDING, 0, ""),
        (MessageStatus.PENDING, 0, ""),
    ]
    monkeypatch.undo()
    assert send_due() == 2  # the next sweep, at once
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(seconds=1)):
        assert send_due() == 1  # its lease over, the one in flight goes again
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_failed_send_is_retried_with_back_off_then_marked_failed(monkeypatch, client):
    user = UserFactory()
    make_message(user)
    calls = []

    class Flaky:
        def send(self, message):
            calls.append(message.pk)
            raise ConnectionRefusedError("mail server down")

    monkeypatch.setitem(CHANNELS, "email", Flaky())
    start = timezone.now()
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        with time_machine.travel(start + timedelta(hours=attempt * 2), tick=False):
            assert send_due() == 0
            message = Message.objects.get()
            assert message.attempts == attempt
            # Nothing is tried again before its back-off has passed.
            assert send_due() == 0
    assert len(calls) == outbox.MAX_ATTEMPTS
    assert message.status == MessageStatus.FAILED
    assert "mail server down" in message.last_error
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    client.force_login(coordinator)
    page = client.get(reverse("message_log") + "?status=failed")
    assert list(page.context["page"]) == [message]


@pytest.mark.django_db
def test_a_worker_that_died_mid_send_leaves_a_row_that_is_sent_later():
    user = UserFactory()
    make_message(user)
    Message.objects.update(status=MessageStatus.SENDING, claimed_at=timezone.now())
    assert send_due() == 0  # still within its lease
    with time_machine.travel(timezone.now() + outbox.LEASE + timedelta(minutes=1)):
        assert send_due() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_send_each_message_once():
    user = UserFactory()
    for n in range(30):
        make_message(user, key=f"test:{n}")
    results = run_together([lambda: send_due(limit=10) + send_due(limit=10)] * 4)
    sent = [r for r in results if isinstance(r, int)]
    assert sum(sent) == 30
    assert len(mail.outbox) == 30
    assert len({m.to[0] + m.body for m in mail.outbox}) == 1  # same person, same body
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 30


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_after_commit_and_a_second_run_sends_nothing(real_worker):
    user = UserFactory()
    message_create(
        key="test:worker", kind="claim_notice", recipient=user,
        template="hope/email/test_message", context={"body": "Hi"},
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    from hope.tasks import send_due_messages

    send_due_messages.delay()
    time.sleep(1)
    assert len(mail.outbox) == 1
    assert Message.objects.get().status == MessageStatus.SENT


@pytest.mark.django_db
def test_one_transaction_storing_many_messages_asks_for_one_sweep(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            for n in range(5):
                message_create(
                    key=f"test:many:{n}", kind="claim_notice", recipient=user,
                    template="hope/email/test_message", context={"body": "Hi"},
                )  # fmt: skip
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_refused_address_is_not_copied_into_the_log_or_the_message_log(monkeypatch, caplog):
    import smtplib

    user = UserFactory(email="private.person@example.org")
    make_message(user)

    class Refusing:
        def send(self, message):
            raise smtplib.SMTPRecipientsRefused({message.to_address: (550, b"No such user")})

    monkeypatch.setitem(CHANNELS, "email", Refusing())
    send_due()
    message = Message.objects.get()
    assert "SMTPRecipientsRefused" in message.last_error and "<recipient>" in message.last_error
    assert "private.person" not in message.last_error
    assert "private.person" not in caplog.text
