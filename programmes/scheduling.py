"""Planning a course's weekly session dates around bank holidays and closures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from hope.compiled import Compiled
from programmes.models import ClosureDate, Programme, Session
from venues.models import Venue

# A course moves a week at a time; past this many moves something is wrong (e.g. a
# closure entered for every Tuesday) and the coordinator should pick another day.
MAX_MOVES = 12


@dataclass(frozen=True)
class PlannedSession:
    number: int
    start: datetime
    end: datetime
    moved_from: list[tuple[date, str]]  # the dates skipped, with why

    @property
    def was_moved(self) -> bool:
        return bool(self.moved_from)


class SchedulingError(Exception):
    pass


@lru_cache(maxsize=32)
def _bank_holidays(year: int) -> dict[date, str]:
    # England and Wales share one list of bank holidays ("ENG" in the holidays package,
    # which ships its data, so this works offline).
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holiday(day: date) -> str | None:
    return _bank_holidays(day.year).get(day)


def _closures(venue: Venue | None, first: date, last: date) -> dict[date, str]:
    """Team-wide closures, and the venue's own, between two days (one query)."""
    closures: dict[date, str] = {}
    for closure in ClosureDate.objects.closing(venue).filter(date__gte=first, date__lte=last):
        closures.setdefault(closure.date, closure.reason)
    return closures


@dataclass(frozen=True)
class DayClosed:
    """Why a day is shut, for the calendar: a bank holiday, or a closure everywhere
    (``venue`` None) or at one venue."""

    reason: str
    is_bank_holiday: bool = False
    venue: str | None = None


def _days_closed(*, one_venue: bool) -> Compiled:
    # Compiled once a process (hope/compiled.py): every calendar page asks.
    def build(first, last, venue=None):
        closures = ClosureDate.objects.filter(date__gte=first, date__lte=last)
        if one_venue:
            closures = closures.closing(venue)
        return closures.order_by("date", "venue__name", "pk").values_list(
            "date", "reason", "venue__name"
        )

    return Compiled(build, first=date, last=date, **({"venue": int} if one_venue else {}))


_DAYS_CLOSED = {one_venue: _days_closed(one_venue=one_venue) for one_venue in (True, False)}


def days_closed(
    first: date, last: date, venue_id: int | None = None
) -> dict[date, list[DayClosed]]:
    """Bank holidays and closures from ``first`` to ``last``: with ``venue_id``, those that
    shut that venue (team-wide and its own), otherwise every venue's too. One query."""
    marks: dict[date, list[DayClosed]] = {}
    for year in range(first.year, last.year + 1):
        for day, name in _bank_holidays(year).items():
            if first <= day <= last:
                marks.setdefault(day, []).append(DayClosed(name, is_bank_holiday=True))
    one_venue = {"venue": venue_id} if venue_id else {}
    closures = _DAYS_CLOSED[bool(one_venue)].rows(first=first, last=last, **one_venue)
    for day, reason, venue in closures:
        marks.setdefault(day, []).append(DayClosed(reason, venue=venue))
    return marks


def closed_reason(
    day: date, venue: Venue | None, closures: dict[date, str] | None = None
) -> str | None:
    """Why no session can run on ``day`` at ``venue`` (a bank holiday or a closure), or
    None. The one home of that rule, for planning and for moving a session. One query,
    or none when the closures around ``day`` were read already."""
    if closures is None:
        closures = _closures(venue, day, day)
    return bank_holiday(day) or closures.get(day)


def plan_sessions(
    *,
    programme: Programme,
    first_day: date,
    start_time: time,
    venue: Venue | None,
    sessions: int | None = None,
) -> list[PlannedSession]:
    """Weekly dates from ``first_day``; a bank holiday or closure moves a session a week on.

    Times are wall-clock times in Europe/London, so a course keeps its 10:00 start across
    the change to and from British Summer Time. One query (the closures).
    """
    count = sessions or programme.sessions_per_course
    zone = ZoneInfo(settings.TIME_ZONE)
    # Every session may be pushed back up to MAX_MOVES weeks, and the pushes add up: the
    # last session can land this far out, so closures are read that far.
    horizon = first_day + timedelta(weeks=count * (MAX_MOVES + 1))
    closures = _closures(venue, first_day, horizon)

    planned: list[PlannedSession] = []
    day = first_day
    for number in range(1, count + 1):
        skipped: list[tuple[date, str]] = []
        while (reason := closed_reason(day, venue, closures)) is not None:
            skipped.append((day, reason))
            day += timedelta(weeks=1)
            if len(skipped) > MAX_MOVES:
                raise SchedulingError(
                    f"Session {number} could not be placed: {MAX_MOVES} weeks in a row "
                    "are bank holidays or closures. Choose another day of the week."
                )
        start = datetime.combine(day, start_time, tzinfo=zone)
        planned.append(
            PlannedSession(
                number=number,
                start=start,
                end=start + programme.session_length,
                moved_from=skipped,
            )
        )
        day += timedelta(weeks=1)
    return planned


def sessions_on_closures(closures: Sequence[ClosureDate]) -> dict[int, list[Session]]:
    """For each closure (by pk), the sessions still to come that it shuts and that are not
    cancelled (``SessionQuerySet.on_closed_days``), in time order, with course and venue:
    what a coordinator has to move or cancel. One query, however many closures."""
    found: dict[int, list[Session]] = {closure.pk: [] for closure in closures}
    if not found:
        return found
    chosen = ClosureDate.objects.filter(pk__in=found)
    sessions = (
        Session.objects.upcoming()
        .on_closed_days(chosen)
        .with_closure_ids(chosen)
        .select_related("course", "venue")
        .order_by("start", "pk")
    )
    for session in sessions:
        for closure_id in session.closure_ids:
            found[closure_id].append(session)
    return found
