"""What participants are told, and that only those who agreed to be contacted are told
anything, by the channel they prefer when we can use it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction

from hope.channels import CHANNELS, SMS_MAX_CHARS
from hope.models import Message
from hope.outbox import send_due
from programmes.models import Channel, Place
from programmes.notices import channel_for, plan_reminders
from programmes.services import course_cancel, course_update, session_cancel, session_change
from programmes.services.participants import place_request, place_withdraw
from tests.factories import CourseFactory, ParticipantFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 3, 9, 10, tzinfo=LONDON)  # a Tuesday

KINDS = [
    "place_confirmed",
    "waiting_list",
    "place_offered",
    "reminder",
    "session_moved",
    "session_cancelled",
    "course_cancelled",
    "course_moved",
]


def no_consent(**kwargs):
    return ParticipantFactory(
        consent_contact=False, consent_contact_on=None, consent_contact_how="", **kwargs
    )


def produce(kind: str, people: list, coordinator, title: str = "Living well – Tuesdays"):
    """Go through what makes ``people`` get a message of ``kind`` (each of them would)."""
    course = CourseFactory(title=title, first_start=START, capacity=len(people))
    session = course.sessions.get(number=1)
    if kind in ("waiting_list", "place_offered"):
        holders = [ParticipantFactory() for _ in people]
        for person in holders + people:
            place_request(participant=person, course=course, by=coordinator)
        if kind == "place_offered":
            for place in Place.objects.filter(participant__in=holders):
                place_withdraw(place=place, by=coordinator)
        return
    for person in people:
        place_request(participant=person, course=course, by=coordinator)
    if kind == "reminder":
        with time_machine.travel(START - timedelta(days=2), tick=False):
            plan_reminders()
    elif kind == "session_moved":
        session_change(
            session=session, start=START + timedelta(hours=4), venue=session.venue, by=coordinator
        )
    elif kind == "session_cancelled":
        session_cancel(session=session, by=coordinator)
    elif kind == "course_cancelled":
        course_cancel(course=course, by=coordinator)
    elif kind == "course_moved":
        course_update(
            course=course,
            title=course.title,
            capacity=course.capacity,
            status=course.status,
            venue=VenueFactory(),
            by=coordinator,
        )


@pytest.mark.parametrize("kind", KINDS)
def test_nobody_is_told_anything_without_consent_to_be_contacted(kind, coordinator):
    agreed = ParticipantFactory(email="agreed@example.org")
    refused = no_consent(email="refused@example.org")
    produce(kind, [agreed, refused], coordinator)
    messages = Message.objects.filter(kind=f"participant_{kind}")
    assert list(messages.values_list("to_address", flat=True)) == ["agreed@example.org"]
    assert not Message.objects.filter(to_address="refused@example.org").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_someone_who_prefers_texts_gets_email_while_texts_are_not_set_up(kind, coordinator):
    assert "sms" not in CHANNELS
    with_email = ParticipantFactory(
        preferred_channel=Channel.SMS, mobile="07700 900001", email="texts@example.org"
    )
    mobile_only = ParticipantFactory(preferred_channel=Channel.SMS, mobile="07700 900002", email="")
    by_letter = ParticipantFactory(
        preferred_channel=Channel.LETTER, postal_address="1 Elm Road", email="letters@example.org"
    )
    produce(kind, [with_email, mobile_only, by_letter], coordinator)
    messages = Message.objects.filter(kind=f"participant_{kind}")
    assert list(messages.values_list("channel", "to_address")) == [("email", "texts@example.org")]


class Keep:
    """A channel that keeps what it is given (texts set up, nothing sent anywhere)."""

    def __init__(self):
        self.sent = []

    def send(self, message):
        self.sent.append(message)


@pytest.mark.parametrize("kind", KINDS)
def test_a_text_is_short_and_says_what_matters(kind, coordinator, monkeypatch):
    monkeypatch.setitem(CHANNELS, "sms", Keep())
    texter = ParticipantFactory(preferred_channel=Channel.SMS, mobile="07700 900003")
    long_title = "Living well with a long-term condition – Tuesday mornings in Northgate"
    produce(kind, [texter], coordinator, title=long_title)
    message = Message.objects.get(kind=f"participant_{kind}")
    assert (message.channel, message.to_address, message.body_html) == ("sms", "07700 900003", "")
    assert len(message.body_text) <= SMS_MAX_CHARS and not message.body_text.endswith("...")
    assert message.body_text.startswith("HOPE")
    assert "Living well with a long-term condition - Tuesday..." in message.body_text
    assert "{" not in message.body_text and "“" not in message.body_text


def test_only_consent_and_a_usable_address_give_a_route(settings):
    assert channel_for(ParticipantFactory(email="a@example.org")) == ("email", "a@example.org")
    assert channel_for(no_consent()) is None
    anonymised = ParticipantFactory()
    anonymised.anonymised_at = START
    assert channel_for(anonymised) is None


def test_the_confirmation_names_the_first_session_still_to_come(coordinator):
    venue = VenueFactory(name="Oak Street Library", address="2 Oak Street\nNorthgate")
    course = CourseFactory(title="Living well – Tuesdays", venue=venue, first_start=START)
    session_cancel(session=course.sessions.get(number=1), by=coordinator)
    # Session 3 moved to before session 2 (numbers stay): the soonest is session 3.
    session_change(
        session=course.sessions.get(number=3),
        start=START + timedelta(days=6),
        venue=venue,
        by=coordinator,
    )
    person = ParticipantFactory(full_name="Ann Smith", reminder_days=3)
    place_request(participant=person, course=course, by=coordinator)
    send_due()
    [confirmation] = mail.outbox
    assert confirmation.subject == "Your place on Living well – Tuesdays"
    assert confirmation.body.startswith(
        "Hello Ann,\n\nYou have a place on “Living well – Tuesdays”."
    )
    assert (
        "Your first session (session 3 of 6) is on Monday 15 March 2027, 10:00 to 12:30, "
        "at Oak Street Library, 2 Oak Street, Northgate, NG1 1AA." in confirmation.body
    )
    assert "We will send you a reminder 3 days before each session." in confirmation.body
    assert "reply to this email or ring your HOPE coordinator" in confirmation.body
    html = confirmation.alternatives[0][0]
    assert '<html lang="en-GB">' in html and "<p>Hello Ann,</p>" in html


def test_the_offer_says_how_to_accept_and_by_when(coordinator):
    course = CourseFactory(title="Living well – Tuesdays", capacity=1, first_start=START)
    holder, waiting = ParticipantFactory(), ParticipantFactory(full_name="Bob O'Brien")
    place_request(participant=holder, course=course, by=coordinator)
    place_request(participant=waiting, course=course, by=coordinator)
    # Offered at 14:30 on Monday 1 March 2027: three days to answer.
    with time_machine.travel(datetime(2027, 3, 1, 14, 30, tzinfo=LONDON), tick=False):
        place_withdraw(place=Place.objects.get(participant=holder), by=coordinator)
        send_due()
    offer = next(m for m in mail.outbox if m.to == [waiting.email] and "yours" in m.subject)
    assert offer.subject == (
        "A place on Living well – Tuesdays is yours if you want it: please answer by 4 March"
    )
    assert (
        "To take the place, reply to this email or ring your HOPE coordinator by Thursday "
        "4 March at 14:30. If we have not heard from you by then, we will offer it to the "
        "next person on the waiting list." in offer.body
    )
    assert "The next session is on Tuesday 9 March 2027, 10:00 to 12:30" in offer.body
    assert "Hello Bob," in offer.body and "O&#x27;Brien" not in offer.body
    waiting_list = next(m for m in mail.outbox if "waiting list" in m.subject)
    assert "you will have 3 days to say whether you want it" in waiting_list.body


def test_reminder_days_are_one_to_seven():
    ParticipantFactory(reminder_days=1)
    ParticipantFactory(reminder_days=7)
    for days in (0, 8):
        with (
            pytest.raises(IntegrityError, match="programmes_participant_reminder_days_range"),
            transaction.atomic(),
        ):
            ParticipantFactory(reminder_days=days)
