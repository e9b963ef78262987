"""Read-side helpers: who can fill which gap, and what a facilitator sees."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from facilitators.models import FacilitatorProfile, SessionClaim, Training
from hope.models import TeamSettings
from hope.roles import FacilitatorKind
from programmes.models import Session


@dataclass
class Gap:
    session: Session
    kind: str
    eligible: list[FacilitatorProfile] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return FacilitatorKind(self.kind).label


def missing_kinds(session: Session) -> list[str]:
    """Needs ``facilitators.cover.add_cover()``."""
    kinds = []
    if session.workforce_name is None:
        kinds.append(FacilitatorKind.WORKFORCE)
    if session.lived_name is None:
        kinds.append(FacilitatorKind.LIVED_EXPERIENCE)
    return kinds


def gaps_with_eligible(sessions: list[Session], start: datetime, end: datetime) -> list[Gap]:
    """Every missing slot in ``sessions`` with the people who could fill it.

    Three queries whatever the number of sessions (none for none): the trainings for
    their programmes, the active people who hold them, and the claims held between
    ``start`` and ``end``; the matching happens here.
    """
    if not sessions:
        return []
    active = FacilitatorProfile.objects.active()
    # Pairs in one plain query: prefetch_related filtered a queryset for each of 150
    # profiles, a third of the cover page's time at ten years. Only the trainings for
    # these sessions' programmes, and only the people who hold one: a session's page
    # read all thousand trainings and 150 people to find its few candidates.
    trainings = Training.objects.filter(
        profile__in=active, programme__in={s.course.programme_id for s in sessions}
    )
    trained: dict[int, set[int]] = defaultdict(set)
    for profile_id, programme_id in trainings.values_list("profile_id", "programme_id"):
        trained[profile_id].add(programme_id)
    profiles = list(
        active.filter(pk__in=trainings.values("profile"))
        .select_related("user")
        .order_by("user__full_name", "pk")
    )
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for facilitator_id, claim_start, claim_end in (
        SessionClaim.objects.held()
        .filter(start__lt=end, end__gt=start)
        .values_list("facilitator_id", "start", "end")
    ):
        busy[facilitator_id].append((claim_start, claim_end))

    # Who is trained for what, by (kind, programme), in name order: each gap then checks
    # the diaries of its few candidates only, not all 150 people. Each with their id in
    # hand, and only the busy ones' diaries read: thirty gaps of fifty candidates each
    # asked ``pk`` and walked an empty diary 1,500 times a request.
    candidates: dict[tuple[str, int], list[tuple[int, FacilitatorProfile]]] = defaultdict(list)
    for profile in profiles:
        for programme_id in trained[profile.pk]:
            candidates[(profile.kind, programme_id)].append((profile.pk, profile))

    gaps = []
    for session in sessions:
        session_start, session_end = session.start, session.end
        for kind in missing_kinds(session):
            eligible = [
                profile
                for pk, profile in candidates[(kind, session.course.programme_id)]
                if pk not in busy
                or not any(s < session_end and session_start < e for s, e in busy[pk])
            ]
            gaps.append(Gap(session=session, kind=kind, eligible=eligible))
    return gaps


def holds_overlapping(profile: FacilitatorProfile) -> Exists:
    """For sessions' columns: whether this person holds a session that overlaps the one
    in the outer query (the claim service refuses a second). Asked of each row on the
    held-claims-by-person index, from the row's start on: at ten years, scanning every
    claim once per board row was most of the board's time."""
    return Exists(
        SessionClaim.objects.held().filter(
            facilitator=profile, end__gt=OuterRef("start"), start__lt=OuterRef("end")
        )
    )


def refreshers_due() -> QuerySet:
    """Active facilitators with at least one training due a refresher, as distinct
    profile ids (one query, for the team's refresher period)."""
    months = TeamSettings.current().refresher_months
    return (
        Training.objects.refresher_due(months)
        .filter(profile__in=FacilitatorProfile.objects.active())
        .values("profile")
        .distinct()
    )


def refreshers_due_count() -> int:
    """How many of ``refreshers_due()`` (two queries)."""
    return refreshers_due().count()
