from __future__ import annotations

import importlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from hope.models import AuditEvent
from tests.factories import CourseFactory, VenueFactory
from venues.models import Venue, VenuePrice

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

GOOD_VENUE = {
    "name": "Oakfield Library",
    "address": "2 Oakfield Parade",
    "postcode": " ng7  1ol ",
    "setting": "community",
    "room_capacity": "14",
    "hire_cost": "0",
    "step_free_access": "on",
    "hearing_loop": "on",
    "is_active": "on",
}


def test_coordinator_adds_a_venue_and_the_change_is_recorded(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("venues:venue_create"), GOOD_VENUE)
    venue = Venue.objects.get()
    assert response.url == reverse("venues:venue_detail", args=[venue.pk])
    assert venue.postcode == "NG7 1OL"
    assert venue.accessibility_facts() == ["Step-free access", "Hearing loop"]
    client.post(reverse("venues:venue_edit", args=[venue.pk]), {**GOOD_VENUE, "hire_cost": "12.50"})
    venue.refresh_from_db()
    assert str(venue.hire_cost) == "12.50"
    event = AuditEvent.objects.get(action="venue.changed")
    assert "hire_cost" in event.summary and event.actor == coordinator


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"hire_cost": "-5"}, "hire_cost", "The hire cost per session must be 0.00 or more."),
        ({"hire_cost": "12.345"}, "hire_cost", "no more than 2 decimal places"),
        ({"hire_cost": "lots"}, "hire_cost", "Enter the hire cost per session as a number"),
        ({"room_capacity": "0"}, "room_capacity", "The room capacity must be 1 or more."),
        ({"setting": "castle"}, "setting", "Choose the kind of setting from the list."),
        ({"name": ""}, "name", "Enter the name."),
    ],
)
def test_bad_venue_input_is_refused_at_the_field(client, coordinator, overrides, field, message):
    client.force_login(coordinator)
    response = client.post(reverse("venues:venue_create"), {**GOOD_VENUE, **overrides})
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not Venue.objects.exists()


def test_venue_sessions_page_lists_its_upcoming_sessions(client, volunteer):
    venue = VenueFactory()
    course = CourseFactory(venue=venue, title="Tuesday group")
    CourseFactory(title="Somewhere else")
    client.force_login(volunteer)
    page = client.get(reverse("venues:venue_detail", args=[venue.pk])).content.decode()
    assert reverse("programmes:venue_sessions", args=[venue.pk]) in page
    response = client.get(reverse("programmes:venue_sessions", args=[venue.pk]))
    sessions = list(response.context["page"])
    assert len(sessions) == 6 and all(s.course == course for s in sessions)
    assert "Somewhere else" not in response.content.decode()


def test_venue_list_marks_community_settings_and_hides_closed_venues(client, volunteer):
    VenueFactory(name="Church hall", setting="community")
    VenueFactory(name="City hospital", setting="acute_hospital")
    VenueFactory(name="Closed centre", is_active=False)
    client.force_login(volunteer)
    html = client.get(reverse("venues:venue_list")).content.decode()
    assert "Community venue" in html and "Acute hospital" in html
    assert "Closed centre" not in html
    assert "Closed centre" in client.get(reverse("venues:venue_list") + "?all=1").content.decode()


def test_the_venue_page_shows_its_hire_price_history_to_those_who_see_costs(
    client, coordinator, volunteer
):
    with time_machine.travel(datetime(2026, 5, 4, 12, tzinfo=LONDON), tick=False):
        client.force_login(coordinator)
        client.post(reverse("venues:venue_create"), {**GOOD_VENUE, "hire_cost": "25.00"})
        venue = Venue.objects.get()
        page = client.get(reverse("venues:venue_detail", args=[venue.pk])).content.decode()
        assert "£25.00" in page and "Hire price history" not in page  # one price: no history
    with time_machine.travel(datetime(2026, 9, 14, 12, tzinfo=LONDON), tick=False):
        client.force_login(coordinator)  # a new sign-in: months have passed
        client.post(
            reverse("venues:venue_edit", args=[venue.pk]), {**GOOD_VENUE, "hire_cost": "30"}
        )
        client.post(
            reverse("venues:venue_edit", args=[venue.pk]), {**GOOD_VENUE, "hire_cost": "32"}
        )
        client.post(
            reverse("venues:venue_edit", args=[venue.pk]),
            {**GOOD_VENUE, "hire_cost": "32.00", "name": "Oak"},
        )
        html = client.get(reverse("venues:venue_detail", args=[venue.pk])).content.decode()
    history = html.split("Hire price history")[1]
    assert "From 14 Sep 2026" in history and "£32.00" in history
    assert "From the start" in history and "£25.00" in history
    assert "£30.00" not in history  # the same day's price was corrected, not a new step
    client.force_login(volunteer)
    assert (
        "Hire price history"
        not in client.get(reverse("venues:venue_detail", args=[venue.pk])).content.decode()
    )


def test_existing_venues_get_their_price_from_the_start(db):
    """The data migration: today's price, in force since before any session was held."""
    from django.apps import apps

    migration = importlib.import_module("venues.migrations.0002_venueprice")
    venue = VenueFactory(hire_cost="18.00")
    VenuePrice.objects.all().delete()
    migration.seed_prices(apps, None)
    assert list(venue.prices.values_list("valid_from", "hire_cost")) == [
        (date(2000, 1, 1), Decimal("18.00"))
    ]
