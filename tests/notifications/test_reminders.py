from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core import mail

from facilitators.digest import send_cover_digest
from facilitators.reminders import plan_reminders
from hope.models import Message
from hope.outbox import send_due
from programmes.models import Session
from programmes.services import session_cancel, session_change
from tests.factories import CourseFactory, SessionClaimFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 9, 10, tzinfo=LONDON)  # a Tuesday


@pytest.fixture
def paired(workforce_facilitator, lived_facilitator):
    venue = VenueFactory(
        name="Riverside Community Centre", address="14 Mill Lane", postcode="NG4 2RL",
        hearing_loop=True, accessibility_notes="Lift to the first floor.",
    )  # fmt: skip
    course = CourseFactory(title="Carers – Tuesdays", venue=venue, first_start=START)
    session = course.sessions.get(number=1)
    workforce = workforce_facilitator.facilitator_profile
    workforce.reminder_days = 3
    workforce.save()
    SessionClaimFactory(session=session, facilitator=workforce)
    SessionClaimFactory(session=session, facilitator=lived_facilitator.facilitator_profile)
    return session


def test_each_facilitator_is_reminded_at_their_own_notice_exactly_once(
    paired, workforce_facilitator, lived_facilitator
):
    with time_machine.travel(START - timedelta(days=3, minutes=1), tick=False):
        assert plan_reminders() == 0
    with time_machine.travel(START - timedelta(days=3), tick=False):
        assert plan_reminders() == 1  # workforce: three days' notice
        assert plan_reminders() == 0  # a beat that fires twice stores nothing new
    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert plan_reminders() == 1  # lived experience: the default two days
        send_due()
        send_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [workforce_facilitator.email, lived_facilitator.email]
    )
    reminder = next(m for m in mail.outbox if m.to == [workforce_facilitator.email])
    assert "Carers – Tuesdays" in reminder.body and "Session: 1 of 6" in reminder.body
    assert "Riverside Community Centre, 14 Mill Lane, NG4 2RL" in reminder.body
    assert "Hearing loop" in reminder.body and "Lift to the first floor." in reminder.body
    assert f"Co-facilitator: {lived_facilitator.full_name}" in reminder.body
    assert "change that in your details" in reminder.body
    name, content, mimetype = reminder.attachments[0]
    assert (name, mimetype) == ("hope-session.ics", "text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event["dtstart"].dt == START
    assert reminder.alternatives[0][1] == "text/html"


def test_a_session_moved_or_cancelled_tells_both_holders(paired, coordinator):
    holders = sorted(c.facilitator.user.email for c in paired.claims.all())
    with time_machine.travel(START - timedelta(days=3), tick=False):
        plan_reminders()
        send_due()
        mail.outbox.clear()
        session_change(
            session=paired, start=START + timedelta(hours=4), venue=paired.venue, by=coordinator
        )
        send_due()
        assert sorted(m.to[0] for m in mail.outbox) == holders
        assert all("has changed" in m.body and "14:00" in m.body for m in mail.outbox)
        mail.outbox.clear()
        paired.refresh_from_db()
        session_cancel(session=paired, by=coordinator)
        send_due()
        assert sorted(m.to[0] for m in mail.outbox) == holders
        assert all("has been cancelled" in m.body for m in mail.outbox)
        # A cancelled session gets no further reminders.
        assert plan_reminders() == 0


def test_the_morning_digest_lists_gaps_once_a_day_and_is_silent_when_all_is_paired(
    paired, coordinator
):
    CourseFactory(title="Needs cover", first_start=START + timedelta(days=1))
    with time_machine.travel(START - timedelta(days=5), tick=False):
        assert send_cover_digest() == 1
        assert send_cover_digest() == 0
        send_due()
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "Needs cover, session 1" in mail.outbox[0].body
    assert "Carers – Tuesdays, session 1 " not in mail.outbox[0].body  # it is paired
    Session.objects.exclude(pk=paired.pk).update(is_cancelled=True)
    with time_machine.travel(START - timedelta(days=4), tick=False):
        assert send_cover_digest() == 0
    assert Message.objects.filter(kind="cover_digest").count() == 1
