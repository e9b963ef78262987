"""Each page runs a fixed number of queries, however many courses and sessions there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators.models import FacilitatorKind
from hope.audit import audit_record
from tests.factories import (
    ClosureDateFactory,
    CourseFactory,
    ProgrammeFactory,
    SessionClaimFactory,
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
