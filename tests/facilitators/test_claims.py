from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.transaction import TransactionManagementError
from django.urls import reverse
from django.utils import timezone

from facilitators.cover import add_cover, paired
from facilitators.models import FacilitatorKind, FacilitatorStatus, SessionClaim
from facilitators.services import (
    CourseClaimIncomplete,
    SlotError,
    SlotTaken,
    _lock_profile,
    _lock_session,
    course_claim,
    slot_claim,
)
from hope.models import TeamSettings
from hope.roles import Role
from programmes.models import CourseStatus, Session
from programmes.services import course_cancel, session_cancel, session_change
from tests.concurrency import run_together
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def held(session):
    return {c.kind: c.facilitator_id for c in SessionClaim.objects.held().filter(session=session)}


def test_facilitator_claims_a_session_from_the_board(client, course, workforce):
    session = course.sessions.get(number=1)
    client.force_login(workforce.user)
    claim_url = reverse("facilitators:claim_session", args=[session.pk])
    assert f'action="{claim_url}"' in client.get(reverse("facilitators:board")).content.decode()
    response = client.post(claim_url)
    assert response.status_code == 302
    assert held(session) == {FacilitatorKind.WORKFORCE: workforce.pk}
    mine = client.get(reverse("facilitators:mine"))
    assert [c.session_id for c in mine.context["upcoming"]] == [session.pk]
    # The slot is no longer on the board for anyone of this kind.
    assert claim_url not in client.get(reverse("facilitators:board")).content.decode()


def test_both_kinds_make_a_pair(course, workforce, lived):
    session = course.sessions.get(number=1)
    slot_claim(session=session, facilitator=workforce, by=workforce.user)
    slot_claim(session=session, facilitator=lived, by=lived.user)
    add_cover([session])
    assert session.cover_state == "paired"
    assert session.workforce_name == workforce.user.full_name
    assert list(paired(type(session).objects.filter(course=course))) == [session]


def test_database_refuses_a_claim_in_the_other_kinds_slot(course, workforce):
    session = course.sessions.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionClaim.objects.create(
            session=session,
            kind=FacilitatorKind.LIVED_EXPERIENCE,
            facilitator=workforce,
            start=session.start,
            end=session.end,
        )


def test_database_refuses_two_people_in_one_slot_and_one_person_in_two_places(course, workforce):
    session = course.sessions.first()
    SessionClaimFactory(session=session, facilitator=workforce)
    other = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionClaimFactory(session=session, facilitator=other)
    elsewhere = CourseFactory(first_start=session.start + timedelta(hours=1)).sessions.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionClaimFactory(session=elsewhere, facilitator=workforce)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("past", "already started"),
        ("cancelled", "cancelled"),
        ("untrained", "not trained to deliver"),
        ("paused", "not an active facilitator"),
        ("clash", "already holds"),
        ("taken", "just taken by someone else"),
    ],
)
def test_claims_that_break_a_rule_are_refused_with_a_message(
    client, course, workforce, setup, message
):
    session = course.sessions.get(number=2)
    if setup == "past":
        session.start, session.end = (
            timezone.now() - timedelta(hours=1),
            timezone.now() + timedelta(hours=1),
        )
        session.save()
    elif setup == "cancelled":
        session.is_cancelled = True
        session.save()
    elif setup == "untrained":
        workforce.trainings.all().delete()
    elif setup == "paused":
        workforce.status = FacilitatorStatus.PAUSED
        workforce.save()
    elif setup == "clash":
        other = CourseFactory(first_start=session.start + timedelta(minutes=30)).sessions.first()
        TrainingFactory(profile=workforce, programme=other.course.programme)
        SessionClaimFactory(session=other, facilitator=workforce)
    elif setup == "taken":
        SessionClaimFactory(session=session, facilitator=FacilitatorProfileFactory())
    before = list(SessionClaim.objects.values_list("pk", flat=True))
    client.force_login(workforce.user)
    response = client.post(reverse("facilitators:claim_session", args=[session.pk]), follow=True)
    assert any(message in str(m) for m in response.context["messages"]), setup
    assert list(SessionClaim.objects.values_list("pk", flat=True)) == before


def test_whole_course_claim_takes_every_free_session(client, course, lived):
    client.force_login(lived.user)
    ids = list(course.sessions.values_list("pk", flat=True))
    client.post(reverse("facilitators:claim_course", args=[course.pk]), {"session": ids})
    assert SessionClaim.objects.held().filter(facilitator=lived).count() == 6


def test_whole_course_claim_is_all_or_nothing_and_names_what_was_taken(client, course, lived):
    ids = list(course.sessions.values_list("pk", flat=True))
    taken = course.sessions.get(number=4)
    rival = FacilitatorProfileFactory(kind=FacilitatorKind.LIVED_EXPERIENCE)
    SessionClaimFactory(session=taken, facilitator=rival)
    client.force_login(lived.user)
    response = client.post(
        reverse("facilitators:claim_course", args=[course.pk]), {"session": ids}, follow=True
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Nothing was claimed" in text and "session 4" in text
    assert not SessionClaim.objects.filter(facilitator=lived).exists()


def test_release_rules(client, course, workforce, coordinator):
    far = course.sessions.get(number=6)  # about eight weeks away
    near = course.sessions.get(number=1)
    near.start = timezone.now() + timedelta(days=3)
    near.end = near.start + timedelta(hours=2)
    near.save()
    far_claim = SessionClaimFactory(session=far, facilitator=workforce)
    near_claim = SessionClaimFactory(session=near, facilitator=workforce)
    client.force_login(workforce.user)
    client.post(reverse("facilitators:release", args=[far_claim.pk]))
    far_claim.refresh_from_db()
    assert far_claim.released_at is not None
    response = client.post(reverse("facilitators:release", args=[near_claim.pk]), follow=True)
    assert "contact your coordinator" in " ".join(str(m) for m in response.context["messages"])
    near_claim.refresh_from_db()
    assert near_claim.released_at is None
    # The notice period is the team's choice.
    settings_row = TeamSettings.current()
    settings_row.release_notice_days = 2
    settings_row.save()
    client.post(reverse("facilitators:release", args=[near_claim.pk]))
    near_claim.refresh_from_db()
    assert near_claim.released_at is not None


def test_coordinator_releases_late_and_nobody_releases_someone_elses(
    client, course, workforce, lived, coordinator
):
    claim = SessionClaimFactory(session=course.sessions.first(), facilitator=workforce)
    client.force_login(lived.user)
    assert client.post(reverse("facilitators:release", args=[claim.pk])).status_code == 404
    claim.refresh_from_db()
    assert claim.released_at is None
    client.force_login(coordinator)
    client.post(reverse("facilitators:release", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.released_by == coordinator


def test_moving_a_session_moves_its_claims_and_refuses_a_holder_clash(
    course, workforce, coordinator
):
    session = course.sessions.get(number=1)
    claim = SessionClaimFactory(session=session, facilitator=workforce)
    new_start = session.start + timedelta(days=1)
    session_change(session=session, start=new_start, venue=session.venue, by=coordinator)
    claim.refresh_from_db()
    assert claim.start == new_start
    other = CourseFactory(first_start=new_start + timedelta(days=1)).sessions.first()
    TrainingFactory(profile=workforce, programme=other.course.programme)
    SessionClaimFactory(session=other, facilitator=workforce)
    from programmes.services import CourseError

    with pytest.raises(CourseError, match="runs another session at that time"):
        session_change(session=session, start=other.start, venue=VenueFactory(), by=coordinator)


def test_cancelling_releases_the_holders(course, workforce, lived, coordinator):
    first, second = course.sessions.get(number=1), course.sessions.get(number=2)
    SessionClaimFactory(session=first, facilitator=workforce)
    SessionClaimFactory(session=second, facilitator=lived)
    session_cancel(session=first, by=coordinator)
    assert held(first) == {}
    course_cancel(course=course, by=coordinator)
    assert not SessionClaim.objects.held().exists()
    assert SessionClaim.objects.filter(release_reason="session cancelled").count() == 2


@pytest.mark.django_db(transaction=True)
def test_twenty_people_claiming_one_slot_at_once_give_one_winner():
    programme = ProgrammeFactory()
    session = CourseFactory(programme=programme).sessions.first()
    profiles = []
    for _ in range(20):
        user = UserFactory(roles=[Role.FACILITATOR])
        profile = FacilitatorProfileFactory(user=user, kind=FacilitatorKind.WORKFORCE)
        TrainingFactory(profile=profile, programme=programme)
        profiles.append(profile)
    results = run_together(
        [lambda p=p: slot_claim(session=session, facilitator=p, by=p.user) for p in profiles]
    )
    outcomes = ["taken" if isinstance(r, SlotTaken) else "won" for r in results]
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, SlotTaken)]
    assert sorted(outcomes) == ["taken"] * 19 + ["won"]
    assert SessionClaim.objects.held().filter(session=session).count() == 1


def test_drafts_are_invisible_to_facilitators(client, course, workforce):
    course.status = CourseStatus.DRAFT
    course.save()
    client.force_login(workforce.user)
    session = course.sessions.first()
    assert client.post(reverse("facilitators:claim_session", args=[session.pk])).status_code == 404
    with pytest.raises(SlotError, match="not published"):
        slot_claim(session=session, facilitator=workforce, by=workforce.user)
    assert not SessionClaim.objects.exists()


def test_service_refuses_claiming_no_sessions(course, lived):
    with pytest.raises(SlotError):
        course_claim(course=course, facilitator=lived, session_ids=[], by=lived.user)
    with pytest.raises(CourseClaimIncomplete):
        first = course.sessions.first()
        SessionClaimFactory(
            session=first,
            facilitator=FacilitatorProfileFactory(kind=FacilitatorKind.LIVED_EXPERIENCE),
        )
        course_claim(course=course, facilitator=lived, session_ids=[first.pk], by=lived.user)


@pytest.mark.django_db(transaction=True)
def test_the_compiled_row_locks_are_refused_outside_a_transaction(course, workforce):
    """The claim's locking reads are SQL compiled once (hope/compiled.py), which Django
    no longer checks: they refuse, as select_for_update().get() does, to run where the
    lock would be let go at once."""
    session = course.sessions.first()
    # Compiled first inside a transaction, as a claim does: Django's own check ran then.
    with transaction.atomic():
        assert _lock_session(session.pk) == session
        assert _lock_profile(workforce) == workforce
        with pytest.raises(Session.DoesNotExist):
            _lock_session(session.pk + 10_000)
    with pytest.raises(TransactionManagementError):
        _lock_session(session.pk)
    with pytest.raises(TransactionManagementError):
        _lock_profile(workforce)
