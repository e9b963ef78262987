from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent
from hope.roles import Role
from programmes.models import Course, CourseStatus, Session
from programmes.services import VenueClash, course_create
from tests.concurrency import run_together
from tests.factories import CourseFactory, ProgrammeFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def next_weekday(weekday: int, weeks_ahead: int = 4) -> date:
    day = timezone.localdate() + timedelta(weeks=weeks_ahead)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def course_data(programme, venue, **overrides):
    return {
        "title": "Carers – Tuesday mornings",
        "programme": programme.pk,
        "venue": venue.pk if venue else "",
        "first_day": next_weekday(1).isoformat(),
        "start_time": "10:00",
        "capacity": "",
        "status": "published",
        **overrides,
    }


def test_preview_shows_the_dates_and_saves_nothing(client, coordinator):
    programme, venue = ProgrammeFactory(), VenueFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:course_create"), {**course_data(programme, venue), "action": "preview"}
    )
    assert response.status_code == 200
    planned = response.context["planned"]
    assert len(planned) == 6
    assert "Planned dates" in response.content.decode()
    assert not Course.objects.exists()


def test_create_makes_the_course_and_its_weekly_sessions(client, coordinator):
    programme, venue = ProgrammeFactory(usual_group_size=10), VenueFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:course_create"), {**course_data(programme, venue), "action": "create"}
    )
    course = Course.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("programmes:course_detail", args=[course.pk])
    assert course.capacity == 10  # the programme's usual group size
    sessions = list(course.sessions.order_by("number"))
    assert [s.number for s in sessions] == [1, 2, 3, 4, 5, 6]
    assert all(s.venue == venue for s in sessions)
    assert all(timezone.localtime(s.start).time() == time(10) for s in sessions)
    assert AuditEvent.objects.filter(action="course.created", actor=coordinator).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"venue": ""}, "venue", "is delivered in person"),
        ({"capacity": "19"}, "capacity", "at most 18 participants"),
        ({"first_day": "2020-01-07"}, "first_day", "must be in the future"),
        (
            {"first_day": "not a date"},
            "first_day",
            "Enter the date of the first session as a real date",
        ),
        ({"title": ""}, "title", "Enter the title."),
    ],
)
def test_bad_course_input_is_refused_at_the_field(client, coordinator, overrides, field, message):
    programme, venue = ProgrammeFactory(), VenueFactory(room_capacity=20)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:course_create"),
        {**course_data(programme, venue), **overrides, "action": "create"},
    )
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not Course.objects.exists()


def test_double_booking_names_the_clashing_course_session_and_time(client, coordinator):
    venue = VenueFactory(name="Riverside Community Centre")
    first_day = next_weekday(1)
    CourseFactory(
        title="Cancer survivors – Tuesdays",
        venue=venue,
        first_start=datetime.combine(first_day + timedelta(weeks=2), time(11), tzinfo=LONDON),
    )
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:course_create"),
        {**course_data(ProgrammeFactory(), venue), "action": "create"},
    )
    assert response.status_code == 200
    error = response.context["form"].errors["venue"][0]
    assert "Riverside Community Centre is already booked for “Cancer survivors – Tuesdays”" in error
    assert "session 1" in error and "from 11:00 to 13:30" in error
    assert Course.objects.count() == 1


def test_online_course_needs_no_venue_and_never_clashes(client, coordinator):
    online = ProgrammeFactory(delivery="online")
    client.force_login(coordinator)
    for title in ["Online A", "Online B"]:
        response = client.post(
            reverse("programmes:course_create"),
            {**course_data(online, None, title=title), "action": "create"},
        )
        assert response.status_code == 302
    assert Session.objects.filter(venue__isnull=True).count() == 12


def test_database_refuses_overlapping_sessions_at_one_venue():
    course = CourseFactory()
    session = course.sessions.first()
    other = CourseFactory(venue=course.venue, first_start=session.start + timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Session.objects.create(
            course=other,
            number=99,
            start=session.start + timedelta(hours=1),
            end=session.end + timedelta(hours=1),
            venue=course.venue,
        )
    # Back to back is fine, and a cancelled session frees the room.
    Session.objects.create(
        course=other, number=98, start=session.end, end=session.end + timedelta(hours=1),
        venue=course.venue,
    )  # fmt: skip
    session.is_cancelled = True
    session.save()
    Session.objects.create(
        course=other, number=97, start=session.start, end=session.end, venue=course.venue
    )


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_booking_one_room_at_once_get_one_course():
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    programme, venue = ProgrammeFactory(), VenueFactory()
    first_day = next_weekday(2)
    results = run_together(
        [
            lambda n=n: course_create(
                title=f"Course {n}",
                programme=programme,
                venue=venue,
                first_day=first_day,
                start_time=time(10),
                capacity=12,
                status=CourseStatus.PUBLISHED,
                by=coordinator,
            )
            for n in range(10)
        ]
    )
    outcomes = ["clash" if isinstance(r, VenueClash) else "booked" for r in results]
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, VenueClash)]
    assert sorted(outcomes) == ["booked"] + ["clash"] * 9
    assert Course.objects.count() == 1
    assert Session.objects.count() == 6


def test_coordinator_moves_a_session_and_a_clash_is_refused(client, coordinator):
    course = CourseFactory()
    blocker = CourseFactory(
        venue=course.venue, first_start=course.sessions.last().end + timedelta(days=1)
    )
    session = course.sessions.get(number=2)
    client.force_login(coordinator)
    target = timezone.localtime(blocker.sessions.first().start)
    response = client.post(
        reverse("programmes:session_edit", args=[session.pk]),
        {
            "day": target.date().isoformat(),
            "start_time": target.strftime("%H:%M"),
            "venue": course.venue_id,
        },
    )
    assert response.status_code == 200
    assert "is already booked for" in response.context["form"].errors["venue"][0]
    other_venue = VenueFactory()
    response = client.post(
        reverse("programmes:session_edit", args=[session.pk]),
        {
            "day": target.date().isoformat(),
            "start_time": target.strftime("%H:%M"),
            "venue": other_venue.pk,
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.venue == other_venue
    assert timezone.localtime(session.start) == target
    assert session.end - session.start == course.programme.session_length


def test_cancelling_a_course_cancels_only_future_sessions(client, coordinator):
    start = timezone.now() - timedelta(weeks=2) + timedelta(hours=3)
    course = CourseFactory(first_start=start)
    client.force_login(coordinator)
    response = client.post(reverse("programmes:course_cancel", args=[course.pk]))
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED
    states = dict(course.sessions.values_list("number", "is_cancelled"))
    assert states == {1: False, 2: False, 3: True, 4: True, 5: True, 6: True}


def test_past_sessions_cannot_be_moved_or_cancelled(client, coordinator):
    course = CourseFactory(first_start=timezone.now() - timedelta(days=1))
    past = course.sessions.get(number=1)
    client.force_login(coordinator)
    client.post(reverse("programmes:session_cancel", args=[past.pk]))
    past.refresh_from_db()
    assert not past.is_cancelled
    response = client.get(reverse("programmes:session_edit", args=[past.pk]))
    assert response.status_code == 302


def test_changing_the_course_venue_moves_only_future_sessions(client, coordinator):
    course = CourseFactory(first_start=timezone.now() - timedelta(days=1))
    new_venue = VenueFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:course_edit", args=[course.pk]),
        {"title": course.title, "venue": new_venue.pk, "capacity": 12, "status": "published"},
    )
    assert response.status_code == 302
    venues = dict(course.sessions.values_list("number", "venue"))
    assert venues[1] != new_venue.pk
    assert all(venues[n] == new_venue.pk for n in range(2, 7))


def test_status_is_derived_from_the_dates():
    start = datetime(2027, 3, 2, 10, tzinfo=LONDON)
    course = CourseFactory(first_start=start)
    draft = CourseFactory(first_start=start, status=CourseStatus.DRAFT)

    def status(c, when):
        with time_machine.travel(when, tick=False):
            return Course.objects.with_dates().get(pk=c.pk).display_status()

    assert status(course, start - timedelta(days=1)) == "published"
    assert status(course, start + timedelta(hours=1)) == "running"
    assert status(course, start + timedelta(weeks=6)) == "completed"
    assert status(draft, start + timedelta(hours=1)) == "draft"


def test_course_list_tabs_and_filters(client, volunteer):
    now = timezone.now()
    upcoming = CourseFactory(title="Upcoming one")
    running = CourseFactory(title="Running one", first_start=now - timedelta(weeks=1))
    past = CourseFactory(title="Past one", first_start=now - timedelta(weeks=20))
    draft = CourseFactory(title="Draft one", status=CourseStatus.DRAFT)
    client.force_login(volunteer)

    def titles(**params):
        response = client.get(reverse("programmes:course_list"), params)
        return {c.title for c in response.context["page"]}

    assert titles() == {"Upcoming one"}
    assert titles(when="running") == {"Running one"}
    assert titles(when="past") == {"Past one"}
    assert titles(when="upcoming", venue=past.venue_id) == set()
    assert titles(when="upcoming", programme=upcoming.programme_id) == {"Upcoming one"}
    # Drafts are the coordinators' work in progress.
    assert draft.title not in titles()
    assert client.get(reverse("programmes:course_detail", args=[draft.pk])).status_code == 404
    assert running


def test_course_list_rows_name_programme_venue_dates_and_cover(client, coordinator):
    from hope.roles import FacilitatorKind
    from tests.factories import FacilitatorProfileFactory, SessionClaimFactory

    first = timezone.localtime(timezone.now() + timedelta(days=10)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    at_venue = CourseFactory(
        title="Pain & fatigue",
        programme=ProgrammeFactory(name="HOPE <Carers>"),
        venue=VenueFactory(name="St Ann's Hall"),
        first_start=first,
    )
    online = CourseFactory(title="Online group", venue=None, first_start=first)
    session = at_venue.sessions.order_by("number").first()
    for kind in FacilitatorKind:
        SessionClaimFactory(session=session, facilitator=FacilitatorProfileFactory(kind=kind))
    client.force_login(coordinator)
    html = client.get(reverse("programmes:course_list")).content.decode()
    row = html[html.index("Pain &amp; fatigue") :].split("</tr>")[0]
    assert "HOPE &lt;Carers&gt;" in row and "St Ann&#x27;s Hall" in row
    assert f"{first:%a %-d %b %Y} – " in row
    assert "1 of 6 paired" in row and "hope-status-published" in row
    online_row = html[html.index("Online group") :].split("</tr>")[0]
    assert '<td data-label="Venue">Online</td>' in online_row
    assert "0 of 6 paired" in online_row
    assert online


def test_course_list_row_of_a_course_with_every_session_cancelled(client, coordinator):
    course = CourseFactory(title="Called off", first_start=timezone.now() + timedelta(days=3))
    course.sessions.update(is_cancelled=True)
    client.force_login(coordinator)
    html = client.get(reverse("programmes:course_list"), {"when": "past"}).content.decode()
    row = html[html.index("Called off") :].split("</tr>")[0]
    assert '<td data-label="Dates">No sessions</td>' in row
    assert '<td data-label="Facilitator cover">–</td>' in row
    assert '<span class="badge hope-status hope-status-cancelled">Cancelled</span>' in row


def test_course_list_page_past_the_end_shows_the_last_page(client, coordinator):
    for n in range(27):
        CourseFactory(title=f"Course {n:02d}", first_start=timezone.now() + timedelta(days=n + 1))
    client.force_login(coordinator)
    response = client.get(reverse("programmes:course_list"), {"page": "9"})
    assert response.context["page"].number == 2
    assert [row.title for row in response.context["page"]] == ["Course 25", "Course 26"]


def test_hire_costs_only_for_coordinators_and_finance(client, personas):
    venue = VenueFactory(hire_cost="37.50")
    for persona, shown in [
        ("coordinator", True),
        ("finance", True),
        ("volunteer", False),
        ("workforce", False),
        ("lived", False),
    ]:
        client.force_login(personas[persona])
        for url in [reverse("venues:venue_list"), reverse("venues:venue_detail", args=[venue.pk])]:
            assert ("£37.50" in client.get(url).content.decode()) is shown, (persona, url)


def test_person_without_a_role_cannot_read_courses(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("programmes:course_list")).status_code == 403
    assert client.get(reverse("programmes:calendar")).status_code == 403


def test_preview_already_warns_of_a_double_booking(client, coordinator):
    venue = VenueFactory(name="Oakfield Library")
    first_day = next_weekday(3)
    CourseFactory(
        title="Thursday group",
        venue=venue,
        first_start=datetime.combine(first_day, time(9), tzinfo=LONDON),
    )
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:course_create"),
        {
            **course_data(ProgrammeFactory(), venue),
            "first_day": first_day.isoformat(),
            "action": "preview",
        },
    )
    assert "already booked for “Thursday group”" in response.context["form"].errors["venue"][0]
    assert response.context["planned"] is None


def test_course_page_counts_its_paired_sessions_leaving_out_cancelled_ones(client, coordinator):
    from hope.roles import FacilitatorKind
    from tests.factories import FacilitatorProfileFactory, SessionClaimFactory

    course = CourseFactory(first_start=timezone.now() + timedelta(days=10))
    first, second, third, fourth = course.sessions.order_by("number")[:4]
    for session in (first, second, fourth):
        for kind in FacilitatorKind:
            SessionClaimFactory(session=session, facilitator=FacilitatorProfileFactory(kind=kind))
    SessionClaimFactory(session=third, facilitator=FacilitatorProfileFactory())
    Session.objects.filter(pk=fourth.pk).update(is_cancelled=True)  # paired, then cancelled
    client.force_login(coordinator)
    page = client.get(reverse("programmes:course_detail", args=[course.pk])).content.decode()
    assert "2 of 5 sessions have their pair" in page


def test_course_page_rows_say_each_sessions_state_holders_and_actions(
    client, coordinator, workforce_facilitator
):
    from hope.audit import audit_record
    from hope.roles import FacilitatorKind
    from tests.factories import ClosureDateFactory, FacilitatorProfileFactory, SessionClaimFactory

    now = timezone.now()
    course = CourseFactory(first_start=now - timedelta(days=6), venue=VenueFactory(name="A&B"))
    held, planned, closed, cancelled = course.sessions.order_by("number")[:4]
    SessionClaimFactory(
        session=planned,
        facilitator=FacilitatorProfileFactory(
            kind=FacilitatorKind.WORKFORCE, user__full_name="Ann <Lee>"
        ),
    )
    ClosureDateFactory(date=timezone.localtime(closed.start).date(), venue=None)
    Session.objects.filter(pk=cancelled.pk).update(is_cancelled=True)
    audit_record(actor=coordinator, action="course.changed", target=course, summary="Moved <3>")
    client.force_login(coordinator)
    html = client.get(reverse("programmes:course_detail", args=[course.pk])).content.decode()

    def row(session) -> str:
        return html[html.index(f'<tr id="session-{session.pk}"') :].split("</tr>")[0]

    assert '<td data-label="State">Held</td>' in row(held)
    assert "Move<span" not in row(held) and f"/sessions/{held.pk}/register/" in row(held)
    assert '<td data-label="Venue">A&amp;B</td>' in row(planned)
    assert "Workforce: Ann &lt;Lee&gt;<br>Lived experience: nobody yet" in row(planned)
    assert '<td data-label="State">Planned</td>' in row(planned)
    assert f'href="/sessions/{planned.pk}/edit/">Move' in row(planned)
    assert "<strong>On a closed day</strong>: move or cancel it" in row(closed)
    assert 'class="hope-cancelled-row"' in row(cancelled)
    assert '<td data-label="Facilitators"></td>' in row(cancelled)
    assert "register/" not in row(cancelled)
    assert f"Moved &lt;3&gt; ({coordinator.full_name})</li>" in html

    # A facilitator sees the same rows without the coordinators' buttons or history.
    client.force_login(workforce_facilitator)
    html = client.get(reverse("programmes:course_detail", args=[course.pk])).content.decode()
    assert "<strong>On a closed day</strong></td>" in row(closed)
    assert "register/" not in row(held) and "Moved &lt;3&gt;" not in html
