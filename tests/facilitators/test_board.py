"""What the open sessions board says on each line, and how its pages turn."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators.models import CoverRequest, FacilitatorKind
from programmes.models import Session
from tests.factories import (
    ClosureDateFactory,
    CourseFactory,
    FacilitatorProfileFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TUESDAY = datetime(2030, 12, 3, 10, tzinfo=LONDON)  # sessions weekly from Tue 3 Dec 2030


def board_html(client, user, data: dict | None = None) -> str:
    client.force_login(user)
    response = client.get(reverse("facilitators:board"), data)
    assert response.status_code == 200
    return response.content.decode()


def section_of(html: str, course) -> str:
    """The course's card on the board."""
    found = re.search(
        rf'<section class="card mb-3" aria-labelledby="course-{course.pk}">.*?</section>',
        html,
        re.S,
    )
    assert found, f"{course.title} is not on the board"
    return found.group(0)


def line_of(section: str, number: int) -> str:
    found = re.search(
        rf"<li [^>]*>\s*<span><span [^>]*>Session {number}</span>.*?</li>", section, re.S
    )
    return found.group(0) if found else ""


def test_each_line_says_when_where_who_is_still_needed_and_offers_a_claim(
    client, programme, workforce, lived
):
    riverside = VenueFactory(name="Riverside Community Centre")
    course = CourseFactory(
        programme=programme, title="Carers – Tuesdays", venue=riverside, first_start=TUESDAY
    )
    sessions = {s.number: s for s in course.sessions.all()}
    Session.objects.filter(pk=sessions[2].pk).update(venue=VenueFactory(name="St Mark's Hall"))
    SessionClaimFactory(session=sessions[3], facilitator=lived)
    # Session 4 overlaps a session the facilitator already holds on another course.
    other = CourseFactory(programme=programme, title="Carers – Mornings", first_start=TUESDAY)
    held = other.sessions.get(number=4)
    SessionClaimFactory(session=held, facilitator=workforce)
    # Session 5 has its workforce facilitator.
    SessionClaimFactory(session=sessions[5], facilitator__kind=FacilitatorKind.WORKFORCE)

    section = section_of(board_html(client, workforce.user), course)

    course_url = reverse("programmes:course_detail", args=[course.pk])
    assert f'<a href="{course_url}">Carers – Tuesdays</a>' in section
    assert '<p class="mb-2">HOPE for carers · Riverside Community Centre</p>' in section
    first = line_of(section, 1)
    assert "Session 1</span>: Tue 3 Dec 2030, 10:00–12:30\n" in first
    assert "Needs both facilitators" in first
    claim_url = reverse("facilitators:claim_session", args=[sessions[1].pk])
    assert f'<form method="post" action="{claim_url}">' in first
    assert '<input type="hidden" name="next" value="/sessions/open/">' in first
    assert 'Claim<span class="visually-hidden"> session 1 of Carers – Tuesdays</span>' in first
    # Only a session away from the course's venue names its own.
    assert " at " not in first
    assert "Tue 10 Dec 2030, 10:00–12:30 at St Mark&#x27;s Hall" in line_of(section, 2)
    assert "Lived-experience slot filled — needs a workforce facilitator" in line_of(section, 3)
    fourth = line_of(section, 4)
    assert "You hold another session at this time" in fourth
    assert "<form" not in fourth
    assert line_of(section, 5) == ""
    # "Claim all" takes the free sessions shown, not the one that clashes.
    assert 'Claim all 4<span class="visually-hidden"> open sessions of Carers – Tuesdays' in (
        section
    )
    offered = re.findall(r'name="session" value="(\d+)"', section)
    assert offered == [str(sessions[n].pk) for n in (1, 2, 3, 6)]


def test_an_online_course_reads_online_and_a_lone_session_has_no_claim_all(
    client, programme, workforce
):
    course = CourseFactory(programme=programme, title="Online", venue=None, first_start=TUESDAY)
    Session.objects.filter(course=course, number__gt=1).update(is_cancelled=True)

    section = section_of(board_html(client, workforce.user), course)

    assert '<p class="mb-2">HOPE for carers · Online</p>' in section
    assert "Session 1</span>: Tue 3 Dec 2030, 10:00–12:30\n" in section
    assert "Claim all" not in section


def test_a_request_for_cover_says_when_what_where_who_and_why(client, programme, workforce):
    colleague = FacilitatorProfileFactory(
        user=UserFactory(full_name="Priya O'Neill"), kind=FacilitatorKind.WORKFORCE
    )
    TrainingFactory(profile=colleague, programme=programme)
    riverside = VenueFactory(name="Riverside Community Centre")
    course = CourseFactory(
        programme=programme, title="Carers – Tuesdays", venue=riverside, first_start=TUESDAY
    )
    online = CourseFactory(programme=programme, title="Carers online", venue=None)
    later = SessionClaimFactory(session=course.sessions.get(number=2), facilitator=colleague)
    sooner = SessionClaimFactory(session=online.sessions.get(number=1), facilitator=colleague)
    later_request = CoverRequest.objects.create(claim=later, reason="Hospital <appointment>")
    sooner_request = CoverRequest.objects.create(claim=sooner, reason="")

    html = board_html(client, workforce.user)

    sooner_start = f"{sooner.session.start.astimezone(LONDON):%a %-d %b %Y, %H:%M}"
    assert (
        f'<span class="fw-semibold">{sooner_start}</span> –\n'
        "        Carers online, session 1 (online).\n"
        "        Priya O&#x27;Neill asks for cover.</div>"
    ) in html
    assert (
        '<span class="fw-semibold">Tue 10 Dec 2030, 10:00</span> –\n'
        "        Carers – Tuesdays, session 2 at Riverside Community Centre.\n"
        "        Priya O&#x27;Neill asks for cover: “Hospital &lt;appointment&gt;”.</div>"
    ) in html
    accept = [
        reverse("facilitators:accept_cover", args=[r.pk]) for r in (sooner_request, later_request)
    ]
    assert re.findall(r'action="(/cover-requests/\d+/accept/)"', html) == accept  # soonest first
    assert (
        'Cover this session<span class="visually-hidden">: Carers – Tuesdays, session 2</span>'
    ) in html


def test_only_requests_for_cover_this_person_could_take_are_listed(
    client, programme, workforce, lived
):
    """Open, of their kind, someone else's, upcoming, of a programme they are trained
    in, and on a day nobody closed."""
    colleague = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
    riverside, elsewhere = VenueFactory(name="Riverside"), VenueFactory(name="Elsewhere")
    course = CourseFactory(programme=programme, title="Listed", venue=riverside)
    other = CourseFactory(title="Untrained", venue=riverside, first_start=TUESDAY)
    sessions = list(course.sessions.order_by("number"))

    def asks(session, facilitator=colleague, **fields):
        claim = SessionClaimFactory(session=session, facilitator=facilitator)
        return CoverRequest.objects.create(claim=claim, reason=f"{session.pk}", **fields)

    listed = asks(sessions[0])
    asks(sessions[1], resolved_at=timezone.now(), outcome="withdrawn")
    asks(sessions[2], facilitator=workforce)  # their own
    other_kind = asks(
        sessions[3], facilitator=FacilitatorProfileFactory(kind=FacilitatorKind.LIVED_EXPERIENCE)
    )
    asks(other.sessions.first())  # a programme they are not trained in
    asks(sessions[4])
    closed_elsewhere = asks(sessions[5])
    ClosureDateFactory(date=timezone.localdate(sessions[4].start), venue=None)
    ClosureDateFactory(date=timezone.localdate(sessions[5].start), venue=elsewhere)
    started = CourseFactory(programme=programme, first_start=timezone.now() - timedelta(hours=1))
    asks(started.sessions.get(number=1))

    html = board_html(client, workforce.user)
    accept = [reverse("facilitators:accept_cover", args=[r.pk]) for r in (listed, closed_elsewhere)]
    assert re.findall(r'action="(/cover-requests/\d+/accept/)"', html) == accept
    html = board_html(client, lived.user)
    accept = [reverse("facilitators:accept_cover", args=[other_kind.pk])]
    assert re.findall(r'action="(/cover-requests/\d+/accept/)"', html) == accept


@pytest.fixture
def eleven_courses(programme):
    """66 open sessions: sixty on the first page, six on the second."""
    return [
        CourseFactory(
            programme=programme, title=f"Course {n:02}", first_start=TUESDAY.replace(hour=8 + n)
        )
        for n in range(11)
    ]


def claim_buttons(html: str) -> int:
    return html.count('<button type="submit" class="btn btn-sm btn-outline-primary">Claim')


def test_the_board_shows_sixty_sessions_a_page_with_the_same_queries_on_each(
    client, workforce, eleven_courses, django_assert_max_num_queries
):
    client.force_login(workforce.user)
    url = reverse("facilitators:board")
    client.get(url)  # warm up: first-time rows (team settings) and session caches
    counts, pages = [], []
    for query in ("", "?page=2"):
        with django_assert_max_num_queries(12) as captured:
            pages.append(client.get(url + query).content.decode())
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    first, second = pages
    assert claim_buttons(first) == 60 and "Page 1 of 2" in first
    assert claim_buttons(second) == 6 and "Page 2 of 2" in second
    # The claim forms come back to the page they were on.
    assert '<input type="hidden" name="next" value="/sessions/open/?page=2">' in second


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("", 1),
        ("x", 1),
        ("1.5", 1),
        ("2", 2),
        (" 2 ", 2),
        ("0", 2),  # before the first page, or past the last: Django shows the last
        ("-1", 2),
        ("3", 2),
        ("9" * 40, 2),
        ("9" * 5000, 1),  # too long to be a number at all
        ("1e3", 1),
        ("٢", 2),  # an Arabic-Indic two is a two to Python, and so to Django
    ],
)
def test_any_page_number_shows_a_page(client, workforce, eleven_courses, page, shown):
    html = board_html(client, workforce.user, {"page": page})
    assert f"Page {shown} of 2" in html
    assert claim_buttons(html) == (60 if shown == 1 else 6)
