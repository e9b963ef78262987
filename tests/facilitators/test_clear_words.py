"""Nobody is left guessing: every message names the course, venue, session and day, the
cover badges say what is missing, and a request for cover can be taken back."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import strip_tags

from facilitators.models import CoverRequest
from tests.factories import (
    CourseFactory,
    SessionClaimFactory,
    TrainingFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def tuesday_8_december():
    # Session 1 is on Friday 11 December (3 days on: too close to release), session 2
    # on Friday 18 December.
    with time_machine.travel(datetime(2026, 12, 8, 9, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def carers(programme):
    return CourseFactory(
        programme=programme,
        title="Carers",
        venue=VenueFactory(name="Northgate"),
        first_start=datetime(2026, 12, 11, 10, tzinfo=LONDON),
    )


def session_of(course, number):
    return course.sessions.select_related("course", "venue").get(number=number)


def messages_of(response) -> list[str]:
    """The words of each message, without the Undo or Take back form some carry."""
    return [strip_tags(str(m)).split("\n")[0].strip() for m in response.context["messages"]]


def test_a_session_is_named_by_course_venue_number_and_day(carers, programme):
    assert session_of(carers, 3).label == "Carers – Northgate, session 3, Fri 25 Dec"
    online = CourseFactory(
        programme=programme,
        title="Evenings",
        venue=None,
        first_start=datetime(2026, 12, 10, 18, 30, tzinfo=LONDON),
    )
    assert session_of(online, 1).label == "Evenings – online, session 1, Thu 10 Dec"


def test_cover_badges_say_which_slot_is_filled_and_who_is_still_needed(
    client, coordinator, carers, workforce, lived
):
    SessionClaimFactory(session=session_of(carers, 1), facilitator=workforce)
    SessionClaimFactory(session=session_of(carers, 2), facilitator=lived)
    client.force_login(coordinator)
    html = client.get(reverse("programmes:course_detail", args=[carers.pk])).content.decode()
    assert "Workforce slot filled — needs a lived-experience facilitator" in html
    assert "Lived-experience slot filled — needs a workforce facilitator" in html
    assert "Needs both facilitators" in html
    assert "Workforce only" not in html and "Lived experience only" not in html
    # The workforce facilitator's board says the open session needs someone like them.
    client.force_login(workforce.user)
    html = client.get(reverse("facilitators:board")).content.decode()
    assert "Lived-experience slot filled — needs a workforce facilitator" in html


def test_claiming_a_session_names_it(client, carers, workforce):
    client.force_login(workforce.user)
    session = session_of(carers, 2)
    response = client.post(reverse("facilitators:claim_session", args=[session.pk]), follow=True)
    assert messages_of(response) == [
        "You are running Carers – Northgate, session 2, Fri 18 Dec at 10:00."
    ]


def test_claiming_a_whole_course_names_the_sessions_and_days(client, carers, workforce):
    client.force_login(workforce.user)
    ids = [s.pk for s in carers.sessions.all()]
    response = client.post(
        reverse("facilitators:claim_course", args=[carers.pk]), {"session": ids}, follow=True
    )
    assert messages_of(response) == [
        "You are running Carers – Northgate: sessions 1, 2, 3, 4, 5 and 6, "
        "Fri 11 Dec to Fri 15 Jan."
    ]


def test_assigning_names_the_person_and_the_session(client, coordinator, carers, lived):
    client.force_login(coordinator)
    session = session_of(carers, 3)
    response = client.post(
        reverse("facilitators:assign", args=[session.pk]),
        {"facilitator": lived.pk},
        follow=True,
    )
    assert messages_of(response) == [
        f"{lived.user.full_name} assigned to Carers – Northgate, session 3, Fri 25 Dec."
    ]


def test_releasing_names_the_session_for_the_holder_and_the_coordinator(
    client, coordinator, carers, workforce
):
    mine = SessionClaimFactory(session=session_of(carers, 2), facilitator=workforce)
    client.force_login(workforce.user)
    response = client.post(reverse("facilitators:release", args=[mine.pk]), follow=True)
    assert messages_of(response) == [
        "You have released Carers – Northgate, session 2, Fri 18 Dec. It is back on the "
        "open sessions board."
    ]
    theirs = SessionClaimFactory(session=session_of(carers, 1), facilitator=workforce)
    client.force_login(coordinator)
    response = client.post(reverse("facilitators:release", args=[theirs.pk]), follow=True)
    assert messages_of(response) == [
        f"{workforce.user.full_name} is released from Carers – Northgate, session 1, Fri 11 Dec."
    ]


def test_a_cover_request_is_asked_for_and_withdrawn_from_my_sessions(client, carers, workforce):
    claim = SessionClaimFactory(session=session_of(carers, 1), facilitator=workforce)
    client.force_login(workforce.user)
    response = client.post(
        reverse("facilitators:ask_cover", args=[claim.pk]), {"reason": ""}, follow=True
    )
    assert messages_of(response) == [
        "Your request for cover for Carers – Northgate, session 1, Fri 11 Dec is on your "
        "colleagues' boards. You keep the session until someone accepts."
    ]
    request_ = CoverRequest.objects.get(claim=claim)
    html = response.content.decode()
    withdraw_url = reverse("facilitators:withdraw_cover", args=[request_.pk])
    assert f'action="{withdraw_url}"' in html
    assert "Withdraw cover request" in html

    response = client.post(withdraw_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("facilitators:mine")
    assert messages_of(response) == [
        "Your request for cover for Carers – Northgate, session 1, Fri 11 Dec is withdrawn. "
        "The session stays yours."
    ]
    request_.refresh_from_db()
    assert request_.outcome == "withdrawn"
    html = response.content.decode()
    # Back to where it was: no withdraw button, and cover can be asked for again.
    assert "Withdraw cover request" not in html
    assert reverse("facilitators:ask_cover", args=[claim.pk]) in html


def test_covering_a_colleague_names_the_session(client, carers, workforce, programme):
    from hope.roles import FacilitatorKind
    from tests.factories import FacilitatorProfileFactory

    claim = SessionClaimFactory(session=session_of(carers, 1), facilitator=workforce)
    CoverRequest.objects.create(claim=claim, reason="")
    colleague = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
    TrainingFactory(profile=colleague, programme=programme)
    client.force_login(colleague.user)
    request_ = CoverRequest.objects.get(claim=claim)
    response = client.post(reverse("facilitators:accept_cover", args=[request_.pk]), follow=True)
    assert messages_of(response) == [
        "Thank you: Carers – Northgate, session 1, Fri 11 Dec is now yours."
    ]


def test_recording_training_names_the_person_and_programme(client, coordinator, workforce):
    from tests.factories import ProgrammeFactory

    walking = ProgrammeFactory(name="HOPE for walkers")
    client.force_login(coordinator)
    response = client.post(
        reverse("facilitators:facilitator_edit", args=[workforce.pk]),
        {"action": "training", "programme": walking.pk, "trained_on": "2026-11-01"},
        follow=True,
    )
    assert messages_of(response) == [
        f"{workforce.user.full_name}'s training in HOPE for walkers is recorded."
    ]
