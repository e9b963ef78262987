"""Nobody is left guessing: who hears about each change to the rota, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from facilitators.models import CoverRequest, FacilitatorKind
from facilitators.notices import cover_candidates, notify_assigned, notify_unmet_cover
from facilitators.services import (
    SlotError,
    cover_request_accept,
    cover_request_create,
    cover_request_withdraw,
    slot_assign,
    slot_claim,
    slot_release,
)
from hope.models import Message, Notice, NoticeDelivery
from hope.notices import notices_digest
from hope.outbox import send_due
from hope.retention import run_retention
from hope.roles import Role
from tests.concurrency import run_together
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REASON = "Hospital appointment for my knee"


def line(session) -> str:
    """How every notice names a session: course, number, day and time in London."""
    start = timezone.localtime(session.start)
    return f"{session.course.title} session {session.number}, {start:%a %-d %b %Y, %H:%M}"


def session_url(session) -> str:
    return settings.SITE_URL + reverse("facilitators:session_detail", args=[session.pk])


def to(user) -> list[Message]:
    return list(Message.objects.filter(recipient=user).order_by("pk"))


def soon(programme, days: int):
    return CourseFactory(
        programme=programme,
        title="Carers – Fridays",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=days),
    ).sessions.first()


@pytest.fixture
def colleague(programme):
    """Another trained workforce facilitator, free when the sessions run."""
    profile = FacilitatorProfileFactory(
        user=UserFactory(roles=[Role.FACILITATOR], full_name="Priya Shah"),
        kind=FacilitatorKind.WORKFORCE,
    )
    TrainingFactory(profile=profile, programme=programme)
    return profile


@pytest.fixture
def asked(programme, workforce, colleague, coordinator):
    """The workforce facilitator holds a session in 10 days and asks for cover."""
    session = soon(programme, days=10)
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    return cover_request_create(claim=claim, by=workforce.user, reason=REASON)


# --- Assign and release -----------------------------------------------------------------


def test_assigned_facilitator_is_told_once_naming_course_session_time_and_page(
    course, workforce, coordinator
):
    session = course.sessions.first()
    claim = slot_assign(session=session, facilitator=workforce, by=coordinator)
    notify_assigned(claim=claim, by=coordinator)  # told again: stored once
    (message,) = to(workforce.user)
    assert message.subject == f"You are down for {line(session)}"
    assert coordinator.full_name in message.body_text
    assert session_url(session) in message.body_text
    assert f'href="{session_url(session)}"' in message.body_html
    assert to(coordinator) == []  # nobody is told what they did themselves


def test_claiming_a_session_yourself_tells_nobody(course, workforce, coordinator):
    slot_claim(session=course.sessions.first(), facilitator=workforce, by=workforce.user)
    assert Message.objects.count() == 0


def test_replaced_facilitator_hears_who_has_their_slot(course, workforce, colleague, coordinator):
    session = course.sessions.first()
    slot_assign(session=session, facilitator=workforce, by=coordinator)
    slot_assign(session=session, facilitator=colleague, by=coordinator)
    replaced = to(workforce.user)[-1]
    assert replaced.subject == f"No longer yours: {line(session)}"
    assert "Priya Shah" in replaced.body_text
    assert [m.subject for m in to(colleague.user)] == [f"You are down for {line(session)}"]


def test_coordinator_releasing_someone_tells_them(course, workforce, coordinator):
    session = course.sessions.first()
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    slot_release(claim=claim, by=coordinator)
    (message,) = to(workforce.user)
    assert message.subject == f"No longer yours: {line(session)}"
    assert "You do not need to go" in message.body_text


def test_giving_back_a_session_within_14_days_tells_the_coordinators(
    programme, workforce, coordinator
):
    other_coordinator = UserFactory(roles=[Role.COORDINATOR])
    UserFactory(roles=[Role.COORDINATOR], is_active=False)  # gone: not told
    session = soon(programme, days=10)
    slot_release(
        claim=SessionClaimFactory(session=session, facilitator=workforce), by=workforce.user
    )
    told = Message.objects.order_by("recipient_id")
    assert [m.recipient for m in told] == sorted(
        [coordinator, other_coordinator], key=lambda u: u.pk
    )
    assert told[0].subject == f"{workforce.user.full_name} gave back {line(session)}"
    assert to(workforce.user) == []


def test_giving_back_a_session_further_ahead_tells_nobody(course, workforce, coordinator):
    claim = SessionClaimFactory(session=course.sessions.first(), facilitator=workforce)
    slot_release(claim=claim, by=workforce.user)  # three weeks ahead
    assert Message.objects.count() == 0


def test_a_refused_change_tells_nobody(course, workforce, coordinator):
    session = course.sessions.first()
    slot_assign(session=session, facilitator=workforce, by=coordinator)
    with pytest.raises(SlotError):
        slot_assign(session=session, facilitator=workforce, by=coordinator)
    assert len(to(workforce.user)) == 1


# --- Cover --------------------------------------------------------------------------------


def test_asking_for_cover_tells_the_colleagues_who_could_take_it_and_the_coordinators(
    programme, workforce, lived, colleague, coordinator
):
    untrained = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
    paused = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE, status="paused")
    busy = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
    for profile in (paused, busy):
        TrainingFactory(profile=profile, programme=programme)
    session = soon(programme, days=10)
    clashing = CourseFactory(programme=programme, first_start=session.start).sessions.first()
    SessionClaimFactory(session=clashing, facilitator=busy)
    claim = SessionClaimFactory(session=session, facilitator=workforce)

    request = cover_request_create(claim=claim, by=workforce.user, reason=REASON)

    told = {m.recipient for m in Message.objects.all()}
    assert told == {colleague.user, coordinator}
    for person in (workforce.user, lived.user, untrained.user, paused.user, busy.user):
        assert to(person) == []
    (to_colleague,) = to(colleague.user)
    assert to_colleague.subject == f"Cover wanted: {line(session)}"
    assert settings.SITE_URL + reverse("facilitators:board") in to_colleague.body_text
    (to_coordinator,) = to(coordinator)
    assert "1 colleague free and trained to take it has been told" in to_coordinator.body_text
    # The reason may hold health details: it is in no message at all.
    assert not Message.objects.filter(body_text__contains="knee").exists()
    assert not Notice.objects.filter(body_text__contains="knee").exists()
    assert CoverRequest.objects.get() == request


def test_candidates_for_cover_are_found_in_one_query(django_assert_num_queries, asked, programme):
    for _ in range(3):
        TrainingFactory(
            profile=FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE), programme=programme
        )
    claim = asked.claim
    with django_assert_num_queries(1):
        people = [p.user.full_name for p in cover_candidates(claim)]
    assert len(people) == 4


def test_coordinators_hear_when_nobody_can_take_a_request(programme, workforce, coordinator):
    claim = SessionClaimFactory(session=soon(programme, days=10), facilitator=workforce)
    cover_request_create(claim=claim, by=workforce.user)
    (message,) = to(coordinator)
    assert "No colleague is free and trained to take it" in message.body_text


def test_the_asker_hears_who_took_their_session_and_coordinators_that_the_gap_is_filled(
    asked, workforce, colleague, coordinator
):
    session = asked.claim.session
    cover_request_accept(request=asked, facilitator=colleague, by=colleague.user)
    (taken,) = to(workforce.user)
    assert taken.subject == f"Priya Shah took your session: {line(session)}"
    assert session_url(session) in taken.body_text
    assert to(coordinator)[-1].subject == f"Covered: Priya Shah takes {line(session)}"
    assert len(to(colleague.user)) == 1  # only the request; they know they took it


def test_withdrawing_a_request_tells_everyone_who_was_told_of_it(
    asked, workforce, colleague, coordinator
):
    session = asked.claim.session
    cover_request_withdraw(request=asked, by=workforce.user)
    assert to(colleague.user)[-1].subject == f"Cover no longer needed: {line(session)}"
    assert to(coordinator)[-1].subject == f"Cover no longer needed: {line(session)}"
    assert to(workforce.user) == []


def test_a_coordinator_withdrawing_a_request_tells_the_asker(
    asked, workforce, colleague, coordinator
):
    cover_request_withdraw(request=asked, by=coordinator)
    (message,) = to(workforce.user)
    assert message.subject.startswith("Your request for cover is withdrawn")
    assert len(to(coordinator)) == 1  # the request only: they withdrew it


def test_releasing_someone_who_asked_for_cover_tells_the_colleagues_it_is_not_needed(
    asked, workforce, colleague, coordinator
):
    slot_release(claim=asked.claim, by=coordinator)
    assert to(colleague.user)[-1].subject.startswith("Cover no longer needed")
    assert [m.subject.split(":")[0] for m in to(workforce.user)] == ["No longer yours"]


def test_cover_still_missing_72_hours_before_tells_the_asker_and_coordinators_once(
    asked, workforce, colleague, coordinator
):
    session = asked.claim.session
    assert notify_unmet_cover() == 0  # ten days away
    with time_machine.travel(session.start - timedelta(hours=71)):
        assert notify_unmet_cover() == 2
        assert notify_unmet_cover() == 0
    assert to(workforce.user)[-1].subject == f"Still no cover: {line(session)}"
    assert "It is still yours" in to(workforce.user)[-1].body_text
    assert to(coordinator)[-1].subject == f"Still no cover: {line(session)}"
    assert len(to(colleague.user)) == 1


def test_cover_found_in_time_means_no_warning(asked, colleague):
    cover_request_accept(request=asked, facilitator=colleague, by=colleague.user)
    with time_machine.travel(asked.claim.session.start - timedelta(hours=71)):
        assert notify_unmet_cover() == 0


# --- The morning digest ---------------------------------------------------------------------


def test_someone_who_chose_the_digest_gets_one_email_in_the_morning(course, workforce, coordinator):
    workforce.user.rota_notices = NoticeDelivery.DIGEST
    workforce.user.save()
    first, second = course.sessions.order_by("number")[:2]
    slot_assign(session=first, facilitator=workforce, by=coordinator)
    slot_assign(session=second, facilitator=workforce, by=coordinator)
    assert to(workforce.user) == []
    assert Notice.objects.filter(recipient=workforce.user, delivered_at=None).count() == 2

    assert notices_digest() == 1
    assert notices_digest() == 0  # run twice: still one
    (digest,) = to(workforce.user)
    assert digest.subject == "HOPE rota: 2 changes"
    assert f"You are down for {line(first)}" in digest.body_text
    assert f"You are down for {line(second)}" in digest.body_text
    assert not Notice.objects.filter(delivered_at=None).exists()
    send_due()
    assert [m.subject for m in mail.outbox] == ["HOPE rota: 2 changes"]


def test_notices_after_the_morning_digest_wait_for_the_next_one(course, workforce, coordinator):
    workforce.user.rota_notices = NoticeDelivery.DIGEST
    workforce.user.save()
    first, second = course.sessions.order_by("number")[:2]
    slot_assign(session=first, facilitator=workforce, by=coordinator)
    assert notices_digest() == 1
    slot_assign(session=second, facilitator=workforce, by=coordinator)
    assert notices_digest() == 0  # today's is gone; this waits for tomorrow
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert notices_digest() == 1
    assert [m.subject for m in to(workforce.user)] == [
        f"You are down for {line(first)}",
        f"You are down for {line(second)}",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_digests_running_at_once_send_each_person_one_email(programme):
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    people = []
    for _ in range(4):
        profile = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
        TrainingFactory(profile=profile, programme=programme)
        profile.user.rota_notices = NoticeDelivery.DIGEST
        profile.user.save()
        people.append(profile)
    course = CourseFactory(programme=programme, first_start=timezone.now() + timedelta(weeks=3))
    for profile, session in zip(people, course.sessions.order_by("number"), strict=False):
        slot_assign(session=session, facilitator=profile, by=coordinator)
    results = run_together([notices_digest, notices_digest, notices_digest])
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 4
    assert Message.objects.filter(kind="notice_digest").count() == 4
    assert not Notice.objects.filter(delivered_at=None).exists()


def test_an_email_straight_away_says_how_to_get_the_digest_instead(course, workforce, coordinator):
    slot_assign(session=course.sessions.first(), facilitator=workforce, by=coordinator)
    (message,) = to(workforce.user)
    assert settings.SITE_URL + reverse("notice_preferences") in message.body_text


def test_old_notices_go_with_the_retention_job(course, workforce, coordinator):
    slot_assign(session=course.sessions.first(), facilitator=workforce, by=coordinator)
    with time_machine.travel(
        timezone.now() + timedelta(days=settings.RETENTION_MESSAGE_BODY_DAYS + 1)
    ):
        run_retention()
    assert not Notice.objects.exists()


# --- What people see ----------------------------------------------------------------------


def test_a_facilitator_sees_their_own_notices_on_messages_and_nobody_elses(
    client, course, workforce, lived, colleague, coordinator
):
    session = course.sessions.first()
    slot_assign(session=session, facilitator=workforce, by=coordinator)
    slot_assign(session=session, facilitator=lived, by=coordinator)
    client.force_login(workforce.user)
    page = client.get(reverse("message_log")).content.decode()
    assert "Your messages" in page
    assert f"You are down for {line(session)}" in page
    assert lived.user.email not in page
    assert page.count("You are down for") == 1
    client.force_login(coordinator)
    page = client.get(reverse("message_log")).content.decode()
    assert page.count("You are down for") == 2


def test_notices_waiting_for_the_digest_show_on_messages(client, course, workforce, coordinator):
    workforce.user.rota_notices = NoticeDelivery.DIGEST
    workforce.user.save()
    session = course.sessions.first()
    slot_assign(session=session, facilitator=workforce, by=coordinator)
    client.force_login(workforce.user)
    page = client.get(reverse("message_log")).content.decode()
    assert "Waiting for your next morning email" in page
    assert f"You are down for {line(session)}" in page


def test_a_coordinators_own_notices_waiting_for_the_digest_show_on_messages(
    client, programme, workforce, coordinator
):
    # Coordinators read the whole team's log there; what waits for their own morning
    # email must show too, or the gap they were told of cannot be seen until tomorrow.
    coordinator.rota_notices = NoticeDelivery.DIGEST
    coordinator.save()
    session = soon(programme, days=10)
    slot_release(
        claim=SessionClaimFactory(session=session, facilitator=workforce), by=workforce.user
    )
    client.force_login(coordinator)
    page = client.get(reverse("message_log")).content.decode()
    assert "Waiting for your next morning email" in page
    assert f"{workforce.user.full_name} gave back {line(session)}" in page


def test_each_person_chooses_how_they_hear_about_the_rota(client, workforce_facilitator):
    client.force_login(workforce_facilitator)
    url = reverse("notice_preferences")
    assert "By email straight away" in client.get(url).content.decode()
    response = client.post(url, {"rota_notices": "digest"}, follow=True)
    assert "Saved. In one email each morning." in response.content.decode()
    workforce_facilitator.refresh_from_db()
    assert workforce_facilitator.rota_notices == NoticeDelivery.DIGEST


def test_an_unknown_choice_is_refused_with_a_message(client, workforce_facilitator):
    client.force_login(workforce_facilitator)
    response = client.post(reverse("notice_preferences"), {"rota_notices": "weekly"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "There is a problem" in page
    workforce_facilitator.refresh_from_db()
    assert workforce_facilitator.rota_notices == NoticeDelivery.NOW


def test_the_account_page_and_profile_link_to_the_choice(client, workforce_facilitator):
    client.force_login(workforce_facilitator)
    for page in ("mfa_index", "facilitators:my_profile"):
        assert reverse("notice_preferences") in client.get(reverse(page)).content.decode()
