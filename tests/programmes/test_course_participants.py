"""A course's participants: coordinators see everyone by name; a facilitator who holds one
of its sessions sees first names and access needs, only around the course; nobody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent
from programmes.models import Place, PlaceStatus
from programmes.services.participants import place_request, place_withdraw
from tests.factories import CourseFactory, ParticipantFactory, SessionClaimFactory

pytestmark = pytest.mark.django_db


def list_url(course) -> str:
    return reverse("programmes:course_participants", args=[course.pk])


@pytest.fixture
def course(coordinator):
    """Two places: Margaret and Dev enrolled; then Dev leaves, so Priya (first waiting)
    is offered his place and Tom waits."""
    course = CourseFactory(
        title="Carers – Tuesdays",
        capacity=2,
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=5),
    )
    people = {
        name: ParticipantFactory(
            full_name=full, preferred_name=preferred, access_needs=needs, mobile="07700 900123"
        )
        for name, full, preferred, needs in [
            ("margaret", "Margaret Okafor", "Maggie", "Hearing loop"),
            ("dev", "Dev Sharma", "", ""),
            ("priya", "Priya Lal", "", "Step-free access"),
            ("tom", "Tom Reed", "", ""),
        ]
    }
    places = {
        n: place_request(participant=p, course=course, by=coordinator) for n, p in people.items()
    }
    place_withdraw(place=places["dev"], by=coordinator)
    course.people = people
    return course


@pytest.fixture
def holder(workforce_facilitator, course):
    SessionClaimFactory(
        session=course.sessions.get(number=2),
        facilitator=workforce_facilitator.facilitator_profile,
    )
    return workforce_facilitator


def test_coordinator_sees_enrolled_offers_with_deadline_and_the_waiting_list_in_order(
    client, coordinator, course
):
    later = ParticipantFactory(full_name="Zed Last")
    place_request(participant=later, course=course, by=coordinator)
    client.force_login(coordinator)
    response = client.get(list_url(course))
    assert response.status_code == 200
    assert [p.participant.full_name for p in response.context["enrolled"]] == ["Margaret Okafor"]
    assert [p.participant.full_name for p in response.context["offered"]] == ["Priya Lal"]
    assert [p.participant.full_name for p in response.context["waiting"]] == [
        "Tom Reed",
        "Zed Last",
    ]
    html = response.content.decode()
    offer = Place.objects.get(status=PlaceStatus.OFFERED)
    deadline = timezone.localtime(offer.offer_expires_at)
    assert f"{deadline:%-d %b %Y}, {deadline:%H:%M}" in html
    assert reverse("programmes:participant_detail", args=[course.people["margaret"].pk]) in html
    assert "Dev Sharma" not in html  # he left
    assert "Enrolled: 1 of 2 places (1 more held by offer)" in html


def test_a_facilitator_who_holds_a_session_sees_first_names_and_access_needs_only(
    client, holder, course
):
    client.force_login(holder)
    response = client.get(list_url(course))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Maggie" in html and "Hearing loop" in html
    for hidden in ["Okafor", "Margaret", "07700", "Priya", "Step-free", "Tom", "Waiting"]:
        assert hidden not in html.split("<main")[1], hidden
    assert "/participants/" not in html
    assert response.context["offered"] == [] and response.context["waiting"] == []


def test_a_facilitator_sees_them_only_from_14_days_before_to_30_days_after(client, holder, course):
    first = course.sessions.get(number=1).start
    last_end = course.sessions.get(number=6).end
    for when, status in [
        (first - timedelta(days=15), 404),
        (first - timedelta(days=13), 200),
        (last_end + timedelta(days=29), 200),
        (last_end + timedelta(days=31), 404),
    ]:
        with time_machine.travel(when, tick=False):
            client.force_login(holder)
            assert client.get(list_url(course)).status_code == status, when
            # The course page links to the list exactly when it may be opened.
            detail = client.get(reverse("programmes:course_detail", args=[course.pk]))
            assert (list_url(course) in detail.content.decode()) is (status == 200), when


def test_a_facilitator_gets_404_for_a_course_they_do_not_hold(
    client, holder, coordinator, lived_facilitator
):
    other = CourseFactory(first_start=timezone.now() + timedelta(days=6, hours=3))
    place_request(participant=ParticipantFactory(), course=other, by=coordinator)
    client.force_login(holder)
    assert client.get(list_url(other)).status_code == 404
    client.force_login(lived_facilitator)
    assert client.get(list_url(other)).status_code == 404


def test_a_released_session_no_longer_shows_them(client, holder, course):
    from facilitators.models import SessionClaim

    SessionClaim.objects.filter(facilitator__user=holder).update(released_at=timezone.now())
    client.force_login(holder)
    assert client.get(list_url(course)).status_code == 404


@pytest.mark.parametrize("persona", ["volunteer", "finance", "lived"])
def test_everyone_else_gets_404_and_no_link(client, personas, course, persona):
    client.force_login(personas[persona])
    audit_lines = AuditEvent.objects.count()
    assert client.get(list_url(course)).status_code == 404
    detail = client.get(reverse("programmes:course_detail", args=[course.pk]))
    assert list_url(course) not in detail.content.decode()
    assert AuditEvent.objects.count() == audit_lines


def test_every_view_is_audited_by_course_number(client, coordinator, holder, course):
    for person in (coordinator, holder):
        client.force_login(person)
        client.get(list_url(course))
    summaries = list(
        AuditEvent.objects.filter(action="personal_data.viewed")
        .order_by("pk")
        .values_list("actor", "summary")
    )
    expected = f"Opened the participants of course #{course.pk}"
    assert summaries == [(coordinator.pk, expected), (holder.pk, expected)]


def test_the_course_page_links_coordinators_to_the_list(client, coordinator, course):
    client.force_login(coordinator)
    html = client.get(reverse("programmes:course_detail", args=[course.pk])).content.decode()
    assert f'href="{list_url(course)}">Participants</a>' in html


def test_the_course_participants_page_shows_who_completed(client, coordinator):
    from django.utils import timezone

    from programmes.models import Attendance, Mark
    from programmes.services.participants import place_request
    from tests.factories import CourseFactory, ParticipantFactory

    course = CourseFactory(first_start=timezone.now() - timedelta(weeks=5, hours=1))
    course.programme.completion_min_sessions = 3
    course.programme.save()
    done, not_done = ParticipantFactory(full_name="Ada Done"), ParticipantFactory()
    for person in (done, not_done):
        place = place_request(participant=person, course=course, by=coordinator)
        lines = list(Attendance.objects.filter(place=place).order_by("start"))
        assert lines  # the sixth session is still to come, so a place was possible
    # Register lines for sessions already held are written as the demo does.
    for place in course.places.all():
        for number in range(1, 6):
            session = course.sessions.get(number=number)
            Attendance.objects.get_or_create(
                place=place, session=session, participant=place.participant,
                defaults={"start": session.start, "end": session.end},
            )  # fmt: skip
        wanted = 3 if place.participant == done else 2
        for line in Attendance.objects.filter(place=place).order_by("start")[:wanted]:
            line.mark = Mark.PRESENT
            line.save()
    client.force_login(coordinator)
    rows = {
        p.participant_id: (p.sessions_attended, p.completed)
        for p in client.get(reverse("programmes:course_participants", args=[course.pk])).context[
            "enrolled"
        ]
    }
    assert rows == {done.pk: (3, True), not_done.pk: (2, False)}


# The enrolled row as the template wrote it before programmes/course_people_rows.py.
_TEMPLATE_ROW = """
      <tr>
        <th scope="row"><a href="{{ place.url }}">{% if place.participant.is_anonymised %}Participant #{{ place.participant_id }}{% else %}{{ place.participant.full_name }}{% endif %}</a></th>
        <td data-label="Enrolled">{{ place.enrolled_at|date:"j M Y" }}</td>
        <td data-label="Attended">{{ place.sessions_attended }} of {{ place.sessions_on_register }}{% if place.completed %} <span class="badge text-bg-success">Completed</span>{% endif %}</td>
        <td data-label="Access needs">{{ place.participant.access_needs|default:"None given" }}</td>
        <td data-label="Transport">{% if place.participant.needs_transport %}From {{ place.participant.pickup_postcode }}{% else %}Own way{% endif %}</td>
      </tr>"""  # noqa: E501


@pytest.mark.parametrize(
    "enrolled_at",
    [
        timezone.now() - timedelta(hours=23),
        None,
        # 00:30 on 3 September in London: the day is the local one.
        datetime(2025, 9, 2, 23, 30, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("completed", [False, True])
@pytest.mark.parametrize(
    "person",
    [
        {"full_name": "Ada <O'Brien>", "access_needs": "Step-free & quiet"},
        {"full_name": "Ben", "needs_transport": True, "pickup_postcode": "NG1 5SM"},
        {"full_name": "", "anonymised_at": timezone.now()},
    ],
)
def test_an_enrolled_row_is_written_as_the_template_wrote_it(person, completed, enrolled_at):
    from django.template import Context, Template

    from programmes.course_people_rows import enrolled_row
    from programmes.models import Participant

    place = Place(
        participant=Participant(pk=7, **person),
        enrolled_at=enrolled_at,
    )
    place.url, place.sessions_attended, place.sessions_on_register = "/participants/7/", 3, 6
    place.completed = completed
    assert enrolled_row(place) == Template(_TEMPLATE_ROW).render(Context({"place": place}))
