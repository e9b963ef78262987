from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from programmes.scheduling import SchedulingError, plan_sessions
from tests.factories import ClosureDateFactory, ProgrammeFactory, VenueFactory

pytestmark = pytest.mark.django_db


def local(session):
    return timezone.localtime(session.start)


def test_sessions_are_weekly_at_the_same_local_time():
    programme = ProgrammeFactory()
    planned = plan_sessions(
        programme=programme, first_day=date(2027, 2, 2), start_time=time(10), venue=None
    )
    assert [local(p).date() for p in planned] == [
        date(2027, 2, 2) + timedelta(weeks=w) for w in range(6)
    ]
    assert all(local(p).time() == time(10) for p in planned)
    assert all(p.end - p.start == timedelta(hours=2, minutes=30) for p in planned)
    assert not any(p.was_moved for p in planned)


def test_wall_clock_time_holds_across_the_change_to_summer_time():
    # British Summer Time starts on Sunday 28 March 2027.
    planned = plan_sessions(
        programme=ProgrammeFactory(), first_day=date(2027, 3, 16), start_time=time(10), venue=None
    )
    assert [local(p).hour for p in planned] == [10] * 6
    assert planned[0].start.utcoffset() == timedelta(0)
    assert planned[-1].start.utcoffset() == timedelta(hours=1)


def test_bank_holidays_move_a_session_to_the_next_week_even_twice_in_a_row():
    # Fridays from 18 December 2026: Christmas Day and New Year's Day are both Fridays.
    planned = plan_sessions(
        programme=ProgrammeFactory(), first_day=date(2026, 12, 18), start_time=time(13), venue=None
    )
    days = [local(p).date() for p in planned]
    assert days == [
        date(2026, 12, 18),
        date(2027, 1, 8),
        date(2027, 1, 15),
        date(2027, 1, 22),
        date(2027, 1, 29),
        date(2027, 2, 5),
    ]
    assert planned[1].moved_from == [
        (date(2026, 12, 25), "Christmas Day"),
        (date(2027, 1, 1), "New Year's Day"),
    ]


def test_first_session_on_a_bank_holiday_moves_too():
    planned = plan_sessions(
        programme=ProgrammeFactory(), first_day=date(2027, 5, 31), start_time=time(10), venue=None
    )
    assert local(planned[0]).date() == date(2027, 6, 7)
    assert planned[0].moved_from[0][1] == "Spring Bank Holiday"


def test_team_and_venue_closures_move_sessions_but_other_venues_closures_do_not():
    venue, other = VenueFactory(), VenueFactory()
    ClosureDateFactory(date=date(2027, 2, 9), reason="Team training day", venue=None)
    ClosureDateFactory(date=date(2027, 2, 23), reason="Hall booked for a wedding", venue=venue)
    ClosureDateFactory(date=date(2027, 3, 2), reason="Elsewhere", venue=other)
    planned = plan_sessions(
        programme=ProgrammeFactory(), first_day=date(2027, 2, 2), start_time=time(10), venue=venue
    )
    days = [local(p).date() for p in planned]
    assert date(2027, 2, 9) not in days and date(2027, 2, 23) not in days
    assert date(2027, 3, 2) in days
    reasons = [reason for p in planned for _, reason in p.moved_from]
    assert reasons == ["Team training day", "Hall booked for a wedding"]


def test_endless_closures_are_refused_with_advice():
    for week in range(20):
        ClosureDateFactory(date=date(2027, 2, 2) + timedelta(weeks=week), reason="Closed")
    with pytest.raises(SchedulingError, match="Choose another day of the week"):
        plan_sessions(
            programme=ProgrammeFactory(),
            first_day=date(2027, 2, 2),
            start_time=time(10),
            venue=None,
        )
