"""Cover: who holds each session's two slots, and which sessions still lack their pair.

Sessions belong to programmes; who staffs them is this app's business, so the answers
live here and programmes' pages get them through ``programmes.signals.sessions_listed``
and ``courses_listed`` (see facilitators/receivers.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.html import format_html

from facilitators.models import SessionClaim
from hope.compiled import Compiled
from hope.counts import count_of
from hope.roles import FacilitatorKind
from programmes.models import CourseStatus, Session

# "Needs cover" looks this far ahead: the home page, the cover page and the morning digest.
COVER_WINDOW_DAYS = 28

# Each label says what is missing, not only what is there: "Workforce only" read to a
# workforce facilitator like "for you only".
COVER_LABELS = {
    "paired": "Paired",
    "workforce_only": "Workforce slot filled — needs a lived-experience facilitator",
    "lived_only": "Lived-experience slot filled — needs a workforce facilitator",
    "none": "Needs both facilitators",
}


# The badge of each state made once (as facilitators/_cover.html writes it): long lists
# place it in each row rather than including the template once a row.
COVER_BADGES = {
    state: format_html('<span class="badge hope-cover hope-cover-{}">{}</span>', state, label)
    for state, label in COVER_LABELS.items()
}


def _slots_held(kind: str | None = None) -> Subquery:
    """How many of a session's two slots (of ``kind`` only, if given) are held: its held
    claims, one per slot at most (``facilitators_claim_one_per_slot``). A count asked of
    each session by the (session, kind) index; "EXISTS a workforce claim and EXISTS a
    lived one" under a NOT or OR made PostgreSQL read every held claim of ten years into a
    hash instead, and so did a plain EXISTS in a list's columns."""
    claims = SessionClaim.objects.held().filter(session=OuterRef("pk"))
    if kind is not None:
        claims = claims.filter(kind=kind)
    return count_of(claims)


def cover_state(*, workforce: bool, lived: bool) -> str:
    """Which of COVER_LABELS a session is in, from whether each of its slots is held."""
    if workforce and lived:
        return "paired"
    if workforce:
        return "workforce_only"
    return "lived_only" if lived else "none"


def paired(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """The sessions with both slots held."""
    return sessions.alias(slots_held=_slots_held()).filter(slots_held=2)


def unpaired(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """The sessions with at least one slot free."""
    return sessions.alias(slots_held=_slots_held()).filter(slots_held__lt=2)


def needing_cover(now: datetime | None = None, days: int = COVER_WINDOW_DAYS) -> QuerySet[Session]:
    """The one rule for "a session without its full pair" that someone should act on:
    not cancelled, of a published course, starting within ``days``, a slot free.
    Drafts are left out: they are plans, and facilitators cannot claim them yet."""
    now = now or timezone.now()
    return needing_cover_before(now, now + timedelta(days=days))


def needing_cover_before(now: datetime, until: datetime) -> QuerySet[Session]:
    """``needing_cover()`` for the sessions starting after ``now`` and before ``until``
    (both values of the query, for one compiled once: hope/compiled.py)."""
    return unpaired(
        Session.objects.upcoming(now).filter(
            is_cancelled=False, start__lt=until, course__status=CourseStatus.PUBLISHED
        )
    )


# The two queries lists run for their sessions' cover, compiled once a process
# (hope/compiled.py): building them cost Django more than PostgreSQL took to run them.
_HOLDERS = Compiled(
    lambda sessions: (
        SessionClaim.objects.held()
        .filter(session__in=sessions)
        .values_list("session_id", "kind", "facilitator__user__full_name")
    ),
    sessions=list,
)
_PAIRED_COUNTS = Compiled(
    lambda courses: (
        paired(Session.objects.filter(course__in=courses, is_cancelled=False))
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values_list("course", "n")
    ),
    courses=list,
)


def add_cover(sessions: Iterable[Session], claims: Iterable[SessionClaim] | None = None) -> None:
    """Set ``workforce_name``, ``lived_name``, ``cover_state``, ``cover_label`` and
    ``cover_badge`` (its HTML) on each session, from who holds its slots now. One query
    whatever the number of sessions; none when ``claims`` gives their claims already read
    (with ``facilitator__user``), as a session's page has them."""
    sessions = list(sessions)
    holders: dict[tuple[int, str], str] = {}
    if claims is None:
        claims_held = _HOLDERS.rows(sessions=[s.pk for s in sessions])
    else:
        claims_held = [
            (claim.session_id, claim.kind, claim.facilitator.user.full_name)
            for claim in claims
            if claim.is_held
        ]
    for session_id, kind, name in claims_held:
        holders[(session_id, kind)] = name
    for session in sessions:
        session.workforce_name = holders.get((session.pk, FacilitatorKind.WORKFORCE))
        session.lived_name = holders.get((session.pk, FacilitatorKind.LIVED_EXPERIENCE))
        set_cover(
            session,
            workforce=session.workforce_name is not None,
            lived=session.lived_name is not None,
        )


def set_cover(session: Session, *, workforce: bool, lived: bool) -> None:
    """Set ``cover_state``, ``cover_label`` and ``cover_badge`` (its HTML) on the session
    from which of its slots are held."""
    session.cover_state = cover_state(workforce=workforce, lived=lived)
    session.cover_label = COVER_LABELS[session.cover_state]
    session.cover_badge = COVER_BADGES[session.cover_state]


def add_paired_counts(courses: Iterable, sessions: Iterable[Session] | None = None) -> None:
    """Set ``paired_sessions`` on each course: its sessions, not cancelled, with both
    slots held. One query; none when given every session of the courses already marked
    by ``add_cover`` (a course's own page)."""
    courses = list(courses)
    if sessions is not None:
        counts: dict[int, int] = {}
        for session in sessions:
            if not session.is_cancelled and session.cover_state == "paired":
                counts[session.course_id] = counts.get(session.course_id, 0) + 1
        for course in courses:
            course.paired_sessions = counts.get(course.pk, 0)
        return
    counts = dict(_PAIRED_COUNTS.rows(courses=[c.pk for c in courses]))
    for course in courses:
        course.paired_sessions = counts.get(course.pk, 0)
