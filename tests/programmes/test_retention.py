"""Participants' details go a set period after their last course or referral; their
anonymous register marks and scores stay for reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from hope.models import AuditEvent, Message, MessageStatus
from hope.retention import run_retention
from programmes.measures import Measure, Timepoint
from programmes.models import (
    LIVE_PLACE,
    Attendance,
    Channel,
    Mark,
    Participant,
    Place,
    PlaceStatus,
    Referral,
    ReferralStatus,
    Score,
)
from programmes.services.participants import (
    PlaceError,
    attendance_mark,
    feedback_record,
    place_request,
    referral_create,
    score_record,
)
from tests.factories import CourseFactory, ParticipantFactory, ReferralFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
RULE = "participants anonymised"
# The last course below ends on 26 November 2024: with 24 months, the details are kept
# through 26 November 2026 and removed by the nightly run (03:40) on the 27th.
LAST_END = datetime(2024, 11, 26, 12, 30, tzinfo=LONDON)
DAY_BEFORE = datetime(2026, 11, 25, 3, 40, tzinfo=LONDON)
LAST_DAY = datetime(2026, 11, 26, 3, 40, tzinfo=LONDON)
DAY_AFTER = datetime(2026, 11, 27, 3, 40, tzinfo=LONDON)


def retention_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return run_retention()[RULE]


def course_ending(last_end: datetime, **fields):
    """A six-week course (sessions of 2:30) whose last session ends at ``last_end``."""
    return CourseFactory(first_start=last_end - timedelta(weeks=5, hours=2, minutes=30), **fields)


def joined(course, by, person: Participant | None = None) -> Place:
    """A place taken a fortnight before the course began (and a GP's referral)."""
    first = course.sessions.get(number=1)
    with time_machine.travel(first.start - timedelta(days=14), tick=False):
        person = person or ParticipantFactory()
        ReferralFactory(participant=person)
        return place_request(participant=person, course=course, by=by)


@pytest.fixture
def finished(coordinator):
    """Sam did the course that ended on LAST_END: a full record, register and scores."""
    person = ParticipantFactory(
        full_name="Sam Fictional-Testperson", preferred_name="Sammy",
        email="sam@example.org", mobile="07700 900123", preferred_channel=Channel.SMS,
        postal_address="1 Nowhere Row\nNorthgate", access_needs="Large print, please",
        needs_transport=True, pickup_postcode="NG1 1AA",
        consent_evaluation=True, consent_evaluation_on=date(2024, 10, 1),
        consent_evaluation_how="written",
    )  # fmt: skip
    place = joined(course_ending(LAST_END), coordinator, person)
    marks = [Mark.PRESENT] * 5 + [Mark.ABSENT]
    for line, mark in zip(place.attendance.order_by("start"), marks, strict=True):
        with time_machine.travel(line.start, tick=False):
            attendance_mark(attendance=line, mark=mark, by=coordinator)
    for timepoint, items in [(Timepoint.FIRST, [2] * 7), (Timepoint.LAST, [4] * 7)]:
        score_record(
            place=place, measure=Measure.SWEMWBS, timepoint=timepoint, items=items,
            by=coordinator,
        )  # fmt: skip
    feedback_record(place=place, text="Sam says it changed everything", by=coordinator)
    return place


def test_details_are_kept_through_the_period_and_removed_the_night_after(finished):
    person = finished.participant
    assert retention_at(DAY_BEFORE) == 0
    assert retention_at(LAST_DAY) == 0
    assert Participant.objects.get(pk=person.pk).full_name == "Sam Fictional-Testperson"
    assert retention_at(DAY_AFTER) == 1
    person.refresh_from_db()
    assert person.anonymised_at == DAY_AFTER
    assert (
        person.full_name, person.preferred_name, person.email, person.mobile,
        person.postal_address, person.access_needs, person.pickup_postcode,
    ) == ("", "", "", "", "", "", "")  # fmt: skip
    assert Place.objects.get(pk=finished.pk).feedback == ""
    referral = Referral.objects.get(participant=person)
    assert referral.referrer == ""
    assert (referral.source, referral.status) == ("gp", ReferralStatus.ENROLLED)
    # What reports need stays: the evaluation consent, the register and the scores.
    assert person.consent_evaluation and person.needs_transport
    marks = list(Attendance.objects.filter(participant=person).values_list("mark", flat=True))
    assert marks == [Mark.PRESENT] * 5 + [Mark.ABSENT]
    totals = list(Score.objects.filter(place=finished).values_list("timepoint", "total"))
    assert sorted(totals) == [(Timepoint.FIRST, 14), (Timepoint.LAST, 28)]
    # The anonymised row satisfies every constraint, in the database and in Python.
    person.validate_constraints()


def test_running_twice_changes_nothing_more_and_the_audit_line_names_nobody(finished):
    assert retention_at(DAY_AFTER) == 1
    assert retention_at(DAY_AFTER + timedelta(days=1)) == 0
    lines = list(AuditEvent.objects.filter(action="retention.purged").values_list("summary"))
    assert lines == [("Deleted on schedule: 1 participants anonymised",)]
    everything = " ".join(AuditEvent.objects.values_list("summary", flat=True))
    assert "Sam" not in everything and "sam@example.org" not in everything


def test_the_latest_course_counts_whatever_became_of_the_place(finished, coordinator):
    later = course_ending(LAST_END + timedelta(days=60))
    place = joined(later, coordinator, finished.participant)
    Place.objects.filter(pk=place.pk).update(status=PlaceStatus.WITHDRAWN)
    assert retention_at(DAY_AFTER) == 0
    assert retention_at(DAY_AFTER + timedelta(days=60)) == 1


@pytest.mark.parametrize(
    "status, closed_on",
    [
        (ReferralStatus.DECLINED, date(2024, 11, 26)),  # counted from the day it closed
        (ReferralStatus.NOT_REACHED, date(2024, 11, 26)),
        (ReferralStatus.NEW, None),  # still open: counted from the day it was received
    ],
)
def test_someone_never_given_a_place_goes_after_their_last_referral(status, closed_on):
    received_on = closed_on - timedelta(days=40) if closed_on else date(2024, 11, 26)
    with time_machine.travel(datetime(2024, 9, 1, tzinfo=LONDON), tick=False):
        referral = ReferralFactory(status=status, received_on=received_on, closed_on=closed_on)
    assert retention_at(LAST_DAY) == 0
    assert retention_at(DAY_AFTER) == 1
    referral.refresh_from_db()
    assert referral.participant.is_anonymised and referral.status == status


def test_a_newer_referral_keeps_someone_whose_course_ended_long_ago(finished):
    ReferralFactory(
        participant=finished.participant, received_on=date(2025, 6, 1),
        status=ReferralStatus.DECLINED, closed_on=date(2025, 6, 20),
    )  # fmt: skip
    assert retention_at(DAY_AFTER) == 0
    assert retention_at(datetime(2027, 6, 21, 3, 40, tzinfo=LONDON)) == 1


def test_a_live_place_on_a_course_not_yet_ended_is_never_touched(settings, coordinator):
    settings.RETENTION_PARTICIPANT_MONTHS = 1
    with time_machine.travel(datetime(2020, 1, 6, tzinfo=LONDON), tick=False):
        enrolled, waiting, offered = (ParticipantFactory() for _ in range(3))
        for person in (enrolled, waiting, offered):
            ReferralFactory(participant=person, received_on=date(2020, 1, 6))
    with time_machine.travel(DAY_AFTER, tick=False):
        course = CourseFactory(capacity=1)  # starts in a week
    place = joined(course, coordinator, enrolled)
    joined(course, coordinator, waiting)
    joined(course, coordinator, offered)
    Place.objects.filter(participant=offered).update(
        status=PlaceStatus.OFFERED, offer_expires_at=DAY_AFTER + timedelta(days=3)
    )
    # Years after their referrals, in the middle of the course: nobody is touched.
    assert retention_at(place.attendance.order_by("start")[2].start) == 0
    assert not Participant.objects.filter(anonymised_at__isnull=False).exists()
    # A month and a day after it ended, they all go.
    last_end = max(s.end for s in course.sessions.all())
    assert retention_at(last_end + timedelta(days=32)) == 3


def test_their_messages_go_with_their_details_and_nobody_elses(finished, coordinator):
    person = finished.participant
    kept = ParticipantFactory(email="shared@example.org")
    kept_place = joined(course_ending(LAST_END + timedelta(days=365)), coordinator, kept)

    def message(key, to, kind="participant_reminder", **fields):
        return Message.objects.create(
            key=key, kind=kind, to_address=to, subject="HOPE", body_text="Hello Sam",
            due_at=LAST_END, **fields,
        ).pk  # fmt: skip

    theirs = [
        # About their place, to an address they have since changed, never sent.
        message(f"participant:reminder:place={finished.pk}:session=3", "old@example.org"),
        # Not about a place, to an address only they have.
        message("participant:follow_up:1", person.mobile, status=MessageStatus.SENT),
        # A reminder or session notice names the person, to an address they changed.
        message(f"participant:reminder:session=9:person={person.pk}:rev=0", "older@example.org"),
    ]
    others = [
        message(f"participant:reminder:place={kept_place.pk}", kept.email),
        message(f"participant:reminder:session=9:person={kept.pk}:rev=0", kept.email),
        # Sam now shares Kim's address: a message to it may be Kim's.
        message("participant:follow_up:2", "shared@example.org"),
        message("invitation:1", person.mobile, kind="invitation"),
    ]
    Participant.objects.filter(pk=person.pk).update(email="shared@example.org")
    assert Message.objects.filter(to_address="sam@example.org").exists()  # place confirmed
    assert retention_at(DAY_AFTER) == 1
    assert not Message.objects.filter(pk__in=theirs).exists()
    assert not Message.objects.filter(to_address="sam@example.org").exists()
    assert Message.objects.filter(pk__in=others).count() == len(others)


def test_a_record_with_neither_place_nor_referral_goes_the_period_after_it_was_made():
    with time_machine.travel(LAST_END, tick=False):
        ParticipantFactory()
    assert retention_at(LAST_DAY) == 0
    assert retention_at(DAY_AFTER) == 1


def test_a_record_that_was_anonymised_takes_no_new_referral_or_place(finished, coordinator):
    retention_at(DAY_AFTER)
    person = Participant.objects.get(pk=finished.participant_id)
    with time_machine.travel(DAY_AFTER, tick=False):
        with pytest.raises(PlaceError, match="anonymised"):
            referral_create(participant=person, referral=Referral(source="self"), by=coordinator)
        with pytest.raises(PlaceError, match="anonymised"):
            place_request(participant=person, course=CourseFactory(), by=coordinator)
    assert Referral.objects.filter(participant=person).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_place_given_while_retention_runs_either_keeps_them_or_is_refused(coordinator):
    from django.db import transaction

    from programmes.retention import anonymise_participants
    from tests.concurrency import run_together

    course = CourseFactory(capacity=20)  # starts in a week

    def retention():
        with transaction.atomic():
            return anonymise_participants(timezone.now())

    for _ in range(5):
        with time_machine.travel(datetime(2020, 1, 6, tzinfo=LONDON), tick=False):
            person = ReferralFactory(
                status=ReferralStatus.DECLINED, closed_on=date(2020, 1, 6)
            ).participant
        results = run_together(
            [
                retention,
                lambda p=person: place_request(participant=p, course=course, by=coordinator),
            ]
        )
        person.refresh_from_db()
        placed = Place.objects.filter(participant=person, status__in=LIVE_PLACE).exists()
        if person.is_anonymised:
            assert not placed and isinstance(results[1], PlaceError)
        else:
            assert placed and results[0] == 0
