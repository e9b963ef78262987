"""Board, cover and facilitator pages run a fixed number of queries from 10 to 500 sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators.models import FacilitatorKind, SessionClaim
from programmes.models import Course, CourseStatus, Session
from tests.factories import FacilitatorProfileFactory, TrainingFactory, VenueFactory

pytestmark = pytest.mark.django_db


def add_sessions(count: int, programme, *, holders, offset: int) -> None:
    """``count`` sessions in six-session courses over the next weeks; every third one
    gets a workforce holder, so the pages show a mix of paired, half and empty slots."""
    now = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=2)
    venues = [VenueFactory() for _ in range(3)]
    courses = Course.objects.bulk_create(
        Course(
            title=f"Course {offset + n}",
            programme=programme,
            venue=venues[n % 3],
            capacity=10,
            status=CourseStatus.PUBLISHED,
        )
        for n in range((count + 5) // 6)
    )
    sessions = []
    for n in range(count):
        start = now + timedelta(hours=3 * (offset + n))
        sessions.append(
            Session(
                course=courses[n // 6],
                number=n % 6 + 1,
                start=start,
                end=start + timedelta(hours=2),
                venue=venues[n % 3],
            )
        )
    Session.objects.bulk_create(sessions)
    SessionClaim.objects.bulk_create(
        SessionClaim(
            session=s,
            kind=FacilitatorKind.WORKFORCE,
            facilitator=holders[i % len(holders)],
            start=s.start,
            end=s.end,
        )
        for i, s in enumerate(sessions[::3])
    )


@pytest.mark.parametrize(
    "page_name",
    [
        "board",
        "mine",
        "cover_gaps",
        "choose",
        "facilitator_list",
        "session_detail",
        "feed",
        "courses",
    ],
)
def test_queries_do_not_grow_from_10_to_500_sessions(
    client, programme, lived, coordinator, django_assert_max_num_queries, page_name
):
    holders = []
    for _ in range(4):
        profile = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
        TrainingFactory(profile=profile, programme=programme)
        holders.append(profile)
    counts = []
    for size, offset in ((10, 0), (490, 10)):
        add_sessions(size, programme, holders=holders, offset=offset)
        latest = Session.objects.order_by("-pk").first()
        SessionClaim.objects.create(
            session=latest, kind=lived.kind, facilitator=lived, start=latest.start, end=latest.end
        )
        any_session = Session.objects.order_by("pk").first()
        urls = {
            "board": (lived.user, reverse("facilitators:board")),
            "mine": (lived.user, reverse("facilitators:mine")),
            "cover_gaps": (coordinator, reverse("facilitators:cover_gaps")),
            # The first session has its workforce holder: the lived-experience slot's
            # candidates, with what they hold in the coming weeks.
            "choose": (coordinator, reverse("facilitators:assign", args=[any_session.pk])),
            "facilitator_list": (coordinator, reverse("facilitators:facilitator_list")),
            "session_detail": (
                coordinator,
                reverse("facilitators:session_detail", args=[any_session.pk]),
            ),
            "feed": (None, reverse("facilitators:feed", args=[lived.calendar_token])),
            "courses": (coordinator, reverse("programmes:course_list")),
        }
        user, url = urls[page_name]
        client.logout()
        if user:
            client.force_login(user)
        client.get(url)  # warm up: first-time rows (team settings) and session caches
        with django_assert_max_num_queries(16) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], f"{page_name}: {counts}"


def test_the_page_to_choose_who_steps_in_asks_the_same_for_2_or_40_colleagues(
    client, programme, coordinator, django_assert_max_num_queries
):
    """Each colleague listed brings their training and their coming sessions."""
    # Every third session, the first too, gets a workforce holder: the page lists
    # lived-experience colleagues.
    add_sessions(50, programme, holders=[FacilitatorProfileFactory()], offset=0)
    first, *later = Session.objects.order_by("start")
    client.force_login(coordinator)
    url = reverse("facilitators:assign", args=[first.pk])
    counts, listed = [], 0
    for people in (2, 38):
        for _ in range(people):
            profile = FacilitatorProfileFactory(kind=FacilitatorKind.LIVED_EXPERIENCE)
            TrainingFactory(profile=profile, programme=programme)
            held = later[listed]
            SessionClaim.objects.create(
                session=held, kind=profile.kind, facilitator=profile, start=held.start, end=held.end
            )
            listed += 1
        client.get(url)
        with django_assert_max_num_queries(16) as captured:
            response = client.get(url)
        assert response.content.decode().count('name="facilitator"') == listed
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
