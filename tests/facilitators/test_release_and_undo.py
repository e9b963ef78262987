"""Releasing a session asks first; a claim made by mistake can be undone for 15 minutes,
even inside the release notice period; a release made by mistake can be taken back
while nobody else has claimed the slot."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from facilitators.models import UNDO_WINDOW, UNDOABLE_BY_SQL, CoverRequest, SessionClaim
from facilitators.services import (
    SlotError,
    claims_undo,
    cover_request_accept,
    slot_assign,
    slot_claim,
    slot_release,
)
from hope.models import AuditEvent, Message
from tests.concurrency import run_together
from tests.factories import CourseFactory, FacilitatorProfileFactory, TrainingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(programme):
    """A course whose first session is two days away: inside the seven days' notice."""
    return CourseFactory(
        programme=programme,
        title="Pain – Fridays",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=2),
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Undo a claim -------------------------------------------------------------------


def test_claim_message_offers_undo_and_undo_frees_the_slot_inside_the_notice_period(
    client, workforce, soon
):
    session = soon.sessions.get(number=1)
    client.force_login(workforce.user)
    response = client.post(reverse("facilitators:claim_session", args=[session.pk]), follow=True)
    (message,) = _messages(response)
    claim = SessionClaim.objects.held().get(session=session)
    assert f"You are running {session.label} at " in message
    assert f'action="{reverse("facilitators:undo_claims")}"' in message
    assert f'name="claim" value="{claim.pk}"' in message
    # A working button on the page, not its markup shown as text.
    assert f'<form method="post" action="{reverse("facilitators:undo_claims")}"' in (
        response.content.decode()
    )
    Message.objects.all().delete()

    response = client.post(reverse("facilitators:undo_claims"), {"claim": [claim.pk]}, follow=True)
    (message,) = _messages(response)
    assert "Undone: you no longer hold session 1 of “Pain – Fridays”" in message
    claim.refresh_from_db()
    assert claim.released_at is not None and claim.release_reason == "undone"
    assert AuditEvent.objects.filter(action="claim.undone").count() == 1
    assert not Message.objects.exists()  # nobody was told of the claim, nor of the undo


def test_a_whole_course_claim_is_undone_in_one_click(client, workforce, course):
    client.force_login(workforce.user)
    ids = list(course.sessions.values_list("pk", flat=True))
    response = client.post(
        reverse("facilitators:claim_course", args=[course.pk]), {"session": ids}, follow=True
    )
    (message,) = _messages(response)
    assert message.count('name="claim"') == 6
    claim_ids = list(SessionClaim.objects.held().values_list("pk", flat=True))
    client.post(reverse("facilitators:undo_claims"), {"claim": claim_ids})
    assert not SessionClaim.objects.held().exists()


def test_undo_after_fifteen_minutes_is_refused_with_the_time_it_was_made(client, workforce, soon):
    session = soon.sessions.get(number=1)
    claim = slot_claim(session=session, facilitator=workforce, by=workforce.user)
    client.force_login(workforce.user)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(
            reverse("facilitators:undo_claims"), {"claim": [claim.pk]}, follow=True
        )
    (message,) = _messages(response)
    assert "can be undone for 15 minutes after you make it" in message
    assert f"{timezone.localtime(claim.claimed_at):%H:%M}" in message
    claim.refresh_from_db()
    assert claim.is_held


def test_someone_else_cannot_undo_a_claim(client, workforce, lived, soon):
    claim = slot_claim(
        session=soon.sessions.get(number=1), facilitator=workforce, by=workforce.user
    )
    client.force_login(lived.user)
    response = client.post(reverse("facilitators:undo_claims"), {"claim": [claim.pk]}, follow=True)
    assert _messages(response) == ["You can only undo your own claims."]
    claim.refresh_from_db()
    assert claim.is_held


def test_a_session_given_by_a_coordinator_cannot_be_undone(coordinator, workforce, soon):
    claim = slot_assign(session=soon.sessions.get(number=1), facilitator=workforce, by=coordinator)
    with pytest.raises(SlotError, match="A coordinator gave you this session"):
        claims_undo(claim_ids=[claim.pk], by=workforce.user)


def test_a_session_taken_as_cover_cannot_be_undone(workforce, programme, soon):
    colleague = FacilitatorProfileFactory(kind=workforce.kind)
    TrainingFactory(profile=colleague, programme=programme)
    theirs = slot_claim(
        session=soon.sessions.get(number=1), facilitator=colleague, by=colleague.user
    )
    request = CoverRequest.objects.create(claim=theirs)
    mine = cover_request_accept(request=request, facilitator=workforce, by=workforce.user)
    with pytest.raises(SlotError, match="as cover for a colleague"):
        claims_undo(claim_ids=[mine.pk], by=workforce.user)


def test_undo_is_all_or_nothing(workforce, coordinator, soon):
    first, second = soon.sessions.order_by("number")[:2]
    mine = slot_claim(session=first, facilitator=workforce, by=workforce.user)
    given = slot_assign(session=second, facilitator=workforce, by=coordinator)
    with pytest.raises(SlotError):
        claims_undo(claim_ids=[mine.pk, given.pk], by=workforce.user)
    assert SessionClaim.objects.held().count() == 2


def test_my_sessions_and_the_session_page_offer_undo_for_a_few_minutes(client, workforce, soon):
    session = soon.sessions.get(number=1)
    claim = slot_claim(session=session, facilitator=workforce, by=workforce.user)
    client.force_login(workforce.user)
    undo = f'name="claim" value="{claim.pk}"'
    mine = client.get(reverse("facilitators:mine")).content.decode()
    assert undo in mine
    assert f'<input type="hidden" name="next" value="{reverse("facilitators:mine")}">' in mine
    page = reverse("facilitators:session_detail", args=[session.pk])
    assert undo in client.get(page).content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert undo not in client.get(reverse("facilitators:mine")).content.decode()
        assert undo not in client.get(page).content.decode()


def test_the_sql_for_undoable_claims_agrees_with_the_queryset(
    workforce, lived, coordinator, programme, soon
):
    """UNDOABLE_BY_SQL (My sessions' cards) and undoable_by(): their own fresh claim
    only; not one a coordinator gave, nor one taken as cover, nor one released, nor
    another person's, nor an old one, nor one on a session started."""
    colleague = FacilitatorProfileFactory(kind=workforce.kind)
    TrainingFactory(profile=colleague, programme=programme)
    first, second, third, fourth, fifth, sixth = soon.sessions.order_by("number")
    fresh = slot_claim(session=first, facilitator=workforce, by=workforce.user)
    slot_assign(session=second, facilitator=workforce, by=coordinator)
    theirs = slot_claim(session=third, facilitator=colleague, by=colleague.user)
    cover_request_accept(
        request=CoverRequest.objects.create(claim=theirs), facilitator=workforce, by=workforce.user
    )
    released = slot_claim(session=fourth, facilitator=workforce, by=workforce.user)
    slot_release(claim=released, by=workforce.user)
    slot_claim(session=fifth, facilitator=lived, by=lived.user)
    with time_machine.travel(timezone.now() - timedelta(minutes=20)):
        slot_claim(session=sixth, facilitator=workforce, by=workforce.user)

    def by_sql(user, now):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id FROM facilitators_sessionclaim c WHERE {UNDOABLE_BY_SQL}",  # noqa: S608
                {"user": user.pk, "now": now, "undo_since": now - UNDO_WINDOW},
            )
            return {pk for (pk,) in cursor.fetchall()}

    def by_queryset(user, now):
        return set(SessionClaim.objects.undoable_by(user, now).values_list("pk", flat=True))

    now = timezone.now()
    assert by_sql(workforce.user, now) == by_queryset(workforce.user, now) == {fresh.pk}
    assert by_sql(lived.user, now) == by_queryset(lived.user, now)
    assert len(by_sql(lived.user, now)) == 1
    started = first.start + timedelta(minutes=1)
    assert by_sql(workforce.user, started) == by_queryset(workforce.user, started) == set()


@pytest.mark.django_db(transaction=True)
def test_an_undo_and_a_coordinators_release_at_once_free_the_slot_once(
    workforce, coordinator, soon
):
    claim = slot_claim(
        session=soon.sessions.get(number=1), facilitator=workforce, by=workforce.user
    )
    results = run_together(
        [
            lambda: claims_undo(claim_ids=[claim.pk], by=workforce.user),
            lambda: slot_release(claim=claim, by=coordinator),
        ]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], SlotError), results
    assert "already released" in str(errors[0])
    claim.refresh_from_db()
    assert claim.released_at is not None


# --- Release asks first -------------------------------------------------------------


def test_release_page_says_what_will_happen_and_changes_nothing(client, workforce, course):
    session = course.sessions.get(number=3)
    claim = slot_claim(session=session, facilitator=workforce, by=workforce.user)
    CoverRequest.objects.create(claim=claim)
    client.force_login(workforce.user)
    response = client.get(reverse("facilitators:release", args=[claim.pk]))
    text = " ".join(response.content.decode().split())
    when = f"{timezone.localtime(session.start):%a %-d %b %Y}"
    assert f"You will no longer run “Carers – Tuesdays” session 3 on {when}" in text
    assert "The workforce slot will show as open on the board" in text
    assert "Your request for cover is withdrawn." in text
    assert "Release the session</button>" in text
    claim.refresh_from_db()
    assert claim.is_held


def test_a_coordinators_release_page_names_the_person(client, coordinator, workforce, course):
    claim = slot_claim(
        session=course.sessions.get(number=1), facilitator=workforce, by=workforce.user
    )
    client.force_login(coordinator)
    text = client.get(reverse("facilitators:release", args=[claim.pk])).content.decode()
    assert f"{workforce.user.full_name} will no longer run" in " ".join(text.split())
    assert f"{workforce.user.full_name} is told." in " ".join(text.split())


def test_giving_back_a_session_within_two_weeks_says_the_coordinators_are_told(
    client, workforce, programme, course
):
    near = CourseFactory(
        programme=programme,
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=10),
    )
    claims = [
        slot_claim(session=c.sessions.get(number=1), facilitator=workforce, by=workforce.user)
        for c in (near, course)
    ]
    client.force_login(workforce.user)
    told = "The coordinators are told"
    pages = [client.get(reverse("facilitators:release", args=[c.pk])) for c in claims]
    assert told in pages[0].content.decode()
    assert (course.sessions.get(number=1).start - timezone.now()).days > 14
    assert told not in pages[1].content.decode()


def test_inside_the_notice_period_the_release_page_offers_undo_of_a_fresh_claim(
    client, workforce, soon
):
    claim = slot_claim(
        session=soon.sessions.get(number=1), facilitator=workforce, by=workforce.user
    )
    client.force_login(workforce.user)
    url = reverse("facilitators:release", args=[claim.pk])
    html = client.get(url).content.decode()
    assert "less than 7 days away" in html
    assert "Release the session</button>" not in html
    assert f'action="{reverse("facilitators:undo_claims")}"' in html
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        html = client.get(url).content.decode()
    assert "less than 7 days away" in html
    assert reverse("facilitators:undo_claims") not in html


def test_after_releasing_by_mistake_the_session_can_be_taken_back(client, workforce, course):
    session = course.sessions.get(number=2)
    claim = slot_claim(session=session, facilitator=workforce, by=workforce.user)
    client.force_login(workforce.user)
    response = client.post(reverse("facilitators:release", args=[claim.pk]), follow=True)
    (message,) = _messages(response)
    take_back = reverse("facilitators:claim_session", args=[session.pk])
    assert f'action="{take_back}"' in message
    client.post(take_back)
    assert SessionClaim.objects.held().get(session=session).facilitator == workforce


def test_taking_back_a_slot_someone_else_took_says_so(client, workforce, programme, course):
    session = course.sessions.get(number=2)
    claim = slot_claim(session=session, facilitator=workforce, by=workforce.user)
    slot_release(claim=claim, by=workforce.user)
    colleague = FacilitatorProfileFactory(kind=workforce.kind)
    TrainingFactory(profile=colleague, programme=programme)
    slot_claim(session=session, facilitator=colleague, by=colleague.user)
    client.force_login(workforce.user)
    response = client.post(
        reverse("facilitators:claim_session", args=[session.pk]),
        {"next": reverse("facilitators:mine")},
        follow=True,
    )
    assert _messages(response) == ["That session was just taken by someone else."]


def test_my_sessions_links_to_the_release_page_rather_than_releasing(client, workforce, course):
    claim = slot_claim(
        session=course.sessions.get(number=1), facilitator=workforce, by=workforce.user
    )
    client.force_login(workforce.user)
    html = client.get(reverse("facilitators:mine")).content.decode()
    url = reverse("facilitators:release", args=[claim.pk])
    assert f'href="{url}"' in html and f'action="{url}"' not in html


def test_removing_a_training_says_which_sessions_they_keep(
    client, coordinator, workforce, programme, course
):
    slot_claim(session=course.sessions.get(number=1), facilitator=workforce, by=workforce.user)
    slot_claim(session=course.sessions.get(number=2), facilitator=workforce, by=workforce.user)
    training = workforce.trainings.get(programme=programme)
    client.force_login(coordinator)
    url = reverse("facilitators:training_delete", args=[training.pk])
    text = " ".join(client.get(url).content.decode().split())
    assert f"Remove {workforce.user.full_name}'s HOPE for carers training?" in text.replace(
        "&#x27;", "'"
    )
    assert "They keep the 2 upcoming HOPE for carers sessions they hold" in text
    assert workforce.trainings.filter(pk=training.pk).exists()
    client.post(url)
    assert not workforce.trainings.filter(pk=training.pk).exists()
    assert SessionClaim.objects.held().filter(facilitator=workforce).count() == 2
