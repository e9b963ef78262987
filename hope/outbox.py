"""The outbox: messages are rows first, then sent by a sweep that any worker may run.

Exactly once, by construction:
- each message has a unique key, so producing it twice stores it once;
- a sender takes one row at a time with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks
  it "sending" with a lease in the same transaction, so two workers never take the same
  row, and a worker that dies holds at most the one row it was sending;
- a row is marked "sent" only after the channel accepted it;
- a sweep stops taking rows well before Celery's soft time limit, and a soft limit that
  fires anyway means "stop", never "failed".
The one window no system closes: a worker that dies (or is stopped) after the mail
server accepted a message and before the row is marked sent. That row stays "sending"
until its ``LEASE`` (2 minutes) ends and is then sent again, so that one message, and
only it, may arrive twice.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from hope.channels import CHANNELS, sms_text
from hope.models import Message, MessageStatus, User
from hope.queue import enqueue_after_commit

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A message taken for sending and not marked sent within this is taken again. One send
# waits at most EMAIL_TIMEOUT (20 s by default) for the mail server, so a live worker
# always finishes well inside it.
LEASE = timedelta(minutes=2)


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template rendered without HTML escaping: "O'Brien" stays O'Brien in
    a subject line or a text body. (HTML bodies go through render_to_string, escaped.)"""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def message_create(
    *,
    key: str,
    kind: str,
    recipient: User | None,
    template: str,
    context: dict,
    to_address: str = "",
    channel: str = "email",
    due_at=None,
    attachment: tuple[str, str, str] | None = None,
    send_now: bool = True,
) -> Message | None:
    """Store a message once (None if its key exists already) and, after commit, ask a
    worker to send it. If the broker is down the sweep sends it later.

    ``recipient`` is the person it is for; someone without an account yet (an
    invitation) has ``recipient=None`` and a ``to_address``. A text message ("sms") is
    rendered from ``<template>_sms.txt``, kept to two texts' worth, with no HTML part; its
    subject only names it on /messages/."""
    context = {**context, "recipient": recipient}
    subject = " ".join(render_text(f"{template}_subject.txt", context).split())
    if channel == "sms":
        body_text, body_html = sms_text(render_text(f"{template}_sms.txt", context)), ""
    else:
        body_text = render_text(f"{template}.txt", context)
        body_html = render_to_string(f"{template}.html", context)
    name, mimetype, content = attachment or ("", "", "")
    try:
        with transaction.atomic():
            message = Message.objects.create(
                key=key[:200],
                kind=kind,
                channel=channel,
                recipient=recipient,
                to_address=to_address or recipient.email,
                subject=subject[:200],
                body_text=body_text,
                body_html=body_html,
                attachment_name=name,
                attachment_type=mimetype,
                attachment=content,
                due_at=due_at or timezone.now(),
            )
    except IntegrityError:
        return None  # already produced: the unique key is the guarantee
    if send_now and message.due_at <= timezone.now():
        from hope.tasks import send_due_messages

        enqueue_after_commit(send_due_messages)
    return message


def messages_withdraw(*, key_prefix: str) -> int:
    """Withdraw messages not yet sent whose key starts with ``key_prefix`` (a reminder
    for a session that has since moved or been cancelled). One taken by a sender this
    very moment is beyond recall; whoever withdraws sends a notice after it anyway."""
    return Message.objects.filter(key__startswith=key_prefix, status=MessageStatus.PENDING).update(
        status=MessageStatus.WITHDRAWN, updated_at=timezone.now()
    )


def _claim_one(now) -> Message | None:
    """Take the next due message, marking it "sending" with a lease, in its own short
    transaction: a worker holds one message at a time, so if it dies only that one waits
    for its lease to run out; the rest were never taken and go with the next sweep."""
    with transaction.atomic():
        message = (
            Message.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("due_at", "pk")
            .first()
        )
        if message is not None:
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.SENDING, claimed_at=now
            )
    return message


def _reclaim_expired(now) -> int:
    """Rows whose worker died while sending go back in the queue once their lease ends.
    Each may have reached the mail server already: the one window that can send twice."""
    return Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - LEASE).update(
        status=MessageStatus.PENDING
    )


def _error_text(error: Exception, message: Message) -> str:
    """The failure, for the log and the message log, without the address it was going to
    (a mail server's "recipient refused" names it; it may be a participant's)."""
    text = f"{type(error).__name__}: {error}"
    return text.replace(message.to_address, "<recipient>") if message.to_address else text


def sweep_seconds() -> float:
    """How long one sweep keeps taking messages: it stops well before Celery's soft time
    limit, leaving room for the send in progress (at most EMAIL_TIMEOUT) to finish."""
    return max(1.0, settings.CELERY_TASK_SOFT_TIME_LIMIT - 2 * settings.EMAIL_TIMEOUT)


def send_due(limit: int = 100, seconds: float | None = None) -> int:
    """Send what is due, one message at a time, until none is due, ``limit`` were tried or
    ``seconds`` (default ``sweep_seconds()``) have passed; returns how many were sent.
    Safe to run anywhere, any number of times, at once."""
    deadline = time.monotonic() + (sweep_seconds() if seconds is None else seconds)
    _reclaim_expired(timezone.now())
    sent = 0
    for _ in range(limit):
        if time.monotonic() >= deadline:
            break  # the next sweep goes on from here
        message = _claim_one(timezone.now())
        if message is None:
            break
        try:
            CHANNELS[message.channel].send(message)
        except SoftTimeLimitExceeded:
            # Celery is stopping the task: this is "stop", not a failed send. Whether the
            # server took this message is unknown, so it keeps its lease (retried when it
            # ends); nothing else was taken.
            logger.warning("Sweep stopped by the time limit while sending message %s.", message.pk)
            raise
        except Exception as error:  # any channel failure: retry with back-off
            attempts = message.attempts + 1
            failed = attempts >= MAX_ATTEMPTS
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.FAILED if failed else MessageStatus.PENDING,
                attempts=attempts,
                next_attempt_at=timezone.now() + timedelta(minutes=2**attempts),
                last_error=_error_text(error, message)[:1000],
            )
            logger.warning(
                "Message %s not sent (attempt %s): %s",
                message.pk,
                attempts,
                _error_text(error, message),
            )
            continue
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1
        )
        sent += 1
    return sent
