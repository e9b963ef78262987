"""The outbox: messages are rows first, then sent by a sweep that any worker may run.

Exactly once, by construction:
- each message has a unique key, so producing it twice stores it once;
- a sender claims rows with ``SELECT … FOR UPDATE SKIP LOCKED`` and marks them
  "sending" in the same transaction, so two workers never take the same row;
- a row is marked "sent" only after the channel accepted it.
The one window no system closes: a worker that dies after the mail server accepted a
message and before the row is marked sent. Such a row stays "sending"; after
``STALE_AFTER`` it is retried, so that one message may arrive twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from hope.channels import CHANNELS
from hope.models import Message, MessageStatus, User
from hope.queue import enqueue_after_commit

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_AFTER = timedelta(minutes=15)


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
    due_at=None,
    attachment: tuple[str, str, str] | None = None,
    send_now: bool = True,
) -> Message | None:
    """Store a message once (None if its key exists already) and, after commit, ask a
    worker to send it. If the broker is down the sweep sends it later.

    ``recipient`` is the person it is for; someone without an account yet (an
    invitation) has ``recipient=None`` and a ``to_address``."""
    context = {**context, "recipient": recipient}
    subject = " ".join(render_text(f"{template}_subject.txt", context).split())
    name, mimetype, content = attachment or ("", "", "")
    try:
        with transaction.atomic():
            message = Message.objects.create(
                key=key[:200],
                kind=kind,
                recipient=recipient,
                to_address=to_address or recipient.email,
                subject=subject[:200],
                body_text=render_text(f"{template}.txt", context),
                body_html=render_to_string(f"{template}.html", context),
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


def _claim_batch(limit: int) -> list[Message]:
    now = timezone.now()
    with transaction.atomic():
        # Rows a crashed worker left "sending" go back in the queue.
        Message.objects.filter(
            status=MessageStatus.SENDING, claimed_at__lt=now - STALE_AFTER
        ).update(status=MessageStatus.PENDING)
        batch = list(
            Message.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("due_at", "pk")[:limit]
        )
        Message.objects.filter(pk__in=[m.pk for m in batch]).update(
            status=MessageStatus.SENDING, claimed_at=now
        )
    return batch


def send_due(limit: int = 100) -> int:
    """Send what is due; returns how many were sent. Safe to run anywhere, any number of times."""
    sent = 0
    batch = _claim_batch(limit)
    for index, message in enumerate(batch):
        try:
            CHANNELS[message.channel].send(message)
        except SoftTimeLimitExceeded:
            # Celery is stopping this task, not the channel failing: no attempt is
            # counted, and this message and the rest of the batch go straight back to
            # the queue for the next sweep instead of waiting out STALE_AFTER.
            Message.objects.filter(
                pk__in=[m.pk for m in batch[index:]], status=MessageStatus.SENDING
            ).update(status=MessageStatus.PENDING, claimed_at=None)
            raise
        except Exception as error:  # any channel failure: retry with back-off
            attempts = message.attempts + 1
            failed = attempts >= MAX_ATTEMPTS
            Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
                status=MessageStatus.FAILED if failed else MessageStatus.PENDING,
                attempts=attempts,
                next_attempt_at=timezone.now() + timedelta(minutes=2**attempts),
                last_error=f"{type(error).__name__}: {error}"[:1000],
            )
            logger.warning("Message %s not sent (attempt %s): %s", message.pk, attempts, error)
            continue
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1
        )
        sent += 1
    return sent
