"""Read-side helpers: who can fill which gap, and what a facilitator sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from facilitators.cover import set_cover
from facilitators.models import FacilitatorProfile, FacilitatorStatus, SessionClaim, Training
from hope.models import TeamSettings
from hope.roles import FacilitatorKind
from programmes.models import SESSION_ON_OPEN_DAY_SQL, Session


@dataclass
class CoverRow:
    """A session without its pair, as the cover page reads it: plain values, not a
    session, course and venue instance each (a third of the page's reading)."""

    pk: int
    start: datetime
    end: datetime
    number: int
    title: str
    venue_name: str | None
    programme_id: int


COVER_ROW_FIELDS = (
    "pk",
    "start",
    "end",
    "number",
    "course__title",
    "venue__name",
    "course__programme_id",
)


@dataclass
class Gap:
    """A slot of ``session`` nobody holds, and how many could step in (``free``)."""

    session: CoverRow
    kind: str
    free: int

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


def free_to_step_in(session: Session) -> QuerySet[FacilitatorProfile]:
    """The one rule for who could take a slot of ``session`` (its ``course`` loaded):
    active, trained to deliver its programme, and holding nothing at an overlapping time.
    Either kind: filter by ``kind`` for one slot. ``open_slots`` counts the same people
    for many sessions."""
    busy = (
        SessionClaim.objects.held()
        .overlapping(session.start, session.end)
        .filter(facilitator=OuterRef("pk"))
    )
    # One training per person and programme (facilitators_training_once_per_programme),
    # so the join repeats nobody.
    return (
        FacilitatorProfile.objects.active()
        .filter(trainings__programme=session.course.programme_id)
        .exclude(Exists(busy))
    )


# Each open slot of each session, and how many could step in to it: the rule of
# ``free_to_step_in`` (active: ``FacilitatorProfileQuerySet.active``; trained for the
# session's programme; holding no claim, ``held()``, whose time overlaps the session's,
# '[)' as the no-overlap rule has it), counted. tests/facilitators/test_cover_choose.py
# holds the two to the same answers.
#
# Counted as those trained and active less those of them busy at the time, not by
# asking each candidate's diary: thirty sessions of forty candidates each were 2,000
# index probes (20 ms at ten years). The busy are among the claims held in the window
# the sessions span, a few dozen, found by one probe of ``facilitators_claim_held_when``
# (one a session cost thirty, a third of the query's time) and then matched to each
# slot's time and kind; MATERIALIZED keeps PostgreSQL to that plan (offered the kind to
# join on in the same step, it hashed every claim of ten years against the slots:
# 20 ms). Written as SQL: the ORM's subqueries for it (four a session) took longer to
# compile than to run.
_OPEN_SLOTS = """
WITH gap (id, programme_id, "start", "end") AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(programmes)s::bigint[],
                         %(starts)s::timestamptz[], %(ends)s::timestamptz[])
), holder AS MATERIALIZED (
    SELECT session_id, kind FROM facilitators_sessionclaim
    WHERE session_id = ANY(%(ids)s) AND released_at IS NULL
), slot AS MATERIALIZED (
    SELECT gap.*, k.kind
    FROM gap CROSS JOIN unnest(%(kinds)s::text[]) AS k (kind)
    WHERE NOT EXISTS (
        SELECT FROM holder WHERE holder.session_id = gap.id AND holder.kind = k.kind
    )
), active AS MATERIALIZED (
    SELECT p.id, p.kind FROM facilitators_facilitatorprofile p
    JOIN hope_user u ON u.id = p.user_id
    WHERE p.status = %(active)s AND u.is_active
), trained AS (
    SELECT t.programme_id, a.kind, count(*) AS n
    FROM facilitators_training t
    JOIN active a ON a.id = t.profile_id
    WHERE t.programme_id = ANY(%(programmes)s)
    GROUP BY 1, 2
), window_claim AS MATERIALIZED (
    SELECT c.kind, c.facilitator_id, tstzrange(c."start", c."end", '[)') AS during
    FROM facilitators_sessionclaim c
    WHERE c.released_at IS NULL
      AND tstzrange(c."start", c."end", '[)')
          && tstzrange((SELECT min("start") FROM gap), (SELECT max("end") FROM gap), '[)')
), busy AS (
    SELECT slot.id, slot.kind, count(DISTINCT w.facilitator_id) AS n
    FROM slot
    JOIN window_claim w
      ON w.kind = slot.kind AND w.during && tstzrange(slot."start", slot."end", '[)')
    WHERE w.facilitator_id IN (SELECT id FROM active)
      AND EXISTS (
          SELECT FROM facilitators_training t
          WHERE t.profile_id = w.facilitator_id AND t.programme_id = slot.programme_id
      )
    GROUP BY 1, 2
)
SELECT slot.id, slot.kind, coalesce(trained.n, 0) - coalesce(busy.n, 0)
FROM slot
LEFT JOIN trained ON trained.programme_id = slot.programme_id AND trained.kind = slot.kind
LEFT JOIN busy ON busy.id = slot.id AND busy.kind = slot.kind
"""


def open_slots(sessions: list[CoverRow]) -> dict[tuple[int, str], int]:
    """The slots of ``sessions`` nobody holds (no ``held()`` claim), by (session id,
    kind), each with how many of ``free_to_step_in()`` could take it. One query, none for
    no sessions."""
    if not sessions:
        return {}
    params = {
        "ids": [s.pk for s in sessions],
        "programmes": [s.programme_id for s in sessions],
        "starts": [s.start for s in sessions],
        "ends": [s.end for s in sessions],
        "kinds": FacilitatorKind.values,
        "active": FacilitatorStatus.ACTIVE.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_SLOTS, params)
        return {(session_id, kind): n for session_id, kind, n in cursor.fetchall()}


def gaps_of(sessions: list[CoverRow]) -> list[Gap]:
    """Every slot nobody holds in ``sessions``, soonest first as given, with how many
    could step in to it (``open_slots``). Sets each session's cover (``set_cover``)."""
    free = open_slots(sessions)
    gaps = []
    for session in sessions:
        kinds = [kind for kind in FacilitatorKind.values if (session.pk, kind) in free]
        set_cover(
            session,
            workforce=FacilitatorKind.WORKFORCE not in kinds,
            lived=FacilitatorKind.LIVED_EXPERIENCE not in kinds,
        )
        gaps += [Gap(session=session, kind=kind, free=free[(session.pk, kind)]) for kind in kinds]
    return gaps


# Colleagues' open requests for cover that a person could take, soonest first: open
# (``CoverRequestQuerySet.open``), of a claim of the person's kind held by someone else,
# for a session that has not started (``SessionQuerySet.upcoming``), of a programme they
# are trained in, on a day nobody closed (``SessionQuerySet.on_open_days``).
# tests/facilitators/test_board.py holds it to those rules.
#
# Written as SQL, the open requests first (a handful, by the partial index
# facilitators_cover_one_open_per_claim) and MATERIALIZED: as a queryset it was a join of
# six tables around a subquery of two, which PostgreSQL took longer to plan (1.2 ms) than
# to run (0.1 ms) and Django longer still to build and compile (2 ms at ten years).
_COVER_REQUESTS = f"""
WITH asking AS MATERIALIZED (
    SELECT r.id, r.reason, c.session_id, c.facilitator_id
    FROM facilitators_coverrequest r
    JOIN facilitators_sessionclaim c ON c.id = r.claim_id
    WHERE r.resolved_at IS NULL AND c.kind = %(kind)s AND c.facilitator_id <> %(profile)s
)
SELECT asking.id, asking.reason, s."start", s.number, s.venue_id, course.title, u.full_name
FROM asking
JOIN programmes_session s ON s.id = asking.session_id
JOIN programmes_course course ON course.id = s.course_id
JOIN facilitators_facilitatorprofile holder ON holder.id = asking.facilitator_id
JOIN hope_user u ON u.id = holder.user_id
WHERE s."start" > %(now)s
  AND course.programme_id = ANY(%(programmes)s)
  AND {SESSION_ON_OPEN_DAY_SQL}
ORDER BY s."start", asking.id
"""  # noqa: S608 - constants only, the values are parameters


@dataclass
class CoverRequestRow:
    """A colleague's request for cover, as the board lists it."""

    pk: int
    reason: str
    start: datetime
    number: int
    venue_id: int | None
    title: str
    holder: str  # the full name of who asks


def cover_requests_open_to(
    profile: FacilitatorProfile, *, programmes: list[int], now: datetime
) -> list[CoverRequestRow]:
    """Colleagues' open requests for cover that ``profile`` could take (see above), for
    sessions of ``programmes`` (the ones they are trained in). One query; the caller
    decides whether they may take cover at all."""
    params = {
        "kind": profile.kind,
        "profile": profile.pk,
        "now": now,
        "programmes": programmes,
        "time_zone": settings.TIME_ZONE,
    }
    with connection.cursor() as cursor:
        cursor.execute(_COVER_REQUESTS, params)
        return [CoverRequestRow(*row) for row in cursor.fetchall()]


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
