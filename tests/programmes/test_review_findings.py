"""Found in review: a former facilitator's access, the register's window, a course edited
below or above the places held, and feedback on anonymised or never-enrolled places."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hope.roles import Role
from programmes.models import Participant, Place, PlaceStatus
from programmes.services import CourseError, course_update
from programmes.services.participants import PlaceError, feedback_record, place_request
from tests.factories import CourseFactory, ParticipantFactory, SessionClaimFactory

pytestmark = pytest.mark.django_db


def test_someone_no_longer_a_facilitator_cannot_open_a_register_they_once_held(
    client, coordinator, workforce_facilitator
):
    course = CourseFactory(first_start=timezone.now() - timedelta(days=1))
    session = course.sessions.get(number=1)
    SessionClaimFactory(session=session, facilitator=workforce_facilitator.facilitator_profile)
    place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    client.force_login(workforce_facilitator)
    url = reverse("programmes:register", args=[session.pk])
    assert client.get(url).status_code == 200
    workforce_facilitator.groups.clear()
    workforce_facilitator.groups.add(*Role_groups([Role.VOLUNTEER]))
    workforce_facilitator._hope_roles = None
    assert client.get(url).status_code == 404
    participants = reverse("programmes:course_participants", args=[course.pk])
    assert client.get(participants).status_code == 404


def Role_groups(names):  # noqa: N802 (reads like the role list it takes)
    from django.contrib.auth.models import Group

    return [Group.objects.get_or_create(name=name)[0] for name in names]


def test_a_register_months_before_the_course_shows_nobody(client, workforce_facilitator):
    course = CourseFactory(first_start=timezone.now() + timedelta(days=90))
    last = course.sessions.order_by("-number").first()
    SessionClaimFactory(session=last, facilitator=workforce_facilitator.facilitator_profile)
    client.force_login(workforce_facilitator)
    assert client.get(reverse("programmes:register", args=[last.pk])).status_code == 404


def test_a_course_cannot_be_made_smaller_than_the_places_held(coordinator):
    course = CourseFactory(capacity=3)
    for _ in range(3):
        place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    with pytest.raises(CourseError, match="3 people hold places") as refused:
        course_update(
            course=course, title=course.title, capacity=2, status=course.status,
            venue=course.venue, by=coordinator,
        )  # fmt: skip
    assert refused.value.field == "capacity"
    course.refresh_from_db()
    assert course.capacity == 3


def test_new_places_go_to_those_waiting_before_anyone_new(coordinator):
    course = CourseFactory(capacity=1)
    place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    waiting = place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    course_update(
        course=course, title=course.title, capacity=2, status=course.status,
        venue=course.venue, by=coordinator,
    )  # fmt: skip
    assert Place.objects.get(pk=waiting.pk).status == PlaceStatus.OFFERED
    newcomer = place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    assert newcomer.status == PlaceStatus.WAITING


def test_feedback_is_refused_on_an_anonymised_record_or_a_place_never_taken(coordinator):
    course = CourseFactory(capacity=1)
    place = place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    waiting = place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    with pytest.raises(PlaceError, match="had a place"):
        feedback_record(place=waiting, text="Lovely", by=coordinator)
    Participant.objects.filter(pk=place.participant_id).update(
        anonymised_at=timezone.now(), full_name="", email="", mobile=""
    )
    with pytest.raises(PlaceError, match="anonymised"):
        feedback_record(place=place, text="Lovely", by=coordinator)
    assert not Place.objects.exclude(feedback="").exists()
