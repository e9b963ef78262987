"""Demo training and claims for `seed_demo`: most sessions paired, some gaps to fill."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from facilitators.models import (
    FacilitatorKind,
    FacilitatorProfile,
    FacilitatorStatus,
    SessionClaim,
    Training,
)
from hope.models import User
from programmes.models import CourseStatus, Programme, Session


def seed_cover(*, by: User) -> int:
    """Train every demo facilitator and fill most sessions' slots. Idempotent."""
    profiles = list(FacilitatorProfile.objects.select_related("user").order_by("pk"))
    for n, profile in enumerate(profiles):
        for programme in Programme.objects.all():
            Training.objects.get_or_create(
                profile=profile,
                programme=programme,
                defaults={
                    # One facilitator's refresher is overdue, so the flag shows.
                    "trained_on": date(2022, 3, 14) if n == 2 else date(2024, 5, 20),
                    "refreshed_on": None if n % 2 else date(2025, 11, 3),
                },
            )
    if SessionClaim.objects.exists():
        return 0
    carer = next((p for p in profiles if p.user.email == "carer@example.org"), None)
    if carer and carer.status == FacilitatorStatus.ACTIVE:
        carer.status = FacilitatorStatus.IN_TRAINING
        carer.save(update_fields=["status", "updated_at"])
    workforce = [p for p in profiles if p.kind == FacilitatorKind.WORKFORCE]
    lived = [
        p
        for p in profiles
        if p.kind == FacilitatorKind.LIVED_EXPERIENCE and p.status == FacilitatorStatus.ACTIVE
    ]
    now = timezone.now()
    sessions = (
        Session.objects.filter(is_cancelled=False, course__status=CourseStatus.PUBLISHED)
        .select_related("course")
        .order_by("start")
    )
    claims = []
    for session in sessions:
        # Each venue keeps its own weekday, so giving each venue (or online) one person of
        # each kind never double-books anyone.
        slot = (session.venue_id or 0) + (3 if session.venue_id is None else 0)
        future = session.start > now
        # Gaps for the board and the cover page: some upcoming lived-experience slots
        # and a few workforce slots are left open.
        skip_lived = future and (session.number + session.course_id) % 3 == 0
        skip_workforce = future and session.number >= 5 and session.course_id % 2 == 0
        for people, skip in ((workforce, skip_workforce), (lived, skip_lived)):
            if skip or not people:
                continue
            holder = people[slot % len(people)]
            claims.append(
                SessionClaim(
                    session=session,
                    kind=holder.kind,
                    facilitator=holder,
                    start=session.start,
                    end=session.end,
                    claimed_by=holder.user,
                    claimed_at=min(now, session.start),
                )
            )
    SessionClaim.objects.bulk_create(claims)
    return len(claims)
