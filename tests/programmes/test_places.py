"""Places on courses: capacity that holds under contention, a fair waiting list, offers
that lapse and pass on exactly once, no two courses at once, the register and scores."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from hope.models import Message
from programmes.measures import Measure, Timepoint
from programmes.models import Attendance, Mark, Place, PlaceStatus, ReferralStatus, Score
from programmes.services import session_cancel, session_change
from programmes.services.participants import (
    PlaceError,
    ScoreError,
    attendance_mark,
    offer_accept,
    offer_decline,
    offers_lapse,
    place_request,
    place_withdraw,
    score_record,
)
from tests.concurrency import run_together
from tests.factories import CourseFactory, ParticipantFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_course():
    return CourseFactory(title="Carers – Tuesdays", capacity=2)


def statuses(course) -> list[tuple[int, str]]:
    return list(
        Place.objects.filter(course=course).order_by("pk").values_list("participant_id", "status")
    )


def test_places_fill_then_the_waiting_list_grows_in_order(small_course, coordinator):
    people = [ParticipantFactory() for _ in range(4)]
    for person in people:
        place_request(participant=person, course=small_course, by=coordinator)
    assert statuses(small_course) == [
        (people[0].pk, PlaceStatus.ENROLLED),
        (people[1].pk, PlaceStatus.ENROLLED),
        (people[2].pk, PlaceStatus.WAITING),
        (people[3].pk, PlaceStatus.WAITING),
    ]
    # Enrolled people have a register line for every session; waiting people none.
    assert Attendance.objects.filter(participant=people[0]).count() == 6
    assert not Attendance.objects.filter(participant=people[2]).exists()
    kinds = sorted(Message.objects.values_list("kind", flat=True))
    assert kinds == ["participant_place_confirmed"] * 2 + ["participant_waiting_list"] * 2


def test_enrolling_twice_is_refused_and_changes_nothing(small_course, coordinator):
    person = ParticipantFactory()
    place_request(participant=person, course=small_course, by=coordinator)
    with pytest.raises(PlaceError, match="already have a place on this course"):
        place_request(participant=person, course=small_course, by=coordinator)
    assert Place.objects.count() == 1


def test_a_withdrawal_offers_the_place_to_the_first_waiting_who_may_accept(
    small_course, coordinator
):
    first, second, waiting, later = (ParticipantFactory() for _ in range(4))
    referral = ReferralFactory(participant=waiting)
    places = {
        p: place_request(participant=p, course=small_course, by=coordinator)
        for p in (first, second, waiting, later)
    }
    place_withdraw(place=places[first], by=coordinator)
    offered = Place.objects.get(pk=places[waiting].pk)
    assert offered.status == PlaceStatus.OFFERED
    assert offered.offer_expires_at - offered.offered_at == timedelta(days=3)
    assert Place.objects.get(pk=places[later].pk).status == PlaceStatus.WAITING
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.OFFERED
    assert Message.objects.filter(kind="participant_place_offered").count() == 1
    # The place is held for them: a newcomer joins the waiting list, not the course.
    newcomer = place_request(participant=ParticipantFactory(), course=small_course, by=coordinator)
    assert newcomer.status == PlaceStatus.WAITING
    offer_accept(place=offered, by=coordinator)
    assert Place.objects.get(pk=offered.pk).status == PlaceStatus.ENROLLED
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENROLLED and referral.closed_on is not None
    # Their future register lines are gone from the register; the leaver's are not expected.
    assert not Attendance.objects.filter(participant=first, expected=True).exists()
    assert Attendance.objects.filter(participant=waiting, expected=True).count() == 6


def test_an_offer_lapses_after_three_days_and_passes_on_exactly_once(small_course, coordinator):
    people = [ParticipantFactory() for _ in range(4)]
    places = [place_request(participant=p, course=small_course, by=coordinator) for p in people]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        place_withdraw(place=places[0], by=coordinator)
    with time_machine.travel(start + timedelta(days=3) - timedelta(minutes=1), tick=False):
        assert offers_lapse() == 0
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        assert offers_lapse() == 1
        assert offers_lapse() == 0  # a beat that fires twice changes nothing more
        with pytest.raises(PlaceError, match="lapsed"):
            offer_accept(place=places[2], by=coordinator)
    assert Place.objects.get(pk=places[2].pk).status == PlaceStatus.LAPSED
    assert Place.objects.get(pk=places[3].pk).status == PlaceStatus.OFFERED
    assert Message.objects.filter(kind="participant_place_offered").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_lapsing_offers_at_once_pass_each_place_on_once(small_course, coordinator):
    places = [
        place_request(participant=ParticipantFactory(), course=small_course, by=coordinator)
        for _ in range(4)
    ]
    place_withdraw(place=places[0], by=coordinator)
    later = timezone.now() + timedelta(days=4)
    results = run_together([lambda: offers_lapse(later)] * 4)
    assert sorted(r for r in results if isinstance(r, int)) == [0, 0, 0, 1]
    assert Place.objects.filter(course=small_course, status=PlaceStatus.OFFERED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_enrolling_for_the_last_place_at_once_never_overfill(coordinator):
    course = CourseFactory(capacity=3)
    for _ in range(2):
        place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    people = [ParticipantFactory() for _ in range(8)]
    results = run_together(
        [lambda p=p: place_request(participant=p, course=course, by=coordinator) for p in people]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Place.objects.filter(course=course, status=PlaceStatus.ENROLLED).count() == 3
    assert Place.objects.filter(course=course, status=PlaceStatus.WAITING).count() == 7


def test_declining_an_offer_passes_it_on(small_course, coordinator):
    places = [
        place_request(participant=ParticipantFactory(), course=small_course, by=coordinator)
        for _ in range(4)
    ]
    place_withdraw(place=places[1], by=coordinator)
    offer_decline(place=Place.objects.get(pk=places[2].pk), by=coordinator)
    assert statuses(small_course)[2:] == [
        (places[2].participant_id, PlaceStatus.DECLINED),
        (places[3].participant_id, PlaceStatus.OFFERED),
    ]


def test_one_person_cannot_hold_places_on_two_courses_at_the_same_time(coordinator):
    same_time = timezone.now().replace(second=0, microsecond=0) + timedelta(days=10)
    first = CourseFactory(title="Tuesday mornings", first_start=same_time)
    second = CourseFactory(title="Also Tuesday mornings", first_start=same_time)
    another_day = CourseFactory(first_start=same_time + timedelta(days=1))
    person = ParticipantFactory()
    place_request(participant=person, course=first, by=coordinator)
    with pytest.raises(PlaceError, match="“Tuesday mornings”, which meets at the same time"):
        place_request(participant=person, course=second, by=coordinator)
    assert not Place.objects.filter(course=second).exists()
    place_request(participant=person, course=another_day, by=coordinator)  # fine


def test_a_session_moved_onto_a_participants_other_course_is_refused(coordinator):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=10)
    first = CourseFactory(first_start=start)
    second = CourseFactory(first_start=start + timedelta(days=1))
    person = ParticipantFactory()
    place_request(participant=person, course=first, by=coordinator)
    place_request(participant=person, course=second, by=coordinator)
    from programmes.services import CourseError

    session = second.sessions.get(number=1)
    with pytest.raises(CourseError, match="place on another course at that time"):
        session_change(session=session, start=start, venue=session.venue, by=coordinator)
    # A cancelled session is no longer expected of anyone.
    session_cancel(session=session, by=coordinator)
    assert not Attendance.objects.get(session=session).expected


def test_the_register_marks_once_however_often_it_is_sent(midday, coordinator):
    course = CourseFactory(first_start=timezone.now().replace(microsecond=0) + timedelta(hours=1))
    place = place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    line = Attendance.objects.get(place=place, session__number=1)
    attendance_mark(attendance=line, mark=Mark.PRESENT, by=coordinator)
    first_marked_at = Attendance.objects.get(pk=line.pk).marked_at
    attendance_mark(attendance=line, mark=Mark.PRESENT, by=coordinator)  # a retry
    assert Attendance.objects.get(pk=line.pk).marked_at == first_marked_at
    attendance_mark(attendance=line, mark=Mark.APOLOGIES, by=coordinator)
    assert Attendance.objects.get(pk=line.pk).mark == Mark.APOLOGIES
    later = Attendance.objects.get(place=place, session__number=2)
    with pytest.raises(PlaceError, match="opens on the day of the session"):
        attendance_mark(attendance=later, mark=Mark.PRESENT, by=coordinator)
    with pytest.raises(PlaceError, match="Choose present"):
        attendance_mark(attendance=line, mark="maybe", by=coordinator)


def test_scores_are_computed_on_the_server_and_out_of_range_is_refused(coordinator):
    course = CourseFactory()
    course.programme.measures = [Measure.SWEMWBS, Measure.WEMWBS, Measure.PAM]
    course.programme.save()
    place = place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    score = score_record(
        place=place, measure=Measure.SWEMWBS, timepoint=Timepoint.FIRST,
        items=[3, 3, 3, 3, 3, 3, 3], by=coordinator,
    )  # fmt: skip
    assert (score.total, score.metric) == (Decimal("21"), Decimal("19.25"))
    score = score_record(
        place=place, measure=Measure.WEMWBS, timepoint=Timepoint.FIRST,
        items=[5] * 14, by=coordinator,
    )  # fmt: skip
    assert score.total == Decimal("70")
    score = score_record(
        place=place, measure=Measure.PAM, timepoint=Timepoint.LAST,
        pam_score="55.2", pam_level="3", by=coordinator,
    )  # fmt: skip
    assert (score.total, score.level) == (Decimal("55.2"), 3)
    for items, message in [
        ([3] * 6, "Enter all 7 answers"),
        ([3] * 6 + [6], "Item 7: enter a number from 1 to 5"),
        ([3] * 6 + ["x"], "Item 7: enter a number from 1 to 5"),
    ]:
        with pytest.raises(ScoreError, match=message):
            score_record(
                place=place, measure=Measure.SWEMWBS, timepoint=Timepoint.LAST,
                items=items, by=coordinator,
            )  # fmt: skip
    with pytest.raises(ScoreError, match="PAM score, from 0 to 100"):
        score_record(
            place=place, measure=Measure.PAM, timepoint=Timepoint.FIRST,
            pam_score="101", pam_level="4", by=coordinator,
        )  # fmt: skip
    assert Score.objects.count() == 3


def test_a_measure_the_programme_does_not_use_is_refused(coordinator):
    place = place_request(participant=ParticipantFactory(), course=CourseFactory(), by=coordinator)
    with pytest.raises(PlaceError, match="does not use this measure"):
        score_record(
            place=place, measure=Measure.PAM, timepoint=Timepoint.FIRST,
            pam_score="50", pam_level="2", by=coordinator,
        )  # fmt: skip


def test_nobody_is_messaged_without_consent_to_be_contacted(small_course, coordinator):
    person = ParticipantFactory(
        consent_contact=False, consent_contact_on=None, consent_contact_how=""
    )
    place_request(participant=person, course=small_course, by=coordinator)
    assert not Message.objects.exists()
