"""The attendance register: who may open it, what each person sees, marks saved by a
plain form or by the page's script (JSON), retries that save once, and the completion
rule in its one home."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent
from programmes.models import Attendance, Mark, Place
from programmes.services.participants import attendance_mark, place_request
from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    ParticipantFactory,
    PlaceFactory,
    ProgrammeFactory,
    SessionClaimFactory,
)

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def course():
    """A course whose first session began half an hour ago: today's register is open."""
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    return CourseFactory(
        title="Carers – Tuesdays",
        capacity=20,
        first_start=start,
        programme=ProgrammeFactory(sessions_per_course=6, completion_min_sessions=2),
    )


@pytest.fixture
def session(course, workforce_facilitator):
    """Session 1, held by the workforce facilitator."""
    session = course.sessions.get(number=1)
    SessionClaimFactory(session=session, facilitator=workforce_facilitator.facilitator_profile)
    return session


@pytest.fixture
def alice(course, coordinator):
    person = ParticipantFactory(
        full_name="Alice Smithers", access_needs="Uses a hearing loop; sits near the front."
    )
    place_request(participant=person, course=course, by=coordinator)
    return person


def line_of(person, session) -> Attendance:
    return Attendance.objects.get(participant=person, session=session)


def register_url(session) -> str:
    return reverse("programmes:register", args=[session.pk])


def mark_url(line: Attendance) -> str:
    return reverse("programmes:register_mark", args=[line.session_id, line.pk])


def test_the_facilitator_holding_the_session_sees_first_names_and_access_needs_only(
    client, session, alice, workforce_facilitator
):
    client.force_login(workforce_facilitator)
    response = client.get(register_url(session))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice" in page and "Smithers" not in page
    assert "Uses a hearing loop; sits near the front." in page
    assert "0 of 6 sessions attended." in page
    assert "Not completed yet (the programme asks for 2)." in page
    # Three buttons for the line, none pressed yet.
    assert page.count('aria-pressed="false"') == 3


def test_a_coordinator_sees_full_names(client, session, alice, coordinator):
    client.force_login(coordinator)
    response = client.get(register_url(session))
    assert response.status_code == 200
    assert "Alice Smithers" in response.content.decode()


@pytest.mark.parametrize("who", ["lived_facilitator", "volunteer", "outsider"])
def test_anyone_not_running_the_session_gets_404_and_can_mark_nothing(
    client, request, session, alice, who
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(register_url(session)).status_code == 404
    line = line_of(alice, session)
    assert client.post(mark_url(line), {"mark": Mark.PRESENT}).status_code == 404
    assert Attendance.objects.get(pk=line.pk).mark == ""


def test_a_facilitator_who_released_the_session_can_no_longer_open_its_register(
    client, session, alice, workforce_facilitator
):
    session.claims.update(released_at=timezone.now())
    client.force_login(workforce_facilitator)
    assert client.get(register_url(session)).status_code == 404


def test_a_line_of_another_session_is_404(client, session, alice, coordinator):
    client.force_login(coordinator)
    other = line_of(alice, session.course.sessions.get(number=2))
    url = reverse("programmes:register_mark", args=[session.pk, other.pk])
    assert client.post(url, {"mark": Mark.PRESENT}).status_code == 404


def test_opening_a_register_is_audited_without_anyones_name(
    client, session, alice, workforce_facilitator
):
    client.force_login(workforce_facilitator)
    client.get(register_url(session))
    event = AuditEvent.objects.get(action="personal_data.viewed")
    assert event.summary == f"Opened the register of session #{session.pk}"
    assert event.actor == workforce_facilitator


def test_a_form_post_saves_the_mark_and_comes_back_to_the_line(
    client, session, alice, workforce_facilitator
):
    client.force_login(workforce_facilitator)
    line = line_of(alice, session)
    response = client.post(mark_url(line), {"mark": Mark.PRESENT})
    assert response.status_code == 302
    assert response.url == register_url(session) + f"#line-{line.pk}"
    saved = Attendance.objects.get(pk=line.pk)
    assert (saved.mark, saved.marked_by) == (Mark.PRESENT, workforce_facilitator)
    page = client.get(response.url).content.decode()
    assert "Alice: present. Saved." in page
    assert "1 of 6 sessions attended." in page


def test_a_fetch_post_answers_json_with_the_mark_and_the_new_counts(
    client, session, alice, coordinator
):
    client.force_login(coordinator)
    response = client.post(mark_url(line_of(alice, session)), {"mark": Mark.PRESENT}, **JSON)
    assert response.status_code == 200
    assert response.json() == {
        "mark": "present",
        "attended": "1 of 6 sessions attended.",
        "completion": "Not completed yet (the programme asks for 2).",
    }


def test_the_same_mark_sent_twice_saves_one_change(client, session, alice, workforce_facilitator):
    """A retry after a lost answer: the second request changes nothing."""
    client.force_login(workforce_facilitator)
    line = line_of(alice, session)
    first = client.post(mark_url(line), {"mark": Mark.APOLOGIES}, **JSON)
    marked_at = Attendance.objects.get(pk=line.pk).marked_at
    second = client.post(mark_url(line), {"mark": Mark.APOLOGIES}, **JSON)
    assert first.json() == second.json()
    saved = Attendance.objects.get(pk=line.pk)
    assert (saved.mark, saved.marked_at) == (Mark.APOLOGIES, marked_at)


def test_a_future_sessions_register_lists_who_is_expected_and_refuses_marks(
    client, session, alice, coordinator
):
    client.force_login(coordinator)
    later = session.course.sessions.get(number=2)
    page = client.get(register_url(later)).content.decode()
    assert "The register opens on the day of the session" in page
    assert "Alice Smithers" in page and "aria-pressed" not in page
    line = line_of(alice, later)
    response = client.post(mark_url(line), {"mark": Mark.PRESENT}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "The register opens on the day of the session."}
    response = client.post(mark_url(line), {"mark": Mark.PRESENT}, follow=True)
    assert "The register opens on the day of the session." in response.content.decode()
    assert Attendance.objects.get(pk=line.pk).mark == ""


@pytest.mark.parametrize("mark", ["maybe", ""])
def test_a_bad_mark_is_refused_with_a_message_not_a_500(client, session, alice, coordinator, mark):
    client.force_login(coordinator)
    line = line_of(alice, session)
    response = client.post(mark_url(line), {"mark": mark}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "Choose present, did not attend or sent apologies."}
    response = client.post(mark_url(line), {"mark": mark}, follow=True)
    assert "Choose present, did not attend or sent apologies." in response.content.decode()
    assert Attendance.objects.get(pk=line.pk).mark == ""


def test_someone_who_left_stays_on_the_register_only_once_marked(
    client, session, alice, coordinator
):
    bea = ParticipantFactory(full_name="Bea Jones")
    place_request(participant=bea, course=session.course, by=coordinator)
    Attendance.objects.filter(participant=bea).update(expected=False)
    client.force_login(coordinator)
    assert "Bea Jones" not in client.get(register_url(session)).content.decode()
    marked = line_of(bea, session)
    Attendance.objects.filter(pk=marked.pk).update(mark=Mark.PRESENT)
    page = client.get(register_url(session)).content.decode()
    assert "Bea Jones" in page and "No longer expected" in page


def test_completion_follows_the_programmes_rule(coordinator):
    """Two sessions attended completes a course whose programme asks for two; apologies
    and lines no longer expected (unmarked) do not count."""
    start = timezone.now() - timedelta(weeks=3)
    course = CourseFactory(first_start=start, programme=ProgrammeFactory(completion_min_sessions=2))
    sessions = list(course.sessions.order_by("number"))
    done, nearly, absent = (PlaceFactory(course=course) for _ in range(3))
    marks = {
        done: [Mark.PRESENT, Mark.APOLOGIES, Mark.PRESENT],
        nearly: [Mark.PRESENT, Mark.APOLOGIES, Mark.ABSENT],
        absent: [],
    }
    for place, place_marks in marks.items():
        for number, session in enumerate(sessions):
            mark = place_marks[number] if number < len(place_marks) else ""
            AttendanceFactory(place=place, session=session, mark=mark, expected=number < 4)
    places = {p.pk: p for p in Place.objects.with_attendance()}
    summary = {
        name: (places[p.pk].sessions_attended, places[p.pk].sessions_on_register,
               places[p.pk].completed)
        for name, p in [("done", done), ("nearly", nearly), ("absent", absent)]
    }  # fmt: skip
    assert summary == {
        "done": (2, 4, True),
        "nearly": (1, 4, False),
        "absent": (0, 4, False),
    }
    # The counts hold when a page filters the places through their lines.
    filtered = Place.objects.with_attendance().filter(attendance__session=sessions[0])
    assert filtered.get(pk=done.pk).sessions_attended == 2


def test_marks_through_the_service_show_on_the_page(client, session, alice, coordinator):
    attendance_mark(attendance=line_of(alice, session), mark=Mark.ABSENT, by=coordinator)
    client.force_login(coordinator)
    page = client.get(register_url(session)).content.decode()
    assert 'value="absent" class="btn hope-mark hope-mark-absent" aria-pressed="true"' in page


def test_the_register_is_linked_for_those_who_may_take_it(
    client, session, alice, workforce_facilitator, lived_facilitator, coordinator
):
    url = register_url(session)
    client.force_login(workforce_facilitator)
    assert url in client.get(reverse("facilitators:mine")).content.decode()
    detail = reverse("facilitators:session_detail", args=[session.pk])
    assert url in client.get(detail).content.decode()
    client.force_login(lived_facilitator)
    assert url not in client.get(detail).content.decode()
    client.force_login(coordinator)
    assert url in client.get(detail).content.decode()
    course_page = reverse("programmes:course_detail", args=[session.course_id])
    assert url in client.get(course_page).content.decode()


@pytest.mark.parametrize("who", ["coordinator", "workforce_facilitator"])
def test_register_queries_do_not_grow_with_its_lines(
    client, request, session, coordinator, who, django_assert_max_num_queries
):
    """3 people, then 15, each with marks on earlier lines of the course."""
    client.force_login(request.getfixturevalue(who))
    counts = []
    for size in (3, 12):
        for _ in range(size):
            place = place_request(
                participant=ParticipantFactory(), course=session.course, by=coordinator
            )
            attendance_mark(
                attendance=Attendance.objects.get(place=place, session=session),
                mark=Mark.PRESENT,
                by=coordinator,
            )
        with django_assert_max_num_queries(12) as captured:
            response = client.get(register_url(session))
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert len(response.context["lines"]) == 15
    assert counts[0] == counts[1], f"register: {counts}"
