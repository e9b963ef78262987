"""Cancelling a course or a session asks first, saying exactly who will be told; the
page's counts are the ones the cancelling service then acts on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilitators.models import SessionClaim
from hope.models import Message
from hope.roles import FacilitatorKind
from programmes.models import Channel, ClosureDate, CourseStatus, PlaceStatus
from programmes.services import course_cancel_effects, session_cancel_effects
from programmes.services.participants import place_request
from tests.factories import (
    ClosureDateFactory,
    CourseFactory,
    FacilitatorProfileFactory,
    ParticipantFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(coordinator):
    """Six sessions from next week; Ann holds three of them and Bob the first; three
    participants enrolled and one on the waiting list, all reachable by email, and Cath,
    enrolled, who hears from us by letter only."""
    course = CourseFactory(
        title="Living well",
        programme=ProgrammeFactory(sessions_per_course=6),
        capacity=4,
        first_start=timezone.now() + timedelta(days=7),
    )
    sessions = list(course.sessions.order_by("number"))
    ann = FacilitatorProfileFactory(user__full_name="Ann Heron", kind=FacilitatorKind.WORKFORCE)
    bob = FacilitatorProfileFactory(
        user__full_name="Bob Finch", kind=FacilitatorKind.LIVED_EXPERIENCE
    )
    for session in sessions[:3]:
        SessionClaimFactory(session=session, facilitator=ann)
    SessionClaimFactory(session=sessions[0], facilitator=bob)
    for _ in range(3):
        place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    place_request(
        participant=ParticipantFactory(
            full_name="Cath Wren", preferred_channel=Channel.LETTER, postal_address="1 Lane"
        ),
        course=course,
        by=coordinator,
    )
    waiting = place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    assert waiting.status == PlaceStatus.WAITING
    Message.objects.all().delete()  # the places' own confirmations are not the point here
    return course


def test_course_cancel_page_says_how_many_sessions_and_who_is_told(client, coordinator, course):
    client.force_login(coordinator)
    response = client.get(reverse("programmes:course_cancel", args=[course.pk]))
    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert "6 sessions will be cancelled and 2 facilitators told." in text
    assert "Ann Heron, Bob Finch" in text
    assert "4 participants told" in text
    assert "Cath Wren" in text and "Tell them yourself" in text
    assert "This cannot be undone" in text


def test_opening_the_course_cancel_page_changes_nothing(client, coordinator, course):
    client.force_login(coordinator)
    client.get(reverse("programmes:course_cancel", args=[course.pk]))
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    assert not course.sessions.filter(is_cancelled=True).exists()
    assert SessionClaim.objects.held().count() == 4
    assert not Message.objects.exists()


def test_confirming_tells_exactly_the_people_the_page_named(client, coordinator, course):
    effects = course_cancel_effects(course)
    client.force_login(coordinator)
    response = client.post(reverse("programmes:course_cancel", args=[course.pk]))
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED
    assert course.sessions.filter(is_cancelled=True).count() == effects.session_count == 6
    told = Message.objects.filter(kind="session_notice")
    names = sorted(set(told.values_list("recipient__full_name", flat=True)))
    assert names == effects.facilitators == ["Ann Heron", "Bob Finch"]
    participants = Message.objects.filter(kind="participant_course_cancelled")
    assert participants.count() == effects.participants_told == 4


def test_course_with_nothing_left_to_cancel_says_nobody_is_told(client, coordinator):
    course = CourseFactory(first_start=timezone.now() - timedelta(weeks=10))
    client.force_login(coordinator)
    text = client.get(reverse("programmes:course_cancel", args=[course.pk])).content.decode()
    assert "has no sessions still to come, so nobody is told" in text


def test_a_cancelled_course_page_offers_no_button(client, coordinator, course):
    course.status = CourseStatus.CANCELLED
    course.save()
    client.force_login(coordinator)
    response = client.get(reverse("programmes:course_cancel", args=[course.pk]))
    assert "This course is already cancelled." in response.content.decode()
    assert b"Cancel the course</button>" not in response.content


def test_session_cancel_page_names_who_is_told(client, coordinator, course):
    session = course.sessions.get(number=1)
    client.force_login(coordinator)
    response = client.get(reverse("programmes:session_cancel", args=[session.pk]))
    text = " ".join(response.content.decode().split())
    assert "2 facilitators told</strong> and freed from it: Ann Heron, Bob Finch." in text
    assert "3 participants told" in text  # the enrolled ones; not those waiting
    assert "Cath Wren" in text
    assert not session.claims.filter(released_at__isnull=False).exists()


def test_session_cancel_tells_those_the_page_named(client, coordinator, course):
    session = course.sessions.get(number=2)
    effects = session_cancel_effects(session)
    assert effects.facilitators == ["Ann Heron"]
    client.force_login(coordinator)
    client.post(reverse("programmes:session_cancel", args=[session.pk]))
    session.refresh_from_db()
    assert session.is_cancelled
    assert Message.objects.filter(kind="session_notice").count() == 1
    assert (
        Message.objects.filter(kind="participant_session_cancelled").count()
        == effects.participants_told
        == 3
    )


def test_a_past_session_cannot_be_cancelled_from_its_page(client, coordinator):
    session = CourseFactory(first_start=timezone.now() - timedelta(days=1)).sessions.first()
    client.force_login(coordinator)
    response = client.get(reverse("programmes:session_cancel", args=[session.pk]))
    assert "already started" in response.content.decode()
    assert b"Cancel session 1</button>" not in response.content


def test_course_page_links_to_the_confirmation_rather_than_cancelling(client, coordinator, course):
    client.force_login(coordinator)
    html = client.get(reverse("programmes:course_detail", args=[course.pk])).content.decode()
    assert f'href="{reverse("programmes:course_cancel", args=[course.pk])}"' in html
    assert f'action="{reverse("programmes:course_cancel", args=[course.pk])}"' not in html
    session = course.sessions.get(number=1)
    assert f'href="{reverse("programmes:session_cancel", args=[session.pk])}"' in html


def test_cancel_pages_queries_do_not_grow_with_the_course(client, coordinator):
    client.force_login(coordinator)
    counts = []
    for size in (1, 4):
        course = CourseFactory(
            programme=ProgrammeFactory(sessions_per_course=size * 2, completion_min_sessions=1),
            first_start=timezone.now() + timedelta(days=7, hours=size),
        )
        for session in course.sessions.all()[:size]:
            SessionClaimFactory(session=session)
        for _ in range(size):
            place_request(participant=ParticipantFactory(), course=course, by=coordinator)
        session = course.sessions.first()
        with CaptureQueriesContext(connection) as course_page:
            client.get(reverse("programmes:course_cancel", args=[course.pk]))
        with CaptureQueriesContext(connection) as session_page:
            client.get(reverse("programmes:session_cancel", args=[session.pk]))
        counts.append((len(course_page), len(session_page)))
    assert counts[0] == counts[1]


def test_removing_a_closure_asks_first(client, coordinator):
    closure = ClosureDateFactory(reason="Boiler repair", venue=VenueFactory(name="Elm Hall"))
    client.force_login(coordinator)
    url = reverse("programmes:closure_delete", args=[closure.pk])
    text = " ".join(client.get(url).content.decode().split())
    assert "Boiler repair (Elm Hall only)" in text
    assert "Sessions already planned do not move, and nobody is told." in text
    assert ClosureDate.objects.filter(pk=closure.pk).exists()
    listing = client.get(reverse("programmes:closure_list")).content.decode()
    assert f'href="{url}"' in listing and f'action="{url}"' not in listing
    client.post(url)
    assert not ClosureDate.objects.filter(pk=closure.pk).exists()
