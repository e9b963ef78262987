"""The coordinators' home page: the rides nobody is doing yet in the next two weeks,
soonest first, each given to a driver in one click."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from hope.models import AuditEvent
from programmes.models import Arranged, Ride
from programmes.services.participants import place_request, place_withdraw
from programmes.services.rides import ride_arrange, ride_take
from tests.factories import CourseFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def rider(name: str):
    return ParticipantFactory(full_name=name, needs_transport=True, pickup_postcode="NG4 2RL")


def ride_of(person, number: int) -> Ride:
    return Ride.objects.get(participant=person, session__number=number)


def rides_card(html: str) -> str:
    return html.split('id="rides-wanted-heading"')[1].split("</section>")[0]


@pytest.fixture
def course():
    # Sessions in 2, 9 and 16 days: the third is beyond the fortnight.
    return CourseFactory(first_start=timezone.now() + timedelta(days=2))


def test_home_lists_the_rides_wanted_soonest_first_with_a_driver_to_choose(
    client, coordinator, volunteer, course
):
    alice, bob, cleo = rider("Zephyrine Jones"), rider("Bob Hart"), rider("Cleo Mayes")
    places = {
        person: place_request(participant=person, course=course, by=coordinator)
        for person in (alice, bob, cleo)
    }
    ride_take(ride=ride_of(bob, 1), driver=volunteer, by=volunteer)
    ride_arrange(ride=ride_of(alice, 2), how=Arranged.TAXI, by=coordinator)
    place_withdraw(place=places[cleo], by=coordinator)
    client.force_login(coordinator)
    card = rides_card(client.get("/").content.decode())
    # Held (Bob's first), arranged (Alice's second), withdrawn (Cleo left) and beyond
    # the fortnight (everyone's third) are not wanted.
    assert "2 rides in the next 14 days have no driver yet." in card
    wanted = [ride_of(alice, 1), ride_of(bob, 2)]
    shown = [int(pk) for pk in re.findall(r'href="/rides/(\d+)/"', card)]
    assert shown == [ride.pk for ride in wanted]
    for ride in wanted:
        assert f'action="{reverse("programmes:ride_assign", args=[ride.pk])}"' in card
    assert card.count('name="next" value="/"') == 2
    # Escaped as the page writes it: Faker's names can be "O'Neill".
    assert f'<option value="{volunteer.pk}">{escape(volunteer.full_name)}</option>' in card
    assert f'href="{reverse("programmes:rides_unmet")}"' in card
    # First names and districts are personal data: the view is on the audit trail.
    assert AuditEvent.objects.filter(
        actor=coordinator,
        action="personal_data.viewed",
        summary="Opened the rides wanted, on the home page",
    ).exists()


def test_a_ride_is_given_to_a_driver_from_the_home_page_and_leaves_it(
    client, coordinator, volunteer, course
):
    alice = rider("Zephyrine Jones")
    place_request(participant=alice, course=course, by=coordinator)
    ride = ride_of(alice, 1)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:ride_assign", args=[ride.pk]), {"driver": volunteer.pk, "next": "/"}
    )
    assert response.status_code == 302 and response.url == "/"
    ride.refresh_from_db()
    assert ride.driver == volunteer
    card = rides_card(client.get("/").content.decode())
    assert "1 ride in the next 14 days has no driver yet." in card
    assert f'href="/rides/{ride.pk}/"' not in card


def test_the_home_page_shows_the_soonest_ten_and_counts_them_all(client, coordinator, course):
    for n in range(6):
        place_request(participant=rider(f"Rider {n}"), course=course, by=coordinator)
    client.force_login(coordinator)
    card = rides_card(client.get("/").content.decode())
    assert "12 rides in the next 14 days have no driver yet; the soonest 10 are here." in card
    soonest = Ride.objects.unmet().order_by("start", "pk")[:10]
    shown = [int(pk) for pk in re.findall(r'href="/rides/(\d+)/"', card)]
    assert shown == [ride.pk for ride in soonest]


def test_with_nothing_wanted_the_card_says_so(client, coordinator):
    client.force_login(coordinator)
    card = rides_card(client.get("/").content.decode())
    assert "Every ride in the next 14 days has a driver or is arranged another way." in card
    assert not AuditEvent.objects.filter(action="personal_data.viewed").exists()


@pytest.mark.parametrize("persona", ["workforce", "lived", "volunteer", "finance"])
def test_only_coordinators_see_the_rides_wanted(client, personas, persona, course):
    place_request(participant=rider("Zephyrine Jones"), course=course, by=personas["coordinator"])
    client.force_login(personas[persona])
    html = client.get("/").content.decode()
    assert 'id="rides-wanted-heading"' not in html and "Zephyrine" not in html
