"""Coordinators' messages name the course, venue, session and day they changed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import CourseFactory, VenueFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def tuesday_1_december():
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def carers(db):
    return CourseFactory(
        title="Carers",
        venue=VenueFactory(name="Northgate"),
        first_start=datetime(2026, 12, 11, 10, tzinfo=LONDON),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_moving_a_session_says_where_and_when_it_now_is(client, coordinator, carers):
    session = carers.sessions.get(number=3)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:session_edit", args=[session.pk]),
        {"day": "2026-12-24", "start_time": "13:30", "venue": carers.venue_id},
        follow=True,
    )
    assert messages_of(response) == ["Saved: Carers – Northgate, session 3, Thu 24 Dec at 13:30."]


def test_cancelling_a_session_names_it(client, coordinator, carers):
    session = carers.sessions.get(number=2)
    client.force_login(coordinator)
    response = client.post(reverse("programmes:session_cancel", args=[session.pk]), follow=True)
    assert messages_of(response) == ["Carers – Northgate, session 2, Fri 18 Dec is cancelled."]


def test_saving_and_cancelling_a_course_name_it_with_its_venue(client, coordinator, carers):
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:course_edit", args=[carers.pk]),
        {
            "title": "Carers (Fridays)",
            "venue": carers.venue_id,
            "capacity": 12,
            "status": "published",
        },
        follow=True,
    )
    assert messages_of(response) == ["Carers (Fridays) – Northgate is saved."]
    response = client.post(reverse("programmes:course_cancel", args=[carers.pk]), follow=True)
    assert messages_of(response) == [
        "Carers (Fridays) – Northgate is cancelled, with 6 future sessions. Past sessions "
        "are unchanged."
    ]
