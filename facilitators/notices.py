"""Who hears about a change to the rota, and what they are told.

The services in facilitators/services.py call these inside their transactions; each
notice goes through the kernel's ``notice_send`` (hope/notices.py), which tells each
person once, straight away or in their morning digest, as they chose. Keys name the
event and the claim or cover request, so each event is told once to each person.

Cover reasons never appear here: they may carry health details.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from facilitators.models import CoverRequest, FacilitatorProfile, SessionClaim
from hope.models import User
from hope.notices import coordinators, notice_recipients, notice_send
from hope.roles import FacilitatorKind, Role
from programmes.models import Session

TEMPLATE = "facilitators/email/rota_notice"
# A facilitator giving back a session this close leaves a gap the coordinators must fill.
GAVE_BACK_WARNING_DAYS = 14
# A request for cover still open this close to the session is the coordinators' to solve.
UNMET_COVER_HOURS = 72


def cover_candidates(claim: SessionClaim) -> list[FacilitatorProfile]:
    """The colleagues who could take this claim's slot: active, of its kind, trained for
    the programme, not holding a session at that time, not the person asking. The same
    people the board offers the request to. One query."""
    session = claim.session
    return list(
        FacilitatorProfile.objects.active()
        .filter(kind=claim.kind, trainings__programme_id=session.course.programme_id)
        .exclude(pk=claim.facilitator_id)
        .exclude(
            Exists(
                SessionClaim.objects.held().filter(
                    facilitator=OuterRef("pk"), start__lt=session.end, end__gt=session.start
                )
            )
        )
        .select_related("user")
        .order_by("pk")
    )


def _context(session: Session, kind: str, **extra) -> dict:
    start = timezone.localtime(session.start)
    return {
        "session": session,
        "session_line": f"{session.course.title} session {session.number}, "
        f"{start:%a %-d %b %Y, %H:%M}",
        "kind": FacilitatorKind(kind).label.lower(),
        "url": settings.SITE_URL + reverse("facilitators:session_detail", args=[session.pk]),
        "board_url": settings.SITE_URL + reverse("facilitators:board"),
        **extra,
    }


def _send(event: str, key: str, recipients: Iterable[User], context: dict, **extra) -> int:
    sent = 0
    for person in recipients:
        notice = notice_send(
            key=f"rota:{event}:{key}:to={person.pk}",
            recipient=person,
            template=TEMPLATE,
            context={**context, "event": event, **extra},
        )
        sent += notice is not None
    return sent


def notify_assigned(*, claim: SessionClaim, by: User) -> int:
    """A coordinator put someone in a slot: tell them."""
    person = claim.facilitator.user
    if person.pk == by.pk:
        return 0
    context = _context(claim.session, claim.kind, actor=by.full_name)
    return _send("assigned", f"claim={claim.pk}", [person], context)


def gave_back_tells_coordinators(session: Session, now: datetime | None = None) -> bool:
    """Whether a facilitator giving this session back tells the coordinators: only
    when it is close enough that finding someone else matters."""
    return session.start - (now or timezone.now()) <= timedelta(days=GAVE_BACK_WARNING_DAYS)


def notify_released(*, claim: SessionClaim, by: User, replaced_by: User | None = None) -> int:
    """A slot was given up. Someone else took the person out: tell them. They gave it
    back themselves: tell the coordinators, if the session is close enough to matter."""
    session, person = claim.session, claim.facilitator.user
    context = _context(session, claim.kind, actor=by.full_name, holder=person.full_name)
    if person.pk != by.pk:
        event = "replaced" if replaced_by else "released"
        taker = replaced_by.full_name if replaced_by else ""
        return _send(event, f"claim={claim.pk}", [person], context, taker=taker)
    if not gave_back_tells_coordinators(session):
        return 0
    return _send(
        "gave-back",
        f"claim={claim.pk}",
        coordinators(besides=by),
        context,
        days=GAVE_BACK_WARNING_DAYS,
    )


def notify_cover_requested(*, request: CoverRequest) -> int:
    """Tell the colleagues who could take the session, and the coordinators (with how
    many colleagues were asked, so a request nobody can take stands out)."""
    claim = request.claim
    context = _context(claim.session, claim.kind, asker=claim.facilitator.user.full_name)
    colleagues = [profile.user for profile in cover_candidates(claim)]
    key = f"request={request.pk}"
    sent = _send("cover-asked", key, colleagues, context)
    return sent + _send(
        "cover-asked",
        key,
        coordinators(besides=claim.facilitator.user),
        context,
        coordinator=True,
        colleagues=len(colleagues),
    )


def _told_of(request: CoverRequest) -> list[User]:
    told = notice_recipients(key_prefix=f"rota:cover-asked:request={request.pk}:")
    return list(User.objects.filter(pk__in=told).order_by("pk"))


def notify_cover_accepted(*, request: CoverRequest, taker: User) -> int:
    """The asker hears who took their session; coordinators told of the request hear
    that the gap is filled."""
    claim = request.claim
    asker = claim.facilitator.user
    context = _context(claim.session, claim.kind, asker=asker.full_name, taker=taker.full_name)
    key = f"request={request.pk}"
    sent = _send("cover-taken", key, [asker], context)
    told = [p for p in _told_of(request) if p.pk != taker.pk]
    coordinating = set(
        User.objects.filter(pk__in=[p.pk for p in told], groups__name=Role.COORDINATOR).values_list(
            "pk", flat=True
        )
    )
    return sent + _send(
        "cover-taken", key, [p for p in told if p.pk in coordinating], context, coordinator=True
    )


def notify_cover_withdrawn(*, request: CoverRequest, by: User, tell_asker: bool = True) -> int:
    """Those told of the request hear it is no longer needed; the asker hears too when
    a coordinator withdrew it (not when it closed because they were released: that
    notice says enough)."""
    claim = request.claim
    asker = claim.facilitator.user
    context = _context(claim.session, claim.kind, asker=asker.full_name, actor=by.full_name)
    key = f"request={request.pk}"
    sent = 0
    if tell_asker and by.pk != asker.pk:
        sent += _send("cover-withdrawn", key, [asker], context, yours=True)
    told = [p for p in _told_of(request) if p.pk not in (by.pk, asker.pk)]
    return sent + _send("cover-withdrawn", key, told, context)


def notify_unmet_cover(now: datetime | None = None) -> int:
    """Requests for cover still open when their session is less than UNMET_COVER_HOURS
    away: the asker and the coordinators hear once (beat, hourly). Idempotent."""
    now = now or timezone.now()
    requests = (
        CoverRequest.objects.open()
        .filter(
            claim__released_at__isnull=True,
            claim__session__is_cancelled=False,
            claim__session__start__gt=now,
            claim__session__start__lte=now + timedelta(hours=UNMET_COVER_HOURS),
        )
        .select_related("claim__session__course", "claim__facilitator__user")
        .order_by("claim__session__start", "pk")
    )
    requests = list(requests)
    if not requests:
        return 0
    team = coordinators()
    sent = 0
    for request in requests:
        claim = request.claim
        asker = claim.facilitator.user
        context = _context(claim.session, claim.kind, asker=asker.full_name)
        key = f"request={request.pk}"
        days = UNMET_COVER_HOURS // 24
        sent += _send("cover-unmet", key, [asker], context, days=days)
        others = [p for p in team if p.pk != asker.pk]
        sent += _send("cover-unmet", key, others, context, coordinator=True, days=days)
    return sent
