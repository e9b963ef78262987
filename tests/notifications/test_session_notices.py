"""Reminders say the truth: a move or cancellation withdraws what is queued and tells
every holder, once per change; reminder times follow the clock in Europe/London."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from facilitators.reminders import plan_reminders
from hope.models import Message, MessageStatus
from hope.outbox import send_due
from programmes.services import session_cancel, session_change
from tests.factories import CourseFactory, SessionClaimFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 9, 10, tzinfo=LONDON)  # a Tuesday


@pytest.fixture
def held(workforce_facilitator, lived_facilitator):
    course = CourseFactory(title="Carers – Tuesdays", venue=VenueFactory(), first_start=START)
    session = course.sessions.get(number=1)
    for person in (workforce_facilitator, lived_facilitator):
        SessionClaimFactory(session=session, facilitator=person.facilitator_profile)
    return session


def test_a_queued_reminder_is_withdrawn_when_its_session_moves_and_holders_are_told(
    held, coordinator, workforce_facilitator, lived_facilitator
):
    with time_machine.travel(START - timedelta(days=2), tick=False):
        assert plan_reminders() == 2  # stored, not yet sent
        session_change(
            session=held, start=START + timedelta(hours=4), venue=held.venue, by=coordinator
        )
        send_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [workforce_facilitator.email, lived_facilitator.email]
    )
    assert all("has changed" in m.body and "14:00" in m.body for m in mail.outbox)
    assert not any("10:00" in m.body for m in mail.outbox)  # the old reminder stayed unsent
    assert Message.objects.filter(kind="reminder", status=MessageStatus.WITHDRAWN).count() == 2
    # The reminder for the new time comes when it is due, with the new time.
    with time_machine.travel(START + timedelta(hours=4) - timedelta(days=2), tick=False):
        assert plan_reminders() == 2
        mail.outbox.clear()
        send_due()
    assert all("14:00" in m.body for m in mail.outbox) and len(mail.outbox) == 2


def test_a_queued_reminder_is_withdrawn_when_its_session_is_cancelled(
    held, coordinator, workforce_facilitator
):
    with time_machine.travel(START - timedelta(days=2), tick=False):
        plan_reminders()
        session_cancel(session=held, by=coordinator)
        send_due()
        assert plan_reminders() == 0
    assert len(mail.outbox) == 2
    assert all("has been cancelled" in m.body for m in mail.outbox)
    assert not Message.objects.filter(kind="reminder", status=MessageStatus.SENT).exists()


def test_every_move_is_told_even_back_and_forth(held, coordinator, workforce_facilitator):
    a, b = START, START + timedelta(hours=4)
    with time_machine.travel(START - timedelta(days=1), tick=False):
        plan_reminders()
        send_due()
        mail.outbox.clear()
        for start in (b, a, b):  # A→B→A→B
            held.refresh_from_db()
            session_change(session=held, start=start, venue=held.venue, by=coordinator)
        send_due()
    told = [m for m in mail.outbox if m.to == [workforce_facilitator.email]]
    assert len(told) == 3
    assert "14:00" in told[-1].body  # the last word is where it really is


def test_reminders_keep_the_clock_time_across_the_change_to_summer_time(
    held, workforce_facilitator
):
    # Clocks go forward at 01:00 on Sunday 28 March 2027. A 10:00 session on Tuesday
    # 30 March with three days' notice is reminded at 10:00 on Saturday 27 March
    # (72 hours before would be 09:00 that Saturday).
    session = CourseFactory(first_start=datetime(2027, 3, 30, 10, tzinfo=LONDON)).sessions.get(
        number=1
    )
    profile = workforce_facilitator.facilitator_profile
    profile.reminder_days = 3
    profile.save()
    SessionClaimFactory(session=session, facilitator=profile)
    with time_machine.travel(datetime(2027, 3, 27, 9, 30, tzinfo=LONDON), tick=False):
        assert not Message.objects.filter(
            key__startswith=f"reminder:session={session.pk}:"
        ).exists()
        plan_reminders()
        assert not Message.objects.filter(
            key__startswith=f"reminder:session={session.pk}:"
        ).exists()
    with time_machine.travel(datetime(2027, 3, 27, 10, 0, tzinfo=LONDON), tick=False):
        plan_reminders()
        assert (
            Message.objects.filter(key__startswith=f"reminder:session={session.pk}:").count() == 1
        )
