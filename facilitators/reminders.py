"""Facilitator reminders and updates, produced into the outbox (hope/outbox.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, Prefetch, Value
from django.utils import timezone

from facilitators.feed import single_session_ics
from facilitators.models import Claim
from hope.models import Message, MessageStatus
from hope.outbox import message_create

TEMPLATE = "facilitators/email/reminder"


def _key(prefix: str, claim: Claim, session) -> str:
    # The session's time and venue are part of the key: a moved session is a new
    # reminder, and the same reminder produced twice is stored once.
    return (
        f"{prefix}:session={session.pk}:person={claim.facilitator_id}:"
        f"start={session.start:%Y%m%dT%H%M}:venue={session.venue_id or 'online'}"
    )


def _context(claim: Claim, session) -> dict:
    partners = [c for c in session.held_claims if c.facilitator_id != claim.facilitator_id]
    return {
        "session": session,
        "claim": claim,
        "partner": partners[0].facilitator.user.full_name if partners else None,
        "site_url": settings.SITE_URL,
        "days": claim.facilitator.reminder_days,
    }


def _held_claims():
    return (
        Claim.objects.held()
        .filter(session__is_cancelled=False)
        .select_related("facilitator__user", "session__course__programme", "session__venue")
        .prefetch_related(
            Prefetch(
                "session__claims",
                queryset=Claim.objects.held().select_related("facilitator__user"),
                to_attr="held_claims",
            )
        )
    )


def plan_reminders(now=None) -> int:
    """Store a reminder for every held slot whose reminder time has come. Idempotent."""
    now = now or timezone.now()
    lead = ExpressionWrapper(
        F("facilitator__reminder_days") * Value(timedelta(days=1)), output_field=DurationField()
    )
    due = (
        _held_claims()
        .filter(session__start__gt=now)
        .annotate(remind_at=F("session__start") - lead)
        .filter(remind_at__lte=now)
    )
    due = list(due)
    # Most runs find reminders already stored; skip those before rendering anything.
    keys = {claim.pk: _key("reminder", claim, claim.session) for claim in due}
    stored = set(Message.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    created = 0
    for claim in due:
        if keys[claim.pk] in stored:
            continue
        session = claim.session
        message = message_create(
            key=_key("reminder", claim, session),
            kind="reminder",
            recipient=claim.facilitator.user,
            template=TEMPLATE,
            context=_context(claim, session),
            attachment=(
                "hope-session.ics",
                "text/calendar",
                single_session_ics(session, claim.facilitator, site_url=settings.SITE_URL),
            ),
            send_now=False,
        )
        created += message is not None
    return created


def notify_session_changed(*, session, cancelled: bool = False) -> int:
    """After a session moves or is cancelled: a short update to each facilitator whose
    reminder has already gone, instead of silence. Call inside the change's transaction."""
    prefix = f"reminder:session={session.pk}:"
    reminded = set(
        Message.objects.filter(key__startswith=prefix, status=MessageStatus.SENT).values_list(
            "recipient_id", flat=True
        )
    )
    if not reminded:
        return 0
    claims = Claim.objects.filter(session=session, facilitator__user_id__in=reminded)
    if not cancelled:
        claims = claims.filter(released_at__isnull=True)
    claims = claims.select_related(
        "facilitator__user", "session__course__programme", "session__venue"
    ).prefetch_related(
        Prefetch(
            "session__claims",
            queryset=Claim.objects.held().select_related("facilitator__user"),
            to_attr="held_claims",
        )
    )
    created = 0
    for claim in claims:
        what = "cancelled" if cancelled else "moved"
        message = message_create(
            key=_key(f"update-{what}", claim, session),
            kind="reminder_update",
            recipient=claim.facilitator.user,
            template="facilitators/email/session_update",
            context={**_context(claim, claim.session), "cancelled": cancelled},
        )
        created += message is not None
    return created
