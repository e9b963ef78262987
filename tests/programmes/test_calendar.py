"""The calendar shows what matters: bank holidays, closures (everywhere and at one venue),
each session's cover in words, and a key to the marks; on a phone the month is a list."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from facilitators.models import FacilitatorKind
from tests.factories import (
    ClosureDateFactory,
    CourseFactory,
    FacilitatorProfileFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def calendar(client, view: str, day: date, **more) -> str:
    query = {"view": view, "date": day.isoformat(), **more}
    response = client.get(reverse("programmes:calendar"), query)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def agenda(page: str) -> str:
    """The phone's month: the list of days below the grid."""
    return page.split('class="list-unstyled hope-agenda"')[1].split("</ol>")[0]


def test_bank_holidays_are_named_on_their_days_in_week_and_month(client, coordinator):
    client.force_login(coordinator)
    week = calendar(client, "week", date(2026, 12, 24))
    assert "Bank holiday:</span> Christmas Day" in week
    assert "Bank holiday:</span> Boxing Day" in week
    month = calendar(client, "month", date(2026, 12, 1))
    assert "Bank holiday:</span> Christmas Day" in agenda(month)
    assert "Bank holiday:</span> Boxing Day (observed)" in agenda(month)


def test_closures_say_whether_every_venue_or_one_is_shut(client, coordinator):
    oakfield, riverside = VenueFactory(name="Oakfield"), VenueFactory(name="Riverside")
    ClosureDateFactory(date=date(2026, 12, 2), reason="Team away day")
    ClosureDateFactory(date=date(2026, 12, 3), reason="Boiler repairs", venue=oakfield)
    client.force_login(coordinator)
    week = calendar(client, "week", date(2026, 12, 2))
    assert "Closed, every venue:</span> Team away day" in week
    assert "Closed at Oakfield:</span> Boiler repairs" in week
    # Looking at one venue: the team-wide closure still shuts it; another venue's does not.
    at_riverside = calendar(client, "week", date(2026, 12, 2), venue=riverside.pk)
    assert "Team away day" in at_riverside
    assert "Boiler repairs" not in at_riverside
    at_oakfield = calendar(client, "month", date(2026, 12, 2), venue=oakfield.pk)
    assert "Closed at Oakfield:</span> Boiler repairs" in agenda(at_oakfield)


def test_each_session_says_which_facilitator_is_still_needed(client, coordinator):
    course = CourseFactory(
        title="Living well",
        programme=ProgrammeFactory(sessions_per_course=4),
        first_start=datetime(2026, 12, 1, 10, 0, tzinfo=LONDON),
    )
    paired, lived_missing, workforce_missing, empty = course.sessions.order_by("number")
    workforce = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
    lived = FacilitatorProfileFactory(kind=FacilitatorKind.LIVED_EXPERIENCE)
    SessionClaimFactory(session=paired, facilitator=workforce)
    SessionClaimFactory(session=paired, facilitator=lived)
    SessionClaimFactory(session=lived_missing, facilitator=workforce)
    SessionClaimFactory(session=workforce_missing, facilitator=lived)
    client.force_login(coordinator)
    month = agenda(calendar(client, "month", date(2026, 12, 1)))
    days = re.findall(r"<h3[^>]*>(.*?)</h3>.*?hope-cal-cover\">(.*?)</span>", month)
    assert days == [
        ("Tuesday 1 December", "Full pair"),
        ("Tuesday 8 December", "Lived experience facilitator needed"),
        ("Tuesday 15 December", "Workforce facilitator needed"),
        ("Tuesday 22 December", "No facilitators yet"),
    ]
    # The same words in the week view, with the mark's class for the visual cue.
    week = calendar(client, "week", date(2026, 12, 8))
    assert "hope-cal-workforce_only" in week
    assert "Lived experience facilitator needed" in week


def test_a_cancelled_session_shows_no_cover_to_find(client, coordinator):
    course = CourseFactory(first_start=datetime(2026, 12, 1, 10, 0, tzinfo=LONDON))
    course.sessions.filter(number=1).update(is_cancelled=True)
    client.force_login(coordinator)
    week = calendar(client, "week", date(2026, 12, 1))
    assert "(cancelled)" in week
    assert "No facilitators yet" not in week.split('id="calendar-key"')[1].split("</section>")[1]


def test_the_key_explains_every_mark_in_words(client, coordinator):
    client.force_login(coordinator)
    for view in ("week", "month"):
        page = calendar(client, view, date(2026, 12, 1))
        key = page.split('id="calendar-key"')[1].split("</section>")[0]
        for words in (
            "Full pair",
            "one of the pair is booked; the words say which kind is missing",
            "No facilitators yet",
            "Bank holiday",
            "Closed",
            "a cancelled session",
        ):
            assert words in key, (view, words)


def test_the_phone_month_lists_only_days_with_something_on(client, coordinator):
    CourseFactory(
        programme=ProgrammeFactory(sessions_per_course=2, completion_min_sessions=1),
        first_start=datetime(2026, 12, 1, 10, 0, tzinfo=LONDON),
    )
    client.force_login(coordinator)
    days = re.findall(r"<h3[^>]*>(.*?)</h3>", agenda(calendar(client, "month", date(2026, 12, 1))))
    assert days == [
        "Tuesday 1 December",
        "Tuesday 8 December",
        "Friday 25 December",
        "Saturday 26 December",
        "Monday 28 December",
    ]


def test_calendar_queries_do_not_grow_with_sessions_holders_or_closures(
    client, coordinator, django_assert_max_num_queries
):
    start = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    client.force_login(coordinator)
    counts = {}
    for size, offset in ((2, 0), (12, 2)):
        for n in range(offset, offset + size):
            course = CourseFactory(first_start=start + timedelta(hours=n))
            SessionClaimFactory(session=course.sessions.first())
            ClosureDateFactory(date=date(2026, 12, 2) + timedelta(days=n % 20), venue=course.venue)
        for view in ("week", "month"):
            with django_assert_max_num_queries(14) as captured:
                calendar(client, view, date(2026, 12, 1))
            counts.setdefault(view, []).append(len(captured.captured_queries))
    assert counts["week"][0] == counts["week"][1]
    assert counts["month"][0] == counts["month"][1]


def test_names_and_reasons_are_shown_as_typed_never_as_markup(client, coordinator):
    venue = VenueFactory(name="St Ann's <Hall>")
    CourseFactory(
        title="Pain & <b>fatigue</b>",
        venue=venue,
        first_start=datetime(2026, 12, 1, 10, tzinfo=LONDON),
    )
    ClosureDateFactory(date=date(2026, 12, 4), reason="Roof <leak> & damp", venue=venue)
    client.force_login(coordinator)
    for page in (
        calendar(client, "week", date(2026, 12, 1)),
        agenda(calendar(client, "month", date(2026, 12, 1))),
    ):
        assert (
            ">Pain &amp; &lt;b&gt;fatigue&lt;/b&gt;</a>, session 1 at St Ann&#x27;s &lt;Hall&gt;"
            in page
        )
        assert "Closed at St Ann&#x27;s &lt;Hall&gt;:</span> Roof &lt;leak&gt; &amp; damp" in page


def test_a_summer_week_runs_from_london_midnight_not_utc(client, coordinator):
    """A session at 00:30 on a Monday in British Summer Time is 23:30 UTC on the Sunday:
    it belongs to the week that starts that Monday, and to no other."""
    CourseFactory(title="Early risers", first_start=datetime(2027, 6, 14, 0, 30, tzinfo=LONDON))
    client.force_login(coordinator)
    assert "Early risers" in calendar(client, "week", date(2027, 6, 14))
    assert "Early risers" not in calendar(client, "week", date(2027, 6, 7))
