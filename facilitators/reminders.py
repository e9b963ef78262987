"""Facilitator reminders and session notices, produced into the outbox (hope/outbox.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from facilitators.feed import single_session_ics
from facilitators.models import SessionClaim
from hope.models import Message
from hope.outbox import message_create, messages_withdraw
from hope.reminders import LONGEST_NOTICE, reminder_due_at

TEMPLATE = "facilitators/email/reminder"


def _reminder_key(claim: SessionClaim, session) -> str:
    # The session's revision is part of the key: a moved session is a new reminder, and
    # the same reminder produced twice is stored once.
    return f"reminder:session={session.pk}:rev={session.revision}:person={claim.facilitator_id}"


def _context(claim: SessionClaim, session) -> dict:
    partners = [c for c in session.held_claims if c.facilitator_id != claim.facilitator_id]
    return {
        "session": session,
        "claim": claim,
        "partner": partners[0].facilitator.user.full_name if partners else None,
        "site_url": settings.SITE_URL,
        "days": claim.facilitator.reminder_days,
    }


def _with_partners(claims):
    return claims.select_related(
        "facilitator__user", "session__course__programme", "session__venue"
    ).prefetch_related(
        Prefetch(
            "session__claims",
            queryset=SessionClaim.objects.held().select_related("facilitator__user"),
            to_attr="held_claims",
        )
    )


def plan_reminders(now=None) -> int:
    """Store a reminder for every held slot whose reminder time has come. Idempotent."""
    now = now or timezone.now()
    candidates = _with_partners(
        SessionClaim.objects.held().filter(
            session__is_cancelled=False,
            session__start__gt=now,
            session__start__lte=now + LONGEST_NOTICE,
        )
    )
    due = [
        claim
        for claim in candidates
        if reminder_due_at(claim.session.start, claim.facilitator.reminder_days) <= now
    ]
    # Most runs find reminders already stored; skip those before rendering anything.
    keys = {claim.pk: _reminder_key(claim, claim.session) for claim in due}
    stored = set(Message.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    created = 0
    for claim in due:
        if keys[claim.pk] in stored:
            continue
        session = claim.session
        message = message_create(
            key=keys[claim.pk],
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


def withdraw_reminders(sessions: Iterable) -> int:
    """Reminders stored but not yet sent for these sessions no longer say the truth."""
    return sum(messages_withdraw(key_prefix=f"reminder:session={s.pk}:") for s in sessions)


def notify_session_changed(*, claims: Iterable[SessionClaim], what: str) -> int:
    """Tell each holder of these claims that their session ``what`` ("moved",
    "cancelled" or "withdrawn"). Keyed by the session's revision, so every change is
    told once. Call inside the change's transaction, after the session is saved."""
    claims = list(claims)
    if not claims:
        return 0
    created = 0
    for claim in _with_partners(SessionClaim.objects.filter(pk__in=[c.pk for c in claims])):
        session = claim.session
        message = message_create(
            key=f"session-{what}:session={session.pk}:rev={session.revision}:"
            f"person={claim.facilitator_id}",
            kind="session_notice",
            recipient=claim.facilitator.user,
            template="facilitators/email/session_update",
            context={**_context(claim, session), "what": what},
        )
        created += message is not None
    return created
