"""Deleting what the team no longer needs, on schedule (beat, every night).

Each kind of data has a rule: what goes, after how long, and a function that deletes it
and says how many rows went. The kernel's own rules are below; each app registers its
rules in its ``AppConfig.ready()`` (programmes: participants' identifying details;
facilitators: cover reasons; expenses: claims and receipts after HMRC's six years), so a
new kind of data joins the same nightly job with one ``register`` call. SECURITY.md lists
every rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionRule:
    name: str  # "expired sign-in sessions", in words an operator reads in the log
    kept_for: str  # "until they expire", for SECURITY.md and the log
    purge: Callable[[datetime], int]  # deletes what is due at ``now``; returns a count


_RULES: dict[str, RetentionRule] = {}


def register(rule: RetentionRule) -> RetentionRule:
    _RULES[rule.name] = rule
    return rule


def rules() -> list[RetentionRule]:
    return list(_RULES.values())


def run_retention(now: datetime | None = None) -> dict[str, int]:
    """Apply every rule, each in its own transaction, and note on the audit trail what went.

    Safe to run twice (the second run finds nothing due) and from any worker.
    """
    from hope.audit import audit_record
    from hope.models import AuditArea

    now = now or timezone.now()
    counts = {}
    for rule in rules():
        with transaction.atomic():
            counts[rule.name] = rule.purge(now)
    done = {name: count for name, count in counts.items() if count}
    if done:
        audit_record(
            actor=None,
            action="retention.purged",
            area=AuditArea.ACCOUNTS,
            summary="Deleted on schedule: "
            + "; ".join(f"{count} {name}" for name, count in done.items()),
        )
        logger.info("Retention: %s", done)
    return counts


# --- The kernel's own data -------------------------------------------------------------


def _expired_sessions(now: datetime) -> int:
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    expired = Session.objects.filter(expire_date__lt=now)
    count = expired.count()
    expired.delete()
    # allauth's list of devices: entries whose session is gone.
    UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return count


def _message_bodies(now: datetime) -> int:
    from hope.models import Message, MessageStatus

    return (
        Message.objects.filter(
            status__in=[MessageStatus.SENT, MessageStatus.FAILED],
            due_at__lt=now - timedelta(days=settings.RETENTION_MESSAGE_BODY_DAYS),
        )
        .exclude(body_text="", body_html="", attachment="")
        .update(body_text="", body_html="", attachment="", attachment_name="")
    )


def _old_messages(now: datetime) -> int:
    from hope.models import Message, MessageStatus

    old = Message.objects.filter(
        status__in=[MessageStatus.SENT, MessageStatus.FAILED],
        due_at__lt=now - timedelta(days=settings.RETENTION_MESSAGE_LOG_DAYS),
    )
    return old.delete()[0]


def _old_notices(now: datetime) -> int:
    """Rota notices: their text is in the message that carried them, so the row goes
    when a body would; one never delivered (its person left) goes then too."""
    from hope.models import Notice

    cutoff = now - timedelta(days=settings.RETENTION_MESSAGE_BODY_DAYS)
    return Notice.objects.filter(created_at__lt=cutoff).delete()[0]


def _unused_invitations(now: datetime) -> int:
    from django.db.models import Q

    from hope.models import Invitation

    cutoff = now - timedelta(days=settings.RETENTION_INVITATION_DAYS)
    unused = Invitation.objects.filter(accepted_at__isnull=True).filter(
        Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    )
    return unused.delete()[0]


def _audit_lines(now: datetime) -> int:
    from hope.models import AuditEvent

    signins = AuditEvent.objects.filter(
        action__startswith="signin.",
        created_at__lt=now - timedelta(days=settings.RETENTION_SIGNIN_AUDIT_DAYS),
    )
    everything = AuditEvent.objects.filter(
        created_at__lt=now - timedelta(days=365 * settings.RETENTION_AUDIT_YEARS)
    )
    with connection.cursor() as cursor:
        # The trail is append-only (migration hope 0004); this transaction may delete.
        cursor.execute("SET LOCAL hope.audit_purge = 'on'")
    return signins.delete()[0] + everything.delete()[0]


def register_kernel_rules() -> None:
    register(RetentionRule("expired sign-in sessions", "until they expire", _expired_sessions))
    register(
        RetentionRule(
            "message bodies cleared",
            f"{settings.RETENTION_MESSAGE_BODY_DAYS} days after sending",
            _message_bodies,
        )
    )
    register(
        RetentionRule(
            "messages deleted",
            f"{settings.RETENTION_MESSAGE_LOG_DAYS} days after sending",
            _old_messages,
        )
    )
    register(
        RetentionRule(
            "rota notices deleted",
            f"{settings.RETENTION_MESSAGE_BODY_DAYS} days after they were made",
            _old_notices,
        )
    )
    register(
        RetentionRule(
            "unused invitations",
            f"{settings.RETENTION_INVITATION_DAYS} days after expiry or withdrawal",
            _unused_invitations,
        )
    )
    register(
        RetentionRule(
            "audit lines",
            f"sign-ins {settings.RETENTION_SIGNIN_AUDIT_DAYS} days, everything else "
            f"{settings.RETENTION_AUDIT_YEARS} years",
            _audit_lines,
        )
    )
