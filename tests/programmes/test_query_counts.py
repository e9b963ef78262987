"""Each page runs a fixed number of queries, however many courses, sessions, referrals and
places there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators.models import FacilitatorKind
from hope.audit import audit_record
from hope.roles import Role
from programmes.measures import Measure, Timepoint
from programmes.models import Arranged, Ride, TransportLegs
from programmes.services.participants import place_request, score_record
from programmes.services.rides import ride_arrange, ride_take
from tests.factories import (
    ClosureDateFactory,
    CourseFactory,
    ParticipantFactory,
    ProgrammeFactory,
    ReferralFactory,
    SessionClaimFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def grow(size: int, venue, programme, offset: int):
    """``size`` more courses (six sessions each) from tomorrow, half at the shared venue."""
    now = timezone.now()
    for n in range(offset, offset + size):
        CourseFactory(
            programme=programme,
            venue=venue if n % 2 else VenueFactory(),
            first_start=now + timedelta(days=1, hours=3 * n),
        )
        ClosureDateFactory()


@pytest.mark.parametrize(
    "page_name",
    [
        "course_list",
        "course_list_running",
        "course_detail",
        "calendar_week",
        "calendar_month",
        "venue_list",
        "venue_detail",
        "programme_list",
        "closure_list",
        "venue_sessions",
    ],
)
def test_page_queries_do_not_grow_with_data(
    client, coordinator, django_assert_max_num_queries, page_name
):
    venue, programme = VenueFactory(), ProgrammeFactory()
    course = CourseFactory(venue=venue, programme=programme)
    urls = {
        "course_list": reverse("programmes:course_list"),
        "course_list_running": reverse("programmes:course_list") + "?when=running",
        "course_detail": reverse("programmes:course_detail", args=[course.pk]),
        "calendar_week": reverse("programmes:calendar") + "?view=week",
        "calendar_month": reverse("programmes:calendar") + "?view=month",
        "venue_list": reverse("venues:venue_list"),
        "venue_detail": reverse("venues:venue_detail", args=[venue.pk]),
        "programme_list": reverse("programmes:programme_list"),
        "closure_list": reverse("programmes:closure_list"),
        "venue_sessions": reverse("programmes:venue_sessions", args=[venue.pk]),
    }
    client.force_login(coordinator)
    counts = []
    for size, offset in ((3, 0), (30, 3)):
        grow(size, venue, programme, offset)
        with django_assert_max_num_queries(12) as captured:
            assert client.get(urls[page_name]).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], (
        f"{page_name}: {counts[0]} queries with little data, {counts[1]} with more"
    )


def test_course_page_queries_do_not_grow_with_its_sessions_holders_and_history(
    client, coordinator, django_assert_max_num_queries
):
    """A course of 2 sessions with one holder, and one of 26 sessions, each paired, with
    a line of history for each session."""
    small = CourseFactory(
        programme=ProgrammeFactory(sessions_per_course=2, completion_min_sessions=1)
    )
    SessionClaimFactory(session=small.sessions.first(), facilitator__kind=FacilitatorKind.WORKFORCE)
    large = CourseFactory(programme=ProgrammeFactory(sessions_per_course=26))
    for session in large.sessions.all():
        for kind in FacilitatorKind:
            SessionClaimFactory(session=session, facilitator__kind=kind)
        audit_record(
            actor=coordinator, action="course.changed", target=large,
            summary=f"Changed session {session.number}",
        )  # fmt: skip
    courses = [small, large]
    client.force_login(coordinator)
    counts = []
    for course in courses:
        url = reverse("programmes:course_detail", args=[course.pk])
        client.get(url)  # warm up
        with django_assert_max_num_queries(12) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["sessions"]) == course.programme.sessions_per_course
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], f"course_detail: {counts}"


# --- Participants' pages --------------------------------------------------------------


def _counts(client, url, django_assert_max_num_queries, grow_by, sizes=(3, 30)):
    """The page's query count after growing its data to each of ``sizes``."""
    counts = []
    for size in sizes:
        grow_by(size)
        client.get(url)  # warm up
        with django_assert_max_num_queries(14) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    return counts


def test_referrals_queue_queries_do_not_grow_with_referrals(
    client, coordinator, django_assert_max_num_queries
):
    course = CourseFactory()

    def grow_by(size):
        for n in range(size):
            ReferralFactory(course=course if n % 2 else None)

    client.force_login(coordinator)
    url = reverse("programmes:referral_list")
    counts = _counts(client, url, django_assert_max_num_queries, grow_by)
    assert counts[0] == counts[1], f"referral_list: {counts}"


def test_participant_record_queries_do_not_grow_with_places_scores_and_referrals(
    client, coordinator, django_assert_max_num_queries
):
    """One person on a course; another on four, each with a register and two scores, and
    several referrals; both with rides to each session, some held by drivers, some
    arranged by taxi."""
    programme = ProgrammeFactory(measures=[Measure.SWEMWBS, Measure.PAM])
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)

    def on_courses(person, count: int):
        for n in range(count):
            course = CourseFactory(programme=programme, first_start=start + timedelta(hours=3 * n))
            place = place_request(participant=person, course=course, by=coordinator)
            there, home = Ride.objects.filter(
                participant=person, session__course=course, session__number=1
            ).order_by("direction")[:2]
            driver = UserFactory(roles=[Role.VOLUNTEER], is_driver=True)
            ride_take(ride=there, driver=driver, by=coordinator)
            ride_arrange(ride=home, how=Arranged.TAXI, by=coordinator)
            ReferralFactory(participant=person, course=course)
            score_record(
                place=place, measure=Measure.SWEMWBS, timepoint=Timepoint.FIRST,
                items=[3] * 7, by=coordinator,
            )  # fmt: skip
            score_record(
                place=place, measure=Measure.PAM, timepoint=Timepoint.FIRST,
                pam_score="50", pam_level="2", by=coordinator,
            )  # fmt: skip

    small, large = (
        ParticipantFactory(
            needs_transport=True, pickup_postcode="NG4 2RL", transport_legs=TransportLegs.SEPARATE
        )
        for _ in range(2)
    )
    on_courses(small, 1)
    on_courses(large, 4)
    client.force_login(coordinator)
    counts = []
    for person in (small, large):
        url = reverse("programmes:participant_detail", args=[person.pk])
        client.get(url)
        with django_assert_max_num_queries(14) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert len(response.context["places"]) == 4
    assert len(response.context["rides"]) == 4 * 6 * 2
    assert counts[0] == counts[1], f"participant_detail: {counts}"


@pytest.mark.parametrize("who", ["coordinator", "facilitator"])
def test_course_participants_queries_do_not_grow_with_places(
    client, coordinator, workforce_facilitator, django_assert_max_num_queries, who
):
    course = CourseFactory(capacity=12, first_start=timezone.now() + timedelta(days=3))
    SessionClaimFactory(
        session=course.sessions.first(), facilitator=workforce_facilitator.facilitator_profile
    )

    def grow_by(size):
        for _ in range(size):
            place_request(participant=ParticipantFactory(), course=course, by=coordinator)

    client.force_login(coordinator if who == "coordinator" else workforce_facilitator)
    url = reverse("programmes:course_participants", args=[course.pk])
    counts = _counts(client, url, django_assert_max_num_queries, grow_by)
    assert counts[0] == counts[1], f"course_participants ({who}): {counts}"
