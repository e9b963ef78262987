"""The scheduling rules of issue 10: closures far ahead, moves onto closed days, closures
added after planning, in-person courses without a venue, a course back to Draft, a new
venue for a course. Each failed before its fix (b624c5e), unless it says it guards what
already worked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from facilitators.models import CoverRequest, SessionClaim
from facilitators.reminders import plan_reminders
from hope.models import AuditEvent, Message, MessageStatus
from programmes.models import Course, CourseStatus, Session
from programmes.scheduling import plan_sessions
from programmes.services import CourseError, course_create, course_update, session_change
from tests.factories import (
    ClosureDateFactory,
    CourseFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    TrainingFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


class _FieldError(HTMLParser):
    """The text of the error block a field's ``aria-describedby`` points at."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "source", "wbr"}

    def __init__(self, field: str):
        super().__init__()
        self.input_id, self.error_id = f"id_{field}", f"id_{field}_error"
        self.described_by: list[str] = []
        self.depth = 0  # > 0 while inside the error block
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == self.input_id:
            self.described_by = (attrs.get("aria-describedby") or "").split()
        if self.depth:
            self.depth += tag not in self.VOID
        elif attrs.get("id") == self.error_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def error_next_to(response, field: str) -> str:
    """What the page says under ``field``, if the field points at it ("" if nothing)."""
    parser = _FieldError(field)
    parser.feed(response.content.decode())
    if parser.error_id not in parser.described_by:
        return ""
    # Less the "Error:" only screen readers hear (GOV.UK's hidden prefix).
    return " ".join("".join(parser.text).split()).removeprefix("Error: ")


def local_day(session) -> date:
    return timezone.localtime(session.start).date()


def new_course(*, programme, venue, by, first_day: date | None = None) -> Course:
    """A published course through the service, Tuesdays (or ``first_day``'s weekday) at 10."""
    return course_create(
        title="Carers – Tuesdays",
        programme=programme,
        venue=venue,
        first_day=first_day or timezone.localdate() + timedelta(weeks=4),
        start_time=time(10),
        capacity=12,
        status=CourseStatus.PUBLISHED,
        by=by,
    )


# --- 1. Closures far ahead -------------------------------------------------------------

FIRST_TUESDAY = date(2031, 1, 7)  # no Tuesday bank holiday until Christmas 2031


def tuesday(week: int) -> date:
    return FIRST_TUESDAY + timedelta(weeks=week)


@pytest.fixture
def closures_for_months():
    """Twelve team-wide closures push session 1 back twelve weeks; twelve of the venue's
    own push session 2 twelve more; one more team-wide closure pushes session 3. The last
    closures are more than ``6 + 12`` weeks after the first day."""
    venue = VenueFactory(name="Riverside Community Centre")
    closed = set()
    for week in range(12):
        ClosureDateFactory(date=tuesday(week), reason="Building works", venue=None)
        closed.add(tuesday(week))
    for week in range(13, 25):
        ClosureDateFactory(date=tuesday(week), reason="Hall let for exams", venue=venue)
        closed.add(tuesday(week))
    ClosureDateFactory(date=tuesday(26), reason="Team away day", venue=None)
    closed.add(tuesday(26))
    # Another venue's closure changes nothing here.
    ClosureDateFactory(date=tuesday(28), reason="Elsewhere", venue=VenueFactory())
    return venue, closed


def test_planning_skips_closures_however_far_the_sessions_are_pushed(closures_for_months):
    venue, closed = closures_for_months
    planned = plan_sessions(
        programme=ProgrammeFactory(), first_day=FIRST_TUESDAY, start_time=time(10), venue=venue
    )
    days = [local_day(p) for p in planned]
    assert not closed & set(days)
    assert days == [tuesday(w) for w in (12, 25, 27, 28, 29, 30)]
    assert planned[1].moved_from[-1] == (tuesday(24), "Hall let for exams")
    assert planned[2].moved_from == [(tuesday(26), "Team away day")]


def test_a_course_created_far_ahead_has_no_session_on_a_closure(closures_for_months, coordinator):
    venue, closed = closures_for_months
    course = new_course(
        programme=ProgrammeFactory(), venue=venue, first_day=FIRST_TUESDAY, by=coordinator
    )
    days = [local_day(s) for s in course.sessions.order_by("number")]
    assert not closed & set(days)
    assert days[-1] == date(2031, 8, 5)


# --- 2. Moving a session onto a closed day ----------------------------------------------


@pytest.fixture
def december_course():
    """Tuesdays at 10:00 from 3 December 2030, at Riverside."""
    venue = VenueFactory(name="Riverside Community Centre")
    return CourseFactory(
        title="Carers – Tuesdays",
        venue=venue,
        first_start=datetime(2030, 12, 3, 10, tzinfo=LONDON),
    )


def unchanged(session: Session) -> bool:
    before = (session.start, session.venue_id, session.revision, session.updated_at)
    session.refresh_from_db()
    return (session.start, session.venue_id, session.revision, session.updated_at) == before


@pytest.mark.parametrize(
    ("closure", "day", "message"),
    [
        (None, date(2030, 12, 25), "Wednesday 25 December 2030 is closed (Christmas Day)."),
        ("team", date(2030, 12, 12), "Thursday 12 December 2030 is closed (Team training day)."),
        ("venue", date(2030, 12, 12), "Thursday 12 December 2030 is closed (Boiler repairs)."),
    ],
)
def test_moving_a_session_onto_a_bank_holiday_or_closure_is_refused_at_the_date(
    december_course, coordinator, closure, day, message
):
    session = december_course.sessions.get(number=2)
    if closure == "team":
        ClosureDateFactory(date=day, reason="Team training day", venue=None)
    elif closure == "venue":
        ClosureDateFactory(date=day, reason="Boiler repairs", venue=december_course.venue)
    with pytest.raises(CourseError) as refused:
        session_change(
            session=session,
            start=datetime.combine(day, time(10), tzinfo=LONDON),
            venue=december_course.venue,
            by=coordinator,
        )
    assert refused.value.field == "day"
    assert str(refused.value) == f"{message} Choose another date."
    assert unchanged(session)
    assert not AuditEvent.objects.filter(action="session.changed").exists()


def test_another_venues_closure_does_not_stop_a_move(december_course, coordinator):
    # Guards what already worked: the new rule refuses only what it should.
    session = december_course.sessions.get(number=2)
    ClosureDateFactory(date=date(2030, 12, 12), reason="Elsewhere", venue=VenueFactory())
    # The course's own venue is closed on the 19th, but the session moves elsewhere.
    ClosureDateFactory(date=date(2030, 12, 19), reason="Boiler", venue=december_course.venue)
    elsewhere = VenueFactory()
    session_change(
        session=session,
        start=datetime(2030, 12, 12, 10, tzinfo=LONDON),
        venue=december_course.venue,
        by=coordinator,
    )
    session_change(
        session=session,
        start=datetime(2030, 12, 19, 10, tzinfo=LONDON),
        venue=elsewhere,
        by=coordinator,
    )
    session.refresh_from_db()
    assert (local_day(session), session.venue) == (date(2030, 12, 19), elsewhere)


def test_the_move_page_says_why_next_to_the_date_and_saves_nothing(
    client, december_course, coordinator
):
    session = december_course.sessions.get(number=2)
    ClosureDateFactory(date=date(2030, 12, 12), reason="Team training day", venue=None)
    client.force_login(coordinator)
    for day, reason in [("2030-12-25", "Christmas Day"), ("2030-12-12", "Team training day")]:
        response = client.post(
            reverse("programmes:session_edit", args=[session.pk]),
            {"day": day, "start_time": "10:00", "venue": december_course.venue_id},
        )
        assert response.status_code == 200
        assert f"is closed ({reason}). Choose another date." in error_next_to(response, "day")
        assert error_next_to(response, "venue") == ""
        assert unchanged(session)
    assert not AuditEvent.objects.filter(action="session.changed").exists()


# --- 3. A closure added after planning: the sessions it leaves on a closed day -----------

CLOSED_DAY = date(2030, 12, 10)  # a Tuesday


@pytest.fixture
def closed_day_rota():
    """On CLOSED_DAY: Riverside's Tuesday group (session 2), a Community Hall group
    (session 1), an online group and a draft at Riverside in the evening; a session at
    Riverside the day after; and a cancelled one at Riverside that day."""
    riverside = VenueFactory(name="Riverside Community Centre")
    hall = VenueFactory(name="Community Hall")

    def course(title, venue, first, **kwargs):
        return CourseFactory(title=title, venue=venue, first_start=first, **kwargs)

    def at(hour, days=0):
        return datetime.combine(CLOSED_DAY + timedelta(days=days), time(hour), tzinfo=LONDON)

    rota = {
        "riverside": course("Carers – Tuesdays", riverside, at(10, -7)),
        "hall": course("Pain – Tuesdays", hall, at(13)),
        "online": course(
            "Online – Tuesdays", None, at(19), programme=ProgrammeFactory(delivery="online")
        ),
        "draft": course("Draft – evenings", riverside, at(18), status=CourseStatus.DRAFT),
        "next_day": course("Carers – Wednesdays", riverside, at(10, 1)),
        "cancelled": course("Called off", riverside, at(14)),
    }
    Session.objects.filter(course=rota["cancelled"]).update(is_cancelled=True)
    return riverside, hall, rota


def session_link(course: Course, number: int) -> str:
    session = course.sessions.get(number=number)
    url = reverse("programmes:course_detail", args=[course.pk]) + f"#session-{session.pk}"
    return f'<a href="{url}">{course.title}, session {number}</a>'


def add_closure(client, **data):
    """The coordinator adds a closure; returns the closures page shown next, its message."""
    response = client.post(reverse("programmes:closure_list"), data, follow=True)
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert message in response.content.decode()  # shown as written, links and all
    return response, message


def test_adding_a_team_wide_closure_lists_every_session_still_planned_that_day(
    client, coordinator, closed_day_rota
):
    riverside, hall, rota = closed_day_rota
    client.force_login(coordinator)
    response, message = add_closure(
        client, date=CLOSED_DAY.isoformat(), reason="Team training day", venue=""
    )
    assert message.startswith(
        "Closure on Tuesday 10 December 2030 added. Courses planned from now on skip it, "
        "but 4 sessions are still planned that day. Move or cancel them:"
    )
    listed = [
        session_link(rota["riverside"], 2),
        session_link(rota["hall"], 1),
        session_link(rota["draft"], 1),
        session_link(rota["online"], 1),
    ]
    positions = [message.index(link) for link in listed]
    assert positions == sorted(positions)  # in time order
    assert "at Riverside Community Centre" in message and "(online)" in message
    for absent in ("Carers – Wednesdays", "Called off"):
        assert absent not in message
    # The closures page lists them under the closure too.
    page = response.content.decode()
    for link in listed:
        assert page.count(link) == 2  # in the message and in the closure's row


def test_a_venue_closure_lists_only_that_venues_sessions_that_day(
    client, coordinator, closed_day_rota
):
    riverside, hall, rota = closed_day_rota
    client.force_login(coordinator)
    _, message = add_closure(
        client, date=CLOSED_DAY.isoformat(), reason="Boiler repairs", venue=riverside.pk
    )
    assert "2 sessions are still planned that day" in message
    assert session_link(rota["riverside"], 2) in message
    assert session_link(rota["draft"], 1) in message
    assert "Pain – Tuesdays" not in message and "Online" not in message


def test_a_closure_on_a_quiet_day_says_nothing_is_planned(client, coordinator, closed_day_rota):
    client.force_login(coordinator)
    _, message = add_closure(
        client, date=(CLOSED_DAY + timedelta(days=2)).isoformat(), reason="Office move", venue=""
    )
    assert message == (
        "Closure on Thursday 12 December 2030 added. Courses planned from now on skip it; "
        "no sessions are planned that day."
    )


def test_the_closures_page_keeps_listing_a_days_sessions_until_they_are_moved_or_cancelled(
    client, coordinator, closed_day_rota
):
    riverside, hall, rota = closed_day_rota
    ClosureDateFactory(date=CLOSED_DAY, reason="Boiler repairs", venue=riverside)
    ClosureDateFactory(date=CLOSED_DAY - timedelta(days=1), reason="Quiet Monday", venue=None)
    client.force_login(coordinator)

    def still_planned() -> dict[str, list[str]]:
        closures = client.get(reverse("programmes:closure_list")).context["closures"]
        return {c.reason: [str(s.course) for s in c.planned_sessions] for c in closures}

    assert still_planned() == {
        "Quiet Monday": [],
        "Boiler repairs": ["Carers – Tuesdays", "Draft – evenings"],
    }
    # The course page marks the session, so the coordinator sees which one to move.
    course_page = client.get(reverse("programmes:course_detail", args=[rota["riverside"].pk]))
    assert course_page.content.decode().count("On a closed day") == 1
    session = rota["riverside"].sessions.get(number=2)
    session_change(
        session=session, start=session.start + timedelta(days=1, hours=4), venue=riverside,
        by=coordinator,
    )  # fmt: skip
    client.post(
        reverse("programmes:session_cancel", args=[rota["draft"].sessions.get(number=1).pk])
    )
    assert still_planned() == {"Quiet Monday": [], "Boiler repairs": []}


def test_the_board_does_not_offer_a_session_on_a_closed_day(client, workforce_facilitator):
    profile = workforce_facilitator.facilitator_profile
    course = CourseFactory(
        title="Carers – Tuesdays", first_start=datetime(2030, 12, 3, 10, tzinfo=LONDON)
    )
    TrainingFactory(profile=profile, programme=course.programme)
    closed = course.sessions.get(number=2)
    # A colleague holds a session elsewhere that day and asks for cover.
    other = CourseFactory(programme=course.programme, first_start=closed.start)
    colleague = SessionClaimFactory(
        session=other.sessions.get(number=1), facilitator__kind=profile.kind
    )
    cover = CoverRequest.objects.create(claim=colleague, reason="")
    client.force_login(workforce_facilitator)
    assert "Cover this session" in client.get(reverse("facilitators:board")).content.decode()

    ClosureDateFactory(date=local_day(closed), reason="Team training day", venue=None)
    board = client.get(reverse("facilitators:board")).content.decode()
    assert "Cover this session" not in board
    offered = [
        number
        for number, session_pk in course.sessions.values_list("number", "pk")
        if reverse("facilitators:claim_session", args=[session_pk]) in board
    ]
    assert offered == [1, 3, 4, 5, 6]
    # "Claim all 5" leaves it out.
    assert "Claim all 5" in board
    assert f'name="session" value="{closed.pk}"' not in board
    # A board opened before the closure cannot claim it either.
    for url, data in [
        (reverse("facilitators:claim_session", args=[closed.pk]), {}),
        (reverse("facilitators:claim_course", args=[course.pk]), {"session": [closed.pk]}),
        (reverse("facilitators:accept_cover", args=[cover.pk]), {}),
    ]:
        response = client.post(url, data, follow=True)
        [message] = [str(m) for m in response.context["messages"]]
        assert "falls on a day the team is now closed" in message
    assert list(SessionClaim.objects.held()) == [colleague]


# --- 4. An in-person course needs a venue ------------------------------------------------


def test_services_refuse_an_in_person_course_without_a_venue(coordinator):
    programme = ProgrammeFactory(name="HOPE for carers", delivery="in_person")
    with pytest.raises(CourseError) as refused:
        new_course(programme=programme, venue=None, by=coordinator)
    assert refused.value.field == "venue"
    assert str(refused.value) == "Choose a venue: HOPE for carers is delivered in person."
    assert not Course.objects.exists()

    course = CourseFactory(programme=programme)
    venue = course.venue
    with pytest.raises(CourseError) as refused:
        course_update(
            course=course,
            title=course.title,
            capacity=12,
            status=CourseStatus.PUBLISHED,
            venue=None,
            by=coordinator,
        )
    assert refused.value.field == "venue"
    course.refresh_from_db()
    assert course.venue == venue
    assert set(course.sessions.values_list("venue", flat=True)) == {venue.pk}

    session = course.sessions.get(number=2)
    with pytest.raises(CourseError) as refused:
        session_change(session=session, start=session.start, venue=None, by=coordinator)
    assert refused.value.field == "venue"
    assert unchanged(session)
    assert not AuditEvent.objects.filter(action__in=["course.changed", "session.changed"])


def test_online_courses_and_sessions_need_no_venue(coordinator):
    # Guards what already worked: the rule moved into the service is for in person only.
    online = ProgrammeFactory(delivery="online")
    course = new_course(programme=online, venue=None, by=coordinator)
    session = course.sessions.get(number=1)
    session_change(
        session=session, start=session.start + timedelta(hours=2), venue=None, by=coordinator
    )
    session.refresh_from_db()
    assert session.venue is None
    assert timezone.localtime(session.start).time() == time(12)


@pytest.mark.parametrize("page", ["course_create", "course_edit", "session_edit"])
def test_pages_say_an_in_person_course_needs_a_venue_next_to_the_venue(client, coordinator, page):
    # Guards what already worked: the forms said so before the rule moved to the service.
    programme = ProgrammeFactory(name="HOPE for carers")
    course = CourseFactory(programme=programme)
    session = course.sessions.get(number=2)
    start = timezone.localtime(session.start)
    url, data = {
        "course_create": (
            reverse("programmes:course_create"),
            {
                "title": "No room",
                "programme": programme.pk,
                "venue": "",
                "first_day": (start + timedelta(weeks=10)).date().isoformat(),
                "start_time": "10:00",
                "capacity": "",
                "status": "published",
                "action": "create",
            },
        ),
        "course_edit": (
            reverse("programmes:course_edit", args=[course.pk]),
            {"title": course.title, "venue": "", "capacity": "12", "status": "published"},
        ),
        "session_edit": (
            reverse("programmes:session_edit", args=[session.pk]),
            {"day": start.date().isoformat(), "start_time": f"{start:%H:%M}", "venue": ""},
        ),
    }[page]
    client.force_login(coordinator)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "is delivered in person" in error_next_to(response, "venue")
    assert Course.objects.count() == 1
    assert set(Session.objects.values_list("venue", flat=True)) == {course.venue_id}


# --- 5. A course back to Draft frees its facilitators ------------------------------------

START = datetime(2027, 3, 9, 10, tzinfo=LONDON)  # a Tuesday; the course runs six weeks


@pytest.fixture
def held_course(workforce_facilitator, lived_facilitator):
    """A published course at Riverside. Workforce holds sessions 1 and 2, lived
    experience sessions 1, 2 and 3."""
    venue = VenueFactory(name="Riverside Community Centre", postcode="NG4 2RL")
    course = CourseFactory(title="Carers – Tuesdays", venue=venue, first_start=START)
    sessions = {s.number: s for s in course.sessions.all()}
    workforce = workforce_facilitator.facilitator_profile
    lived = lived_facilitator.facilitator_profile
    for number in (1, 2):
        SessionClaimFactory(session=sessions[number], facilitator=workforce)
    for number in (1, 2, 3):
        SessionClaimFactory(session=sessions[number], facilitator=lived)
    return course


def edit_course(client, course, **changes):
    """The coordinator saves the course page with ``changes``."""
    data = {"title": course.title, "venue": course.venue_id, "capacity": "12"}
    return client.post(
        reverse("programmes:course_edit", args=[course.pk]),
        {**data, "status": "published", **changes},
    )


def notices(kind: str = "session_notice") -> list[tuple[str, str]]:
    return sorted(Message.objects.filter(kind=kind).values_list("to_address", "subject"))


def test_back_to_draft_releases_holders_with_a_notice_and_withdraws_their_reminders(
    client, held_course, coordinator, workforce_facilitator, lived_facilitator
):
    sessions = {s.number: s for s in held_course.sessions.all()}
    # Session 1 has run; session 2 is two days away, so its reminders are waiting to go.
    with time_machine.travel(sessions[2].start - timedelta(days=2), tick=False):
        assert plan_reminders() == 2
        client.force_login(coordinator)
        assert edit_course(client, held_course, status="draft").status_code == 302
        client.force_login(lived_facilitator)
        assert client.get(reverse("facilitators:mine")).context["upcoming"] == []

    held = SessionClaim.objects.held()
    assert sorted(held.values_list("session__number", flat=True)) == [1, 1]  # the past stays
    released = SessionClaim.objects.filter(released_at__isnull=False)
    assert {c.release_reason for c in released} == {"course back to draft"}
    assert released.count() == 3
    assert notices() == [
        (lived_facilitator.email, "No longer yours: HOPE session 2 on Tuesday 16 March"),
        (lived_facilitator.email, "No longer yours: HOPE session 3 on Tuesday 23 March"),
        (workforce_facilitator.email, "No longer yours: HOPE session 2 on Tuesday 16 March"),
    ]
    body = Message.objects.filter(kind="session_notice").first().body_text
    assert '"Carers – Tuesdays" has gone back to being a draft' in body
    assert set(Message.objects.filter(kind="reminder").values_list("status", flat=True)) == {
        MessageStatus.WITHDRAWN
    }
    audit = AuditEvent.objects.get(action="course.changed")
    assert audit.actor == coordinator
    assert audit.summary == "Changed “Carers – Tuesdays”; back to draft"
    # The coordinator sees the notices in the message log.
    client.force_login(coordinator)
    log = client.get(reverse("message_log")).content.decode()
    assert log.count("No longer yours: HOPE session") == 3


def test_saving_a_course_again_tells_nobody_twice(held_course, coordinator):
    with time_machine.travel(START - timedelta(days=7), tick=False):
        for status in (CourseStatus.DRAFT, CourseStatus.DRAFT, CourseStatus.PUBLISHED):
            course_update(
                course=held_course, title=held_course.title, capacity=12, status=status,
                venue=held_course.venue, by=coordinator,
            )  # fmt: skip
    # Five claims released with five notices; the later saves had nobody left to tell.
    assert len(notices()) == 5
    assert not SessionClaim.objects.held().exists()


# --- 6. A new venue for the course moves its sessions in calendars, with notice --------


def feed_events(client, profile) -> dict[int, dict]:
    response = client.get(reverse("facilitators:feed", args=[profile.calendar_token]))
    assert response.status_code == 200
    events = {}
    for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT"):
        pk = int(str(event["uid"]).split("@")[0].removeprefix("hope-session-"))
        events[pk] = {
            "location": str(event["location"]),
            "sequence": int(event["sequence"]),
            "last_modified": event["last-modified"].dt,
        }
    return events


def test_a_new_venue_reaches_calendar_feeds_and_each_holder_hears_once(
    client, held_course, coordinator, workforce_facilitator, lived_facilitator
):
    sessions = {s.number: s for s in held_course.sessions.all()}
    lived = lived_facilitator.facilitator_profile
    hall = VenueFactory(name="St Anne's Hall", postcode="NG5 1AB")
    # A day after session 1; session 2's reminders are waiting to go.
    with time_machine.travel(sessions[2].start - timedelta(days=2), tick=False):
        assert plan_reminders() == 2
        before = feed_events(client, lived)
        updated = dict(Session.objects.values_list("pk", "updated_at"))
    with time_machine.travel(sessions[2].start - timedelta(days=2, minutes=-5), tick=False):
        client.force_login(coordinator)
        assert edit_course(client, held_course, venue=hall.pk).status_code == 302
        after = feed_events(client, lived)
        # The old reminders named Riverside; the new ones name the hall.
        assert plan_reminders() == 2

    for session in Session.objects.all():
        if session.number == 1:  # already ran: stays where it was, untouched
            assert session.venue == held_course.venue
            assert session.updated_at == updated[session.pk]
        else:
            assert session.venue == hall
            assert session.updated_at > updated[session.pk]
    for number in (2, 3):
        pk = sessions[number].pk
        assert before[pk]["location"].startswith("Riverside Community Centre")
        assert after[pk]["location"].startswith("St Anne's Hall")
        assert after[pk]["sequence"] > before[pk]["sequence"]
        assert after[pk]["last_modified"] > before[pk]["last_modified"]
    assert after[sessions[1].pk] == before[sessions[1].pk]

    assert notices() == [
        (lived_facilitator.email, "Changed: HOPE session 2 is now Tuesday 16 March at 10:00"),
        (lived_facilitator.email, "Changed: HOPE session 3 is now Tuesday 23 March at 10:00"),
        (workforce_facilitator.email, "Changed: HOPE session 2 is now Tuesday 16 March at 10:00"),
    ]
    assert all(
        "at St Anne's Hall, NG5 1AB" in body
        for body in Message.objects.filter(kind="session_notice").values_list(
            "body_text", flat=True
        )
    )
    reminders = Message.objects.filter(kind="reminder")
    assert sorted(reminders.values_list("status", flat=True)) == sorted(
        [MessageStatus.WITHDRAWN] * 2 + [MessageStatus.PENDING] * 2
    )
    for reminder in reminders:
        shown = "St Anne's Hall" if reminder.status == MessageStatus.PENDING else "Riverside"
        assert shown in reminder.body_text


def test_a_bulk_update_of_sessions_reaches_calendar_feeds(client, held_course, lived_facilitator):
    lived = lived_facilitator.facilitator_profile
    session = held_course.sessions.get(number=3)
    with time_machine.travel(START - timedelta(days=7), tick=False):
        before = feed_events(client, lived)[session.pk]
    with time_machine.travel(START - timedelta(days=6), tick=False):
        Session.objects.filter(pk=session.pk).update(
            start=session.start + timedelta(hours=1), end=session.end + timedelta(hours=1)
        )
        after = feed_events(client, lived)[session.pk]
    assert after["sequence"] > before["sequence"]
    assert after["last_modified"] > before["last_modified"]


def test_a_new_venue_and_back_to_draft_at_once_tell_each_holder_once(
    client, held_course, coordinator, workforce_facilitator, lived_facilitator
):
    hall = VenueFactory(name="St Anne's Hall")
    with time_machine.travel(START - timedelta(days=7), tick=False):
        client.force_login(coordinator)
        response = edit_course(client, held_course, venue=hall.pk, status="draft")
        assert response.status_code == 302
    # Five claims released, one notice each: the session is no longer theirs, wherever it is.
    assert [subject.split(":")[0] for _, subject in notices()] == ["No longer yours"] * 5
    assert set(Session.objects.values_list("venue", flat=True)) == {hall.pk}
    assert not SessionClaim.objects.held().exists()


def test_calendars_see_every_change_even_two_in_one_second(
    client, held_course, coordinator, lived_facilitator
):
    lived = lived_facilitator.facilitator_profile
    session = held_course.sessions.get(number=3)
    start = session.start
    sequences = []
    with time_machine.travel(START - timedelta(days=7), tick=False):
        sequences.append(feed_events(client, lived)[session.pk]["sequence"])
        for new_start in (start + timedelta(hours=3), start):  # there and back at once
            session_change(session=session, start=new_start, venue=session.venue, by=coordinator)
            sequences.append(feed_events(client, lived)[session.pk]["sequence"])
    assert sequences == sorted(set(sequences)), sequences  # each higher than the last


def test_calendar_sequence_keeps_rising_past_may_2033(client, coordinator, lived_facilitator):
    # A SEQUENCE taken from the clock modulo 2,000,000,000 seconds fell back to nearly
    # nothing on 18 May 2033, and calendars would have ignored every later change.
    lived = lived_facilitator.facilitator_profile
    course = CourseFactory(first_start=datetime(2033, 7, 5, 10, tzinfo=LONDON))
    session = course.sessions.get(number=1)
    SessionClaimFactory(session=session, facilitator=lived)
    sequences = []
    for when in (datetime(2033, 5, 17, tzinfo=LONDON), datetime(2033, 5, 19, tzinfo=LONDON)):
        with time_machine.travel(when, tick=False):
            session.refresh_from_db()
            session_change(
                session=session, start=session.start + timedelta(hours=1), venue=session.venue,
                by=coordinator,
            )  # fmt: skip
            sequences.append(feed_events(client, lived)[session.pk]["sequence"])
    assert sequences[1] > sequences[0]


def test_a_new_venue_closed_on_one_of_the_sessions_days_is_refused_at_the_venue(
    client, held_course, coordinator
):
    hall = VenueFactory(name="St Anne's Hall")
    ClosureDateFactory(date=date(2027, 3, 23), reason="Hall let for exams", venue=hall)
    # Closures of other venues, or on days the course does not meet, do not matter.
    ClosureDateFactory(date=date(2027, 3, 30), reason="Elsewhere", venue=VenueFactory())
    ClosureDateFactory(date=date(2027, 3, 24), reason="Hall let for exams", venue=hall)
    with time_machine.travel(START - timedelta(days=7), tick=False):
        client.force_login(coordinator)
        response = edit_course(client, held_course, venue=hall.pk)
    assert response.status_code == 200
    assert error_next_to(response, "venue") == (
        "St Anne's Hall is closed on Tuesday 23 March 2027 (Hall let for exams), the day of "
        "session 3. Move that session first, or choose another venue."
    )
    assert set(Session.objects.values_list("venue", flat=True)) == {held_course.venue_id}
    assert not Message.objects.exists()
