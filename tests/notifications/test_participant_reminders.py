"""Participants' reminders before each session, and notices when a session or course
changes: stored once, withdrawn when they stop being true, told once per change, at the
session's clock time in Europe/London."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from hope.celery import app
from hope.models import Message, MessageStatus
from hope.outbox import send_due
from programmes.models import CourseStatus, Place
from programmes.notices import plan_reminders
from programmes.services import course_cancel, course_update, session_cancel, session_change
from programmes.services.participants import place_request, place_withdraw
from programmes.tasks import plan_reminders as task_plan_reminders
from tests.concurrency import run_together
from tests.factories import CourseFactory, ParticipantFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 9, 10, tzinfo=LONDON)  # a Tuesday


@pytest.fixture
def course(coordinator):
    venue = VenueFactory(
        name="Riverside Community Centre", address="14 Mill Lane\nNorthgate", postcode="NG4 2RL"
    )
    return CourseFactory(title="Living well – Tuesdays", venue=venue, first_start=START)


@pytest.fixture
def ann(course, coordinator):
    person = ParticipantFactory(full_name="Ann Smith", email="ann@example.org", reminder_days=3)
    place_request(participant=person, course=course, by=coordinator)
    return person


@pytest.fixture
def bob(course, coordinator):
    person = ParticipantFactory(full_name="Bob Jones", email="bob@example.org")
    place_request(participant=person, course=course, by=coordinator)
    return person


@pytest.fixture
def session(course, ann, bob):
    """Session 1, with Ann and Bob enrolled and their confirmations sent."""
    send_due()
    mail.outbox.clear()
    return course.sessions.get(number=1)


def kinds(kind: str, status: str | None = None) -> list[str]:
    messages = Message.objects.filter(kind=f"participant_{kind}")
    if status:
        messages = messages.filter(status=status)
    return sorted(messages.values_list("to_address", flat=True))


def test_each_participant_is_reminded_at_their_own_notice_exactly_once(session):
    with time_machine.travel(START - timedelta(days=3, minutes=1), tick=False):
        assert plan_reminders() == 0
    with time_machine.travel(START - timedelta(days=3), tick=False):
        assert plan_reminders() == 1  # Ann: three days' notice
        assert plan_reminders() == 0  # a beat that fires twice stores nothing new
    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert plan_reminders() == 1  # Bob: the default two days
        send_due()
        send_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "bob@example.org"]
    ann = next(m for m in mail.outbox if m.to == ["ann@example.org"])
    assert ann.subject == "Reminder: your HOPE session on Tuesday 9 March at 10:00"
    assert "Course: Living well – Tuesdays" in ann.body and "Session: 1 of 6" in ann.body
    assert "When: Tuesday 9 March 2027, 10:00 to 12:30" in ann.body
    assert "Where: Riverside Community Centre, 14 Mill Lane, Northgate, NG4 2RL" in ann.body
    assert "reply to this email or ring your HOPE coordinator" in ann.body
    assert "reminders 3 days before each session" in ann.body
    assert ann.alternatives[0][1] == "text/html" and "Living well" in ann.alternatives[0][0]
    # Nobody is reminded twice, whatever the beat does later.
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        assert plan_reminders() == 0


@pytest.mark.django_db(transaction=True)
def test_two_beats_planning_at_once_store_each_reminder_once(session):
    results = run_together([lambda: plan_reminders(START - timedelta(days=2))] * 4)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 2  # each reminder stored by one of them
    assert kinds("reminder") == ["ann@example.org", "bob@example.org"]


def test_the_beat_runs_the_planner_every_five_minutes(session):
    entry = app.conf.beat_schedule["plan-participant-reminders"]
    assert entry["task"] == task_plan_reminders.name == "programmes.tasks.plan_reminders"
    with time_machine.travel(START - timedelta(days=2), tick=False):
        task_plan_reminders.delay()
    assert kinds("reminder") == ["ann@example.org", "bob@example.org"]


def test_only_people_expected_at_a_session_going_ahead_are_reminded(course, session, coordinator):
    waiting = ParticipantFactory(email="waiting@example.org")
    course.capacity = 2
    course.save()
    place_request(participant=waiting, course=course, by=coordinator)
    place_withdraw(place=Place.objects.get(participant__email="bob@example.org"), by=coordinator)
    # Bob's place went to the person waiting, who has not accepted yet: an offer, no lines.
    session_cancel(session=course.sessions.get(number=2), by=coordinator)
    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert plan_reminders() == 1
    assert kinds("reminder") == ["ann@example.org"]
    with time_machine.travel(START + timedelta(weeks=1, days=-3), tick=False):
        assert plan_reminders() == 0  # session 2 is cancelled
    with time_machine.travel(START + timedelta(weeks=2, days=-3), tick=False):
        assert plan_reminders() == 1


def test_a_queued_reminder_is_withdrawn_when_its_session_moves_and_people_are_told(
    session, coordinator
):
    later = START + timedelta(hours=4)
    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert plan_reminders() == 2  # stored, not yet sent
        session_change(session=session, start=later, venue=session.venue, by=coordinator)
        send_due()
    assert kinds("reminder", MessageStatus.WITHDRAWN) == ["ann@example.org", "bob@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "bob@example.org"]
    assert all(m.subject.startswith("Changed: your HOPE session is now") for m in mail.outbox)
    assert all("is now on Tuesday 9 March 2027, 14:00 to 16:30" in m.body for m in mail.outbox)
    assert not any("10:00" in m.body for m in mail.outbox)  # the old reminder stayed unsent
    # The reminder for the new time comes when it is due, with the new time.
    mail.outbox.clear()
    with time_machine.travel(later - timedelta(days=2), tick=False):
        assert plan_reminders() == 2
        send_due()
    assert len(mail.outbox) == 2 and all("14:00 to 16:30" in m.body for m in mail.outbox)


def test_a_queued_reminder_is_withdrawn_when_its_session_is_cancelled(session, coordinator):
    with time_machine.travel(START - timedelta(days=2), tick=False):
        plan_reminders()
        session_cancel(session=session, by=coordinator)
        send_due()
        assert plan_reminders() == 0
    assert len(mail.outbox) == 2
    assert all(m.subject == "Cancelled: your HOPE session on Tuesday 9 March" for m in mail.outbox)
    assert all("You do not need to go" in m.body for m in mail.outbox)
    assert not Message.objects.filter(kind="participant_reminder", status=MessageStatus.SENT)


def test_every_move_is_told_once_even_back_and_forth(session, coordinator):
    a, b = START, START + timedelta(hours=4)
    with time_machine.travel(START - timedelta(days=1), tick=False):
        for start in (b, a, b):  # A→B→A→B: three changes
            session.refresh_from_db()
            session_change(session=session, start=start, venue=session.venue, by=coordinator)
        send_due()
    told = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    assert [m.subject[-5:] for m in told] == ["14:00", "10:00", "14:00"]
    assert len(kinds("session_moved")) == 6  # three each, for Ann and Bob


def test_a_cancelled_course_tells_each_person_once_and_withdraws_reminders(
    course, session, coordinator
):
    course.capacity = 2
    course.save()
    place_request(
        participant=ParticipantFactory(email="waiting@example.org"), course=course, by=coordinator
    )
    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert plan_reminders() == 2
        course_cancel(course=course, by=coordinator)
        assert plan_reminders() == 0
        send_due()
    assert kinds("reminder", MessageStatus.WITHDRAWN) == ["ann@example.org", "bob@example.org"]
    # One notice each, not one per session; the person waiting hears too.
    assert kinds("course_cancelled") == [
        "ann@example.org",
        "bob@example.org",
        "waiting@example.org",
    ]
    assert not kinds("session_cancelled")
    cancelled = [m for m in mail.outbox if m.subject == "Cancelled: Living well – Tuesdays"]
    assert len(cancelled) == 3
    assert "the sessions from Tuesday 9 March 2027 will not take place" in cancelled[0].body


def test_a_new_venue_for_the_course_tells_each_participant_once(course, session, coordinator):
    venue = VenueFactory(name="Oak Street Library", address="2 Oak Street", postcode="NG5 1AB")
    course_update(
        course=course,
        title=course.title,
        capacity=course.capacity,
        status=course.status,
        venue=venue,
        by=coordinator,
    )
    assert kinds("course_moved") == ["ann@example.org", "bob@example.org"]
    assert not kinds("session_moved")
    send_due()
    moved = next(m for m in mail.outbox if m.to == ["ann@example.org"])
    assert moved.subject == "New venue for Living well – Tuesdays from Tuesday 9 March"
    assert "its sessions are at Oak Street Library, 2 Oak Street, NG5 1AB" in moved.body


def test_a_course_back_to_draft_has_no_reminders_until_published(course, session, coordinator):
    def set_status(status):
        course_update(
            course=course,
            title=course.title,
            capacity=course.capacity,
            status=status,
            venue=course.venue,
            by=coordinator,
        )

    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert plan_reminders() == 2
        set_status(CourseStatus.DRAFT)
        assert kinds("reminder", MessageStatus.WITHDRAWN) == ["ann@example.org", "bob@example.org"]
        assert plan_reminders() == 0
    with time_machine.travel(START + timedelta(weeks=1, days=-3), tick=False):
        set_status(CourseStatus.PUBLISHED)
        assert plan_reminders() == 1  # Ann, for session 2


def test_leaving_the_course_withdraws_only_their_queued_reminder(course, session, coordinator):
    with time_machine.travel(START - timedelta(days=2), tick=False):
        plan_reminders()
        place_withdraw(
            place=Place.objects.get(participant__email="bob@example.org"), by=coordinator
        )
        assert plan_reminders() == 0
    assert kinds("reminder", MessageStatus.WITHDRAWN) == ["bob@example.org"]
    assert kinds("reminder", MessageStatus.PENDING) == ["ann@example.org"]


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Clocks go forward at 01:00 on Sunday 28 March 2027: a 10:00 session on Tuesday
        # 30 March with three days' notice is reminded at 10:00 on Saturday 27 March
        # (72 hours before would be 09:00 that Saturday).
        (datetime(2027, 3, 30, 10, tzinfo=LONDON), 3, datetime(2027, 3, 27, 10, tzinfo=LONDON)),
        # Clocks go back at 02:00 on Sunday 31 October 2027: a 10:00 session on Monday
        # 1 November with two days' notice is reminded at 10:00 on Saturday 30 October
        # (48 hours before would be 11:00 that Saturday).
        (datetime(2027, 11, 1, 10, tzinfo=LONDON), 2, datetime(2027, 10, 30, 10, tzinfo=LONDON)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_reminders_keep_the_clock_time_across_a_clock_change(coordinator, start, days, due):
    course = CourseFactory(first_start=start)
    place_request(participant=ParticipantFactory(reminder_days=days), course=course, by=coordinator)
    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        assert plan_reminders() == 0
    with time_machine.travel(due, tick=False):
        assert plan_reminders() == 1
    reminder = Message.objects.get(kind="participant_reminder")
    assert reminder.due_at == due
