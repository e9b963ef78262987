from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from facilitators.models import CoverRequest, FacilitatorKind, FacilitatorStatus, SessionClaim
from hope.roles import Role
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def near_course(programme, days=3):
    return CourseFactory(
        programme=programme,
        title="Soon",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=days),
    )


@pytest.fixture
def colleague(programme):
    """Another trained workforce facilitator."""
    profile = FacilitatorProfileFactory(
        user=UserFactory(roles=[Role.FACILITATOR], full_name="Priya Natarajan"),
        kind=FacilitatorKind.WORKFORCE,
    )
    TrainingFactory(profile=profile, programme=programme)
    return profile


def test_cover_request_is_taken_by_the_first_eligible_colleague(
    client, programme, workforce, lived, colleague
):
    session = near_course(programme).sessions.first()
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    client.force_login(workforce.user)
    client.post(
        reverse("facilitators:ask_cover", args=[claim.pk]), {"reason": "Hospital appointment"}
    )
    request = CoverRequest.objects.get()
    # Colleagues of the same kind see it on their board; the other kind does not.
    accept_url = reverse("facilitators:accept_cover", args=[request.pk])
    client.force_login(colleague.user)
    board = client.get(reverse("facilitators:board")).content.decode()
    assert board.count("Cover this session") == 1
    assert f'action="{accept_url}"' in board
    client.force_login(lived.user)
    assert "Cover this session" not in client.get(reverse("facilitators:board")).content.decode()
    response = client.post(reverse("facilitators:accept_cover", args=[request.pk]), follow=True)
    assert "same kind" in " ".join(str(m) for m in response.context["messages"])
    claim.refresh_from_db()
    assert claim.released_at is None  # the holder keeps it until someone eligible accepts
    client.force_login(colleague.user)
    client.post(reverse("facilitators:accept_cover", args=[request.pk]))
    claim.refresh_from_db()
    request.refresh_from_db()
    assert claim.released_at is not None
    assert request.outcome == "covered" and request.covered_by == colleague
    assert SessionClaim.objects.held().get(session=session).facilitator == colleague
    # A second acceptance finds it gone.
    other = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
    TrainingFactory(profile=other, programme=programme)
    client.force_login(other.user)
    response = client.post(reverse("facilitators:accept_cover", args=[request.pk]), follow=True)
    assert "just taken by someone else" in " ".join(str(m) for m in response.context["messages"])


def test_cover_gaps_page_lists_gaps_soonest_first_with_how_many_could_step_in(
    client, coordinator, programme, workforce, lived, colleague
):
    course = near_course(programme, days=2)
    first, second = course.sessions.get(number=1), course.sessions.get(number=2)
    SessionClaimFactory(session=first, facilitator=workforce)
    SessionClaimFactory(session=first, facilitator=lived)
    # The colleague is busy at session 2's time elsewhere; untrained and paused people never count.
    busy = CourseFactory(first_start=second.start).sessions.first()
    TrainingFactory(profile=colleague, programme=busy.course.programme)
    SessionClaimFactory(session=busy, facilitator=colleague)
    FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)  # untrained
    paused = FacilitatorProfileFactory(
        kind=FacilitatorKind.WORKFORCE, status=FacilitatorStatus.PAUSED
    )
    TrainingFactory(profile=paused, programme=programme)
    CourseFactory(first_start=timezone.now() + timedelta(days=40))  # beyond 28 days
    client.force_login(coordinator)
    gaps = client.get(reverse("facilitators:cover_gaps")).context["gaps"]
    sessions = [g.session.pk for g in gaps]
    assert first.pk not in sessions
    starts = [g.session.start for g in gaps]
    assert starts == sorted(starts)
    gap = next(g for g in gaps if g.session.pk == second.pk and g.kind == FacilitatorKind.WORKFORCE)
    assert gap.free == 1  # the workforce facilitator, and nobody else
    assert all(start < timezone.now() + timedelta(days=28) for start in starts)
    # Choosing happens on the session's own page: the same one person.
    page = client.get(reverse("facilitators:assign", args=[second.pk])).content.decode()
    assert f'name="facilitator" value="{workforce.pk}"' in page
    for other in (colleague, paused):
        assert f'name="facilitator" value="{other.pk}"' not in page


def test_coordinator_assigns_and_returns_to_the_cover_page(client, coordinator, programme, lived):
    session = near_course(programme).sessions.first()
    client.force_login(coordinator)
    response = client.post(
        reverse("facilitators:assign", args=[session.pk]),
        {"facilitator": lived.pk, "next": reverse("facilitators:cover_gaps")},
    )
    assert response.url == reverse("facilitators:cover_gaps")
    claim = SessionClaim.objects.held().get(session=session)
    assert claim.facilitator == lived and claim.claimed_by == coordinator
    page = client.get(reverse("facilitators:session_detail", args=[session.pk]))
    assert "assigned by" in page.content.decode()


def test_coordinator_reassigns_a_slot_and_history_keeps_both(
    client, coordinator, programme, workforce, colleague
):
    session = near_course(programme).sessions.first()
    SessionClaimFactory(session=session, facilitator=workforce)
    client.force_login(coordinator)
    client.post(reverse("facilitators:assign", args=[session.pk]), {"facilitator": colleague.pk})
    claims = list(SessionClaim.objects.filter(session=session).order_by("pk"))
    assert [c.facilitator for c in claims] == [workforce, colleague]
    assert claims[0].released_at is not None and "replaced by" in claims[0].release_reason
    html = client.get(reverse("facilitators:session_detail", args=[session.pk])).content.decode()
    # As the page writes them: a name like O'Brien is escaped.
    assert escape(workforce.user.full_name) in html and escape(colleague.user.full_name) in html


def test_unsafe_next_is_ignored(client, coordinator, programme, lived):
    session = near_course(programme).sessions.first()
    client.force_login(coordinator)
    response = client.post(
        reverse("facilitators:assign", args=[session.pk]),
        {"facilitator": lived.pk, "next": "https://evil.example.com/"},
    )
    assert response.url == reverse("facilitators:session_detail", args=[session.pk])


def test_session_page_shows_the_real_cover_to_coordinators(
    client, coordinator, programme, workforce, lived
):
    session = near_course(programme).sessions.first()
    SessionClaimFactory(session=session, facilitator=workforce)
    SessionClaimFactory(session=session, facilitator=lived)
    client.force_login(coordinator)
    response = client.get(reverse("facilitators:session_detail", args=[session.pk]))
    assert response.context["session"].cover_state == "paired"


def test_a_session_already_held_offers_nobody_to_assign_and_looks_for_nobody(
    client, coordinator, programme, workforce, colleague, django_assert_max_num_queries
):
    """Past sessions cannot be reassigned, so their page reads no colleague free to step
    in, nor any claim to undo: two queries fewer than a session to come."""
    held = near_course(programme, days=-50).sessions.first()
    to_come = near_course(programme, days=3).sessions.first()
    for session in (held, to_come):
        SessionClaimFactory(session=session, facilitator=workforce)
    client.force_login(coordinator)
    counts = {}
    for name, session in (("held", held), ("to come", to_come)):
        url = reverse("facilitators:session_detail", args=[session.pk])
        client.get(url)
        with django_assert_max_num_queries(16) as captured:
            page = client.get(url).content.decode()
        counts[name] = len(captured.captured_queries)
        assert escape(workforce.user.full_name) in page
        assert ('name="facilitator"' in page) is (session == to_come)
        assert (escape(colleague.user.full_name) in page) is (session == to_come)
    assert counts["held"] == counts["to come"] - 2


REASON = "Hospital appointment for my diabetes review"


def test_a_cover_reason_reaches_only_coordinators_and_possible_cover(
    client, programme, workforce, lived, colleague, personas
):
    session = near_course(programme).sessions.first()
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    client.force_login(workforce.user)
    form_page = client.get(reverse("facilitators:mine")).content.decode()
    assert "Seen only by coordinators and by colleagues who could cover" in form_page
    client.post(reverse("facilitators:ask_cover", args=[claim.pk]), {"reason": REASON})
    assert CoverRequest.objects.get().reason == REASON

    # Not in the append-only audit trail, so not under "Changes" for anyone.
    from hope.models import AuditEvent

    assert not AuditEvent.objects.filter(summary__contains="diabetes").exists()
    session_url = reverse("facilitators:session_detail", args=[session.pk])
    for user in personas.values():
        client.force_login(user)
        assert "diabetes" not in client.get(session_url).content.decode()

    def board_of(user):
        client.force_login(user)
        return client.get(reverse("facilitators:board")).content.decode()

    assert REASON in board_of(colleague.user)  # same kind, trained: could cover
    assert REASON not in board_of(lived.user)  # the other kind cannot
    colleague.status = FacilitatorStatus.PAUSED
    colleague.save()
    assert REASON not in board_of(colleague.user)  # paused: cannot take it
    client.force_login(personas["coordinator"])
    assert REASON in client.get(reverse("facilitators:cover_gaps")).content.decode()


def test_a_bad_cover_reason_is_explained_next_to_the_field_and_saves_nothing(
    client, programme, workforce
):
    session = near_course(programme).sessions.first()
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    client.force_login(workforce.user)
    response = client.post(
        reverse("facilitators:ask_cover", args=[claim.pk]), {"reason": "x" * 201}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: My sessions" in html
    assert (
        f'id="reason-{claim.pk}-error"' in html
        and "The reason must be 200 characters or fewer." in html
    )
    assert not CoverRequest.objects.exists()


def test_an_open_request_for_cover_is_listed_with_session_holder_and_reason(
    client, coordinator, programme, workforce
):
    session = near_course(programme).sessions.select_related("course").first()
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    CoverRequest.objects.create(
        claim=claim, reason="Car's in the garage", requested_at=timezone.now()
    )
    client.force_login(coordinator)
    html = client.get(reverse("facilitators:cover_gaps")).content.decode()
    start = timezone.localtime(session.start)
    assert (
        f'<li><a href="/sessions/{session.pk}/">{start:%a %-d %b, %H:%M} – Soon, session 1</a>:\n'
        f"      {escape(workforce.user.full_name)} (workforce) asked 0\xa0minutes ago: "
        "“Car&#x27;s in the garage”.</li>"
    ) in html


def test_a_bad_cover_reason_keeps_what_was_typed_and_marks_only_its_own_field(
    client, programme, workforce
):
    first, second = near_course(programme).sessions.order_by("number")[:2]
    claim = SessionClaimFactory(session=first, facilitator=workforce)
    other = SessionClaimFactory(session=second, facilitator=workforce)
    client.force_login(workforce.user)
    html = client.post(
        reverse("facilitators:ask_cover", args=[claim.pk]), {"reason": "<b>" + "x" * 200}
    ).content.decode()
    # The cards are written in facilitators/mine.py: the field with the error says so to
    # screen readers and keeps the typed words (escaped).
    assert (
        f'<input class="form-control is-invalid" id="reason-{claim.pk}" name="reason" '
        f'maxlength="200" aria-describedby="reason-{claim.pk}-help reason-{claim.pk}-error" '
        f'value="&lt;b&gt;{"x" * 200}">'
    ) in html
    assert (
        f'<p class="invalid-feedback d-block" id="reason-{claim.pk}-error"><span '
        'class="visually-hidden">Error:</span> The reason must be 200 characters or fewer.</p>'
    ) in html
    # The next session, a week on, is far enough ahead to release rather than cover.
    assert reverse("facilitators:release", args=[other.pk]) in html
    assert f'id="reason-{other.pk}"' not in html


def test_an_open_cover_request_card_offers_to_withdraw_it(client, programme, workforce):
    session = near_course(programme).sessions.select_related("course").first()
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    request = CoverRequest.objects.create(claim=claim, reason="", requested_at=timezone.now())
    client.force_login(workforce.user)
    html = client.get(reverse("facilitators:mine")).content.decode()
    withdraw = reverse("facilitators:withdraw_cover", args=[request.pk])
    assert f'<form method="post" action="{withdraw}"><input type="hidden"' in html
    assert (
        'Withdraw cover request<span class="visually-hidden"> for '
        f"{session.course.title} session {session.number}</span>"
    ) in html
    assert f'id="reason-{claim.pk}"' not in html
