"""The coordinators' morning digest: sessions without their pair of facilitators, and
rides in the next fortnight with no driver; once per coordinator per day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from facilitators.digest import send_cover_digest
from hope.models import Message
from hope.outbox import send_due
from hope.roles import Role
from programmes.models import Arranged, Ride
from programmes.ride_notices import ride_line
from programmes.services.participants import place_request, place_withdraw
from programmes.services.rides import ride_arrange, ride_take
from tests.factories import CourseFactory, ParticipantFactory, SessionClaimFactory, UserFactory

pytestmark = pytest.mark.django_db


def rider(first: str, postcode: str = "NG4 2RL"):
    return ParticipantFactory(
        full_name=f"{first} Jones", needs_transport=True, pickup_postcode=postcode
    )


@pytest.fixture
def soon(coordinator):
    """A course whose sessions are in 3, 10, 17, … days: two in the rides' fortnight."""
    return CourseFactory(
        title="Carers – Fridays",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=3),
    )


def pair_every_session(course, workforce_facilitator, lived_facilitator):
    for session in course.sessions.all():
        SessionClaimFactory(session=session, facilitator=workforce_facilitator.facilitator_profile)
        SessionClaimFactory(session=session, facilitator=lived_facilitator.facilitator_profile)


def sent_digest(coordinator):
    """The digest as the coordinator receives it (other notices are sent too)."""
    send_due()
    [email] = [m for m in mail.outbox if m.subject.startswith("HOPE cover")]
    assert email.to == [coordinator.email]
    return email


def first_ride(person) -> Ride:
    return Ride.objects.filter(participant=person).order_by("start", "pk").first()


def test_the_digest_lists_unmet_rides_not_held_arranged_or_withdrawn_ones(
    coordinator, volunteer, soon
):
    alice, bob, cleo, dan = rider("Alice"), rider("Bob"), rider("Cleo"), rider("Dan")
    places = {
        person: place_request(participant=person, course=soon, by=coordinator)
        for person in (alice, bob, cleo, dan)
    }
    ride_take(ride=first_ride(bob), driver=volunteer, by=volunteer)
    ride_arrange(ride=first_ride(cleo), how=Arranged.TAXI, by=coordinator)
    place_withdraw(place=places[dan], by=coordinator)
    assert send_cover_digest() == 1
    email = sent_digest(coordinator)
    assert email.subject == (
        "HOPE cover: 4 sessions in the next 28 days need a facilitator; "
        "4 rides in the next 14 days need a driver"
    )
    body = email.body
    assert "These rides in the next 14 days have no driver yet:" in body
    # Alice both times; Bob and Cleo only for the second session; Dan left.
    wanted = Ride.objects.unmet().within(14).for_pages().order_by("start", "pk")
    assert [r.participant.first_name for r in wanted] == ["Alice", "Alice", "Bob", "Cleo"]
    for ride in wanted:
        assert f"- {ride.participant.first_name}, {ride_line(ride)}" in body
    assert f"- Bob, {ride_line(first_ride(bob))}" not in body
    assert f"- Cleo, {ride_line(first_ride(cleo))}" not in body
    assert "Dan" not in body
    assert "/rides/unmet/" in body
    html = email.alternatives[0][0]
    assert f"/rides/{wanted[0].pk}/" in html and "Dan" not in html


def test_rides_alone_are_worth_a_digest_and_a_ride_beyond_the_fortnight_is_not(
    coordinator, soon, workforce_facilitator, lived_facilitator
):
    pair_every_session(soon, workforce_facilitator, lived_facilitator)
    later = CourseFactory(first_start=timezone.now() + timedelta(days=20))
    pair_every_session(later, workforce_facilitator, lived_facilitator)
    place_request(participant=rider("Ella"), course=later, by=coordinator)
    assert send_cover_digest() == 0  # every session paired; Ella's first ride is in 20 days
    alice = rider("Alice")
    place_request(participant=alice, course=soon, by=coordinator)
    assert send_cover_digest() == 1
    email = sent_digest(coordinator)
    assert email.subject == "HOPE cover: 2 rides in the next 14 days need a driver"
    assert "pair of facilitators" not in email.body and "Ella" not in email.body
    assert email.body.count("- Alice, ") == 2


def test_the_digest_is_silent_when_every_ride_is_held_or_arranged(
    coordinator, volunteer, soon, workforce_facilitator, lived_facilitator
):
    pair_every_session(soon, workforce_facilitator, lived_facilitator)
    alice = rider("Alice")
    place_request(participant=alice, course=soon, by=coordinator)
    there_first, there_second = Ride.objects.filter(participant=alice).order_by("start")[:2]
    ride_take(ride=there_first, driver=volunteer, by=volunteer)
    ride_arrange(ride=there_second, how=Arranged.FAMILY, by=coordinator)
    assert send_cover_digest() == 0
    assert not Message.objects.filter(kind="cover_digest").exists()


def test_the_digest_is_stored_once_per_coordinator_per_day(coordinator, soon):
    other = UserFactory(roles=[Role.COORDINATOR])
    place_request(participant=rider("Alice"), course=soon, by=coordinator)
    assert send_cover_digest() == 2
    assert send_cover_digest() == 0
    tomorrow = timezone.now() + timedelta(days=1)
    assert send_cover_digest(tomorrow) == 2
    assert send_cover_digest(tomorrow) == 0
    recipients = Message.objects.filter(kind="cover_digest").values_list("recipient", flat=True)
    assert sorted(recipients) == sorted([coordinator.pk, other.pk] * 2)
