"""The rides pages: who sees what (the board shows a first name, a district, a venue and a
time; the full postcode, notes and phone only the driver holding the ride, until a week
after); every action through its page, with bad input answered in words and nothing
saved; every page audited without naming anyone; a fixed number of queries."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from hope.models import AuditEvent
from hope.roles import Role
from programmes.models import Arranged, Direction, DriverArea, Ride, TransportLegs
from programmes.models.rides import DETAILS_SHOWN_FOR
from programmes.services.participants import place_request, place_withdraw
from programmes.services.rides import ride_arrange, ride_cover_ask, ride_take
from tests.factories import CourseFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("programmes:ride_board")
MINE = reverse("programmes:rides_mine")
UNMET = reverse("programmes:rides_unmet")
AREA = reverse("programmes:driver_area")


def ride_url(ride: Ride, action: str = "detail") -> str:
    return reverse(f"programmes:ride_{action}", args=[ride.pk])


def make_driver(name: str = "Val Singh") -> object:
    return UserFactory(full_name=name, roles=[Role.VOLUNTEER], is_driver=True)


def at(days: int, hour: int = 10) -> datetime:
    """``days`` from today at ``hour`` o'clock: sessions at a sensible time of day."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def rider(name: str, postcode: str = "NG4 2RL", **kwargs):
    return ParticipantFactory(
        full_name=name,
        needs_transport=True,
        pickup_postcode=postcode,
        pickup_notes=kwargs.pop("notes", "Blue door, ring twice"),
        mobile=kwargs.pop("mobile", "07700 900123"),
        **kwargs,
    )


def enrol(participant, course, coordinator) -> list[Ride]:
    """Enrol them; their live rides, soonest first."""
    place_request(participant=participant, course=course, by=coordinator)
    return list(Ride.objects.live().filter(participant=participant).order_by("start"))


def first_ride(name: str, coordinator, days: int = 10, hour: int = 10, **kwargs) -> Ride:
    course = CourseFactory(first_start=at(days, hour))
    return enrol(rider(name, **kwargs), course, coordinator)[0]


def told(response) -> str:
    """The last message the response leaves for the person."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def text(response) -> str:
    """The page's main content as words, without tags."""
    html = response.content.decode()
    main = html.split('<main id="main-content"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def val():
    return make_driver()


@pytest.fixture
def derek():
    return make_driver("Derek Lowe")


# --- The board: who sees it and what it shows ----------------------------------------------


def test_the_board_shows_first_name_district_venue_and_time_only(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator)
    client.force_login(val)
    page = text(client.get(BOARD))
    pickup = timezone.localtime(ride.pickup_at)
    assert "Alice, from NG4" in page
    assert escape(ride.session.venue.name) in page
    assert f"collect at {pickup:%H:%M}" in page
    for secret in ["Jones", "NG4 2RL", "2RL", "Blue door", "07700", ride.participant.email]:
        assert secret not in page, secret
    assert "Take this ride" in page


@pytest.mark.parametrize("persona", ["workforce", "lived", "finance", "outsider", "passenger"])
def test_the_board_refuses_everyone_but_drivers_and_coordinators(client, personas, persona):
    people = {
        **personas,
        "outsider": UserFactory(),
        # A volunteer who does not drive (expenses only).
        "passenger": UserFactory(roles=[Role.VOLUNTEER], is_driver=False),
    }
    client.force_login(people[persona])
    assert client.get(BOARD).status_code == 403
    assert client.get(MINE).status_code == 403
    assert client.post(AREA, {"district": "NG4"}).status_code == 403
    assert not DriverArea.objects.exists()


def test_the_board_asks_anonymous_visitors_to_sign_in(client):
    for url in [BOARD, MINE, UNMET]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_a_volunteer_who_does_not_drive_sees_no_rides_in_the_menu(client, val):
    walker = UserFactory(roles=[Role.VOLUNTEER], is_driver=False)
    client.force_login(walker)
    assert f'href="{BOARD}"' not in client.get("/").content.decode()
    client.force_login(val)
    assert f'href="{BOARD}"' in client.get("/").content.decode()


def test_the_board_lists_the_rides_nearest_the_drivers_district_first(client, val, coordinator):
    for n, (name, postcode) in enumerate(
        [("Leeds", "LS1 4AP"), ("Nine", "NG9 1AA"), ("Five", "NG5 1AA"), ("Four", "NG4 2RL")]
    ):
        first_ride(name, coordinator, days=3 + n, postcode=postcode)
    client.force_login(val)

    def order(page):
        return sorted(["Leeds", "Nine", "Five", "Four"], key=lambda name: page.index(f"{name}, "))

    # No area yet: soonest first.
    assert order(text(client.get(BOARD))) == ["Leeds", "Nine", "Five", "Four"]
    response = client.post(AREA, {"district": " ng4 "})
    assert response.status_code == 302
    assert DriverArea.objects.get(user=val).district == "NG4"
    page = text(client.get(BOARD))
    assert "nearest NG4 first" in page
    assert order(page) == ["Four", "Five", "Nine", "Leeds"]


@pytest.mark.parametrize("typed", ["ZZ", "12", "AB12C", "NG4 2R", "", "x" * 11, "NG\x004"])
def test_a_bad_district_is_refused_next_to_the_field_and_nothing_saved(client, val, typed):
    client.force_login(val)
    response = client.post(AREA, {"district": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert 'id="id_district"' in html and "is-invalid" in html
    assert not DriverArea.objects.exists()


def test_the_board_hides_rides_far_ahead_withdrawn_arranged_or_held(
    client, val, derek, coordinator
):
    open_ride = first_ride("Ada Open", coordinator)
    first_ride("Fay Far", coordinator, days=22)
    withdrawn = CourseFactory(first_start=at(5))
    wendy = rider("Wendy Withdrawn")
    enrol(wendy, withdrawn, coordinator)
    place_withdraw(place=wendy.places.get(), by=coordinator)
    taxi = first_ride("Tom Taxi", coordinator, days=6)
    ride_arrange(ride=taxi, how=Arranged.TAXI, by=coordinator)
    held = first_ride("Hal Held", coordinator, days=7)
    ride_take(ride=held, driver=derek, by=derek)
    covered = first_ride("Cora Cover", coordinator, days=8)
    ride_take(ride=covered, driver=derek, by=derek)
    ride_cover_ask(ride=covered, by=derek)
    client.force_login(val)
    html = client.get(BOARD).content.decode()
    assert ride_url(open_ride, "take") in html
    assert "Fay, from" not in html and "Wendy, from" not in html
    assert ride_url(taxi) not in html and ride_url(held) not in html
    assert ride_url(covered, "take") in html and "Cover wanted" in html
    assert "Take over this ride" in html
    # Derek, who asked for cover, sees it as still his.
    client.force_login(derek)
    assert "Yours: you asked for cover." in text(client.get(BOARD))


def test_the_board_says_when_a_ride_clashes_with_one_the_driver_holds(client, val, coordinator):
    mine = first_ride("Mo Mine", coordinator, hour=10)
    ride_take(ride=mine, driver=val, by=val)
    clash = first_ride("Cal Clash", coordinator, hour=11)
    client.force_login(val)
    html = client.get(BOARD).content.decode()
    assert ride_url(clash) in html
    assert "You hold another ride at that time." in html
    assert ride_url(clash, "take") not in html


def test_a_coordinator_sees_the_board_without_taking_and_is_pointed_to_assigning(
    client, coordinator
):
    first_ride("Ada Open", coordinator)
    client.force_login(coordinator)
    response = client.get(BOARD)
    page = text(response)
    assert response.status_code == 200 and "Ada, from NG4" in page
    assert "Take this ride" not in page and "Sort by nearest" not in page
    assert f'href="{UNMET}"' in response.content.decode()


# --- A ride's page: the details only for its driver, only for a while ----------------------


def test_the_driver_holding_a_ride_sees_the_full_postcode_notes_and_phone(
    client, val, derek, coordinator
):
    ride = first_ride("Alice Jones", coordinator)
    client.force_login(val)
    before = text(client.get(ride_url(ride)))
    assert "NG4 2RL" not in before and "Blue door" not in before and "07700" not in before
    assert "NG4 (the full address shows once the ride is yours)" in before
    ride_take(ride=ride, driver=val, by=val)
    page = text(client.get(ride_url(ride)))
    assert "NG4 2RL" in page and "Blue door, ring twice" in page and "07700 900123" in page
    assert ride.session.venue.one_line_address in page
    # Coordinators see everything.
    client.force_login(coordinator)
    assert "07700 900123" in text(client.get(ride_url(ride)))


def test_the_details_go_a_week_after_the_session(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator)
    ride_take(ride=ride, driver=val, by=val)
    with time_machine.travel(ride.session.end + DETAILS_SHOWN_FOR - timedelta(minutes=1)):
        client.force_login(val)
        assert "NG4 2RL" in text(client.get(ride_url(ride)))
    with time_machine.travel(ride.session.end + DETAILS_SHOWN_FOR + timedelta(minutes=1)):
        client.force_login(val)
        response = client.get(ride_url(ride))
        page = text(response)
        assert response.status_code == 200
        assert "NG4 2RL" not in page and "Blue door" not in page and "07700" not in page
        assert "Alice" in page


def test_another_driver_cannot_open_a_ride_held_without_cover_wanted(
    client, val, derek, coordinator
):
    ride = first_ride("Alice Jones", coordinator)
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(derek)
    assert client.get(ride_url(ride)).status_code == 404
    ride_cover_ask(ride=ride, by=val)
    response = client.get(ride_url(ride))
    page = text(response)
    assert response.status_code == 200
    assert "Take over this ride" in page
    assert "NG4 2RL" not in page and "07700" not in page


@pytest.mark.parametrize("persona", ["workforce", "lived", "finance", "outsider", "passenger"])
def test_people_who_do_not_drive_get_404_on_every_ride(client, personas, persona, val):
    ride = first_ride("Alice Jones", personas["coordinator"])
    open_ride = first_ride("Ben Open", personas["coordinator"], hour=15)
    ride_take(ride=ride, driver=val, by=val)
    people = {
        **personas,
        "outsider": UserFactory(),
        "passenger": UserFactory(roles=[Role.VOLUNTEER], is_driver=False),
    }
    client.force_login(people[persona])
    for target in [ride, open_ride]:
        assert client.get(ride_url(target)).status_code == 404
        assert client.get(ride_url(target, "release")).status_code == 404
        for action in ["take", "cover", "pickup", "release"]:
            assert client.post(ride_url(target, action), {"pickup": "09:40"}).status_code == 404
        for action in ["assign", "arrange"]:
            assert client.post(ride_url(target, action)).status_code == 403
    assert Ride.objects.get(pk=open_ride.pk).driver is None
    assert Ride.objects.get(pk=ride.pk).driver == val


# --- Every page audited, naming nobody -----------------------------------------------------


def test_every_rides_page_adds_an_audit_line_that_names_no_participant(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator)
    unmet = first_ride("Bertha Brown", coordinator, hour=15, postcode="LS1 4AP")
    ride_take(ride=ride, driver=val, by=val)
    visits = [
        (val, BOARD),
        (val, MINE),
        (val, ride_url(ride)),
        (val, ride_url(unmet)),
        (val, ride_url(ride, "release")),
        (coordinator, UNMET),
        (coordinator, BOARD),
        (coordinator, ride_url(ride)),
        (coordinator, ride_url(ride, "release")),
    ]
    for person, url in visits:
        client.force_login(person)
        before = AuditEvent.objects.count()
        assert client.get(url).status_code == 200, url
        assert AuditEvent.objects.count() == before + 1, url
        event = AuditEvent.objects.order_by("-pk").first()
        assert event.actor == person and event.action == "personal_data.viewed", url
        for name in ["Alice", "Jones", "Bertha", "Brown", "NG4", "LS1", "07700"]:
            assert name not in event.summary, (url, event.summary)


# --- Taking, giving back, cover: through the pages ------------------------------------------


def test_a_driver_takes_a_ride_from_the_board_and_lands_on_its_page(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator)
    client.force_login(val)
    response = client.post(ride_url(ride, "take"), {"next": ride_url(ride)})
    assert response.status_code == 302 and response.url == ride_url(ride)
    ride.refresh_from_db()
    assert ride.driver == val
    assert told(response).startswith("The ride is yours: Alice")
    assert "NG4 2RL" in text(client.get(ride_url(ride)))
    assert AuditEvent.objects.filter(action="ride.taken", actor=val).exists()


def test_a_driver_who_loses_the_race_is_told_on_the_board_not_shown_page_not_found(
    client, val, derek, coordinator
):
    ride = first_ride("Alice Jones", coordinator)
    ride_take(ride=ride, driver=derek, by=derek)  # Derek was quicker
    client.force_login(val)
    response = client.post(ride_url(ride, "take"), {"next": ride_url(ride)})
    assert response.status_code == 302 and response.url == BOARD
    assert told(response) == "Another driver has just taken that ride, or it is no longer needed."
    ride.refresh_from_db()
    assert ride.driver == derek


def test_a_ride_that_clashes_is_refused_back_on_the_board(client, val, coordinator):
    ride_take(ride=first_ride("Mo Mine", coordinator, hour=10), driver=val, by=val)
    clash = first_ride("Cal Clash", coordinator, hour=11)
    client.force_login(val)
    response = client.post(ride_url(clash, "take"), {"next": ride_url(clash)})
    assert response.status_code == 302 and response.url == BOARD
    assert told(response).startswith("You hold another ride then")
    clash.refresh_from_db()
    assert clash.driver is None


def test_giving_back_asks_first_saying_what_will_happen_then_does_it(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator)  # ten days away: outside the notice
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(val)
    response = client.get(ride_url(ride, "release"))
    page = text(response)
    assert response.status_code == 200
    assert "Give back this ride?" in page
    assert "You will no longer drive Alice" in page
    assert "goes back on the rides board" in page
    assert "Alice is told their lift is being rearranged" in page
    assert "Give back the ride" in page and "Keep the ride" in page
    ride.refresh_from_db()
    assert ride.driver == val  # asking changed nothing
    response = client.post(ride_url(ride, "release"))
    assert response.status_code == 302 and response.url == MINE
    ride.refresh_from_db()
    assert ride.driver is None
    # Back on the board for others.
    client.force_login(make_driver("Derek Lowe"))
    assert ride_url(ride, "take") in client.get(BOARD).content.decode()


def test_giving_back_inside_the_notice_is_refused_and_points_to_cover(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator, days=3)
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(val)
    page = text(client.get(ride_url(ride, "release")))
    assert "less than 7 days away" in page and "Ask for cover" in page
    assert "Give back the ride" not in page
    response = client.post(ride_url(ride, "release"))
    assert response.status_code == 302
    assert "less than 7 days away" in told(response)
    ride.refresh_from_db()
    assert ride.driver == val


def test_a_coordinator_takes_a_driver_off_after_being_told_what_happens(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator, days=3)
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(coordinator)
    page = text(client.get(ride_url(ride, "release")))
    assert "Take the driver off this ride?" in page and "Val Singh is told." in page
    response = client.post(ride_url(ride, "release"))
    assert response.status_code == 302 and response.url == ride_url(ride)
    ride.refresh_from_db()
    assert ride.driver is None


def test_a_ride_nobody_holds_has_nothing_to_give_back(client, coordinator):
    ride = first_ride("Alice Jones", coordinator)
    client.force_login(coordinator)
    page = text(client.get(ride_url(ride, "release")))
    assert "Nobody holds this ride" in page
    assert "Take the driver off" not in page


def test_a_driver_asks_for_cover_and_withdraws_the_request(client, val, derek, coordinator):
    ride = first_ride("Alice Jones", coordinator, days=3)
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(val)
    response = client.post(ride_url(ride, "cover"))
    assert response.status_code == 302
    ride.refresh_from_db()
    assert ride.cover_wanted_at is not None and ride.driver == val
    assert "I can drive after all" in text(client.get(ride_url(ride)))
    # Asking twice is refused in words.
    response = client.post(ride_url(ride, "cover"))
    assert told(response) == "You have already asked for cover for this ride."
    # Derek can take it over, but not withdraw Val's request.
    client.force_login(derek)
    response = client.post(ride_url(ride, "cover"), {"withdraw": "1"})
    assert told(response) == "Only the driver, or a coordinator, can withdraw it."
    client.force_login(val)
    response = client.post(ride_url(ride, "cover"), {"withdraw": "1"})
    ride.refresh_from_db()
    assert ride.cover_wanted_at is None and ride.driver == val
    client.force_login(derek)
    assert client.get(ride_url(ride)).status_code == 404


def test_another_driver_takes_over_a_ride_offered_for_cover(client, val, derek, coordinator):
    ride = first_ride("Alice Jones", coordinator, days=3)
    ride_take(ride=ride, driver=val, by=val)
    ride_cover_ask(ride=ride, by=val)
    client.force_login(derek)
    response = client.post(ride_url(ride, "take"), {"next": ride_url(ride)})
    assert response.status_code == 302 and response.url == ride_url(ride)
    ride.refresh_from_db()
    assert ride.driver == derek and ride.cover_wanted_at is None
    client.force_login(val)
    assert client.get(ride_url(ride)).status_code == 404


# --- The pick-up time ----------------------------------------------------------------------


def test_the_driver_sets_the_pickup_time(client, val, coordinator):
    ride = first_ride("Alice Jones", coordinator)  # at 10:00
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(val)
    response = client.post(ride_url(ride, "pickup"), {"pickup": "09:40"})
    assert response.status_code == 302 and response.url == ride_url(ride)
    ride.refresh_from_db()
    assert ride.pickup_lead == timedelta(minutes=20)
    assert timezone.localtime(ride.pickup_at).strftime("%H:%M") == "09:40"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the pick-up time."),
        ("25:00", "Enter the pick-up time as a time, like 14:30."),
        ("nine", "Enter the pick-up time as a time, like 14:30."),
        ("10:30", "Enter a pick-up time between 08:00 and 09:55: the session starts at 10:00."),
        ("10:00", "Enter a pick-up time between 08:00 and 09:55: the session starts at 10:00."),
        ("07:30", "Enter a pick-up time between 08:00 and 09:55: the session starts at 10:00."),
        ("09:58", "Enter a pick-up time between 08:00 and 09:55: the session starts at 10:00."),
    ],
)
def test_a_pickup_time_that_cannot_be_shows_next_to_the_field_and_saves_nothing(
    client, val, coordinator, typed, message
):
    ride = first_ride("Alice Jones", coordinator)
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(val)
    response = client.post(ride_url(ride, "pickup"), {"pickup": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: " in html
    assert message in html
    assert 'id="id_pickup"' in html and "is-invalid" in html
    ride.refresh_from_db()
    assert ride.pickup_lead == timedelta(minutes=30)


def test_a_pickup_time_that_runs_into_another_ride_shows_next_to_the_field(
    client, val, coordinator
):
    morning = first_ride("Mo Morning", coordinator, hour=10)  # Val's until 13:15
    afternoon = first_ride("Al Afternoon", coordinator, hour=14)
    for ride in (morning, afternoon):
        ride_take(ride=ride, driver=val, by=val)
    client.force_login(val)
    response = client.post(ride_url(afternoon, "pickup"), {"pickup": "12:30"})
    assert response.status_code == 200
    assert "That pick-up time runs into another ride you hold." in response.content.decode()
    afternoon.refresh_from_db()
    assert afternoon.pickup_lead == timedelta(minutes=30)


def test_a_pickup_time_soon_before_a_session_after_midnight_is_the_evening_before(
    client, val, coordinator
):
    ride = first_ride("Alice Jones", coordinator, hour=0)  # 00:00: a late-night group
    ride_take(ride=ride, driver=val, by=val)
    client.force_login(val)
    response = client.post(ride_url(ride, "pickup"), {"pickup": "23:35"})
    assert response.status_code == 302
    ride.refresh_from_db()
    assert ride.pickup_lead == timedelta(minutes=25)


def test_a_ride_home_has_no_pickup_time_to_set(client, val, coordinator):
    course = CourseFactory(first_start=at(10))
    rides = enrol(rider("Alice Jones", transport_legs=TransportLegs.BACK), course, coordinator)
    home = rides[0]
    assert home.direction == Direction.BACK
    ride_take(ride=home, driver=val, by=val)
    client.force_login(val)
    assert "Save pick-up time" not in text(client.get(ride_url(home)))
    response = client.post(ride_url(home, "pickup"), {"pickup": "09:40"})
    assert response.status_code == 302
    assert told(response) == "A ride home leaves when the session ends."


def test_only_the_driver_or_a_coordinator_sets_the_pickup(client, val, derek, coordinator):
    ride = first_ride("Alice Jones", coordinator)
    client.force_login(derek)  # the ride is on the board: he may see it, not change it
    assert "Save pick-up time" not in text(client.get(ride_url(ride)))
    response = client.post(ride_url(ride, "pickup"), {"pickup": "09:40"})
    assert told(response) == "Only the driver, or a coordinator, can change the pick-up time."
    client.force_login(coordinator)
    assert client.post(ride_url(ride, "pickup"), {"pickup": "09:15"}).status_code == 302
    ride.refresh_from_db()
    assert ride.pickup_lead == timedelta(minutes=45)


# --- Coordinators: assign in one click, or arranged another way -----------------------------


def test_a_coordinator_assigns_a_driver_in_one_click_from_the_rides_wanted(
    client, val, coordinator
):
    ride = first_ride("Alice Jones", coordinator)
    first_ride("Fay Far", coordinator, days=15)  # beyond the two weeks
    client.force_login(coordinator)
    page = text(client.get(UNMET))
    assert "Alice, from NG4" in page and "Fay" not in page
    assert "Val Singh" in page and "Assign" in page
    response = client.post(ride_url(ride, "assign"), {"driver": val.pk, "next": UNMET})
    assert response.status_code == 302 and response.url == UNMET
    ride.refresh_from_db()
    assert ride.driver == val and ride.assigned_by == coordinator
    assert ride_url(ride) not in client.get(UNMET).content.decode()


def test_assigning_a_driver_who_is_not_one_is_refused(client, coordinator, workforce_facilitator):
    ride = first_ride("Alice Jones", coordinator)
    client.force_login(coordinator)
    for driver in ["", "0", "abc", str(workforce_facilitator.pk)]:
        response = client.post(ride_url(ride, "assign"), {"driver": driver, "next": UNMET})
        assert response.status_code == 302
        assert told(response) == "Choose a driver from the list."
    ride.refresh_from_db()
    assert ride.driver is None


def test_a_coordinator_arranges_a_ride_another_way_and_it_leaves_the_lists(
    client, val, coordinator
):
    ride = first_ride("Alice Jones", coordinator)
    client.force_login(coordinator)
    response = client.post(ride_url(ride, "arrange"), {"how": "nonsense"})
    assert told(response) == "Choose how they are getting there."
    ride.refresh_from_db()
    assert ride.arranged == ""
    response = client.post(ride_url(ride, "arrange"), {"how": Arranged.FAMILY})
    assert response.status_code == 302
    ride.refresh_from_db()
    assert ride.arranged == Arranged.FAMILY
    assert ride_url(ride) not in client.get(UNMET).content.decode()
    assert "Arranged another way: Family or a friend" in text(client.get(ride_url(ride)))
    client.force_login(val)
    assert ride_url(ride) not in client.get(BOARD).content.decode()
    assert client.get(ride_url(ride)).status_code == 404
    client.force_login(coordinator)
    client.post(ride_url(ride, "arrange"), {"reopen": "1"})
    ride.refresh_from_db()
    assert ride.arranged == "" and ride.is_unmet


# --- My rides --------------------------------------------------------------------------------


def test_my_rides_lists_the_rides_i_hold_with_their_pickup_postcode(
    client, val, derek, coordinator
):
    mine = first_ride("Alice Jones", coordinator)
    ride_take(ride=mine, driver=val, by=val)
    ride_take(ride=first_ride("Ben Other", coordinator, hour=15), driver=derek, by=derek)
    client.force_login(val)
    page = text(client.get(MINE))
    assert "Alice" in page and "From NG4 2RL" in page
    assert "Ben" not in page
    assert "Nothing driven in the last 7 days." in page


# --- Queries: a fixed number whatever the number of rides -----------------------------------


def grow(size: int, coordinator, driver, offset: int) -> None:
    """``size`` more participants, each on a course of their own starting on a day of its
    own, whose first ride ``driver`` holds; each also has later rides nobody holds."""
    for n in range(offset, offset + size):
        course = CourseFactory(first_start=at(1 + n, hour=10))
        first, *_ = enrol(
            rider(f"Person{n} Surname", postcode=f"NG{n % 9 + 1} 1AA"), course, coordinator
        )
        ride_take(ride=first, driver=driver, by=driver)


@pytest.mark.parametrize(
    ("page", "persona", "queries"),
    [
        ("board", "driver", 7),
        ("board", "coordinator", 7),
        ("mine", "driver", 5),
        ("unmet", "coordinator", 5),
        ("detail", "driver", 5),
        ("detail", "coordinator", 6),
    ],
)
def test_rides_pages_run_a_fixed_number_of_queries(
    client, coordinator, val, django_assert_num_queries, page, persona, queries
):
    DriverArea.objects.create(user=val, district="NG4")
    grow(1, coordinator, val, offset=0)
    watched = Ride.objects.held().get(driver=val)
    person = val if persona == "driver" else coordinator
    client.force_login(person)
    urls = {"board": BOARD, "mine": MINE, "unmet": UNMET, "detail": ride_url(watched)}
    for size, offset in ((1, 1), (11, 2)):
        grow(size, coordinator, val, offset)
        client.get(urls[page])  # the choice of driver, remembered from here on
        with django_assert_num_queries(queries):
            response = client.get(urls[page])
        assert response.status_code == 200
    assert Ride.objects.held().filter(driver=val).count() == 13
