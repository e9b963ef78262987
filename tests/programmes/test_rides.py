"""Rides: one per register line of someone who needs transport, following their place,
their apologies and their sessions; one driver per ride even when many click at once; no
driver in two places at once; the notices and reminders they cause, each once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from hope.models import Message, Notice
from hope.roles import Role
from programmes.models import Arranged, Direction, Mark, Ride, TransportLegs
from programmes.models.rides import rides_clash
from programmes.ride_notices import plan_driver_reminders
from programmes.services import course_cancel, course_update, session_cancel, session_change
from programmes.services.participants import (
    attendance_mark,
    participant_update,
    place_request,
    place_withdraw,
)
from programmes.services.rides import (
    RideError,
    RideTaken,
    ride_arrange,
    ride_cover_ask,
    ride_release,
    ride_set_pickup,
    ride_take,
)
from tests.concurrency import run_together
from tests.factories import CourseFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_driver(name="Val Singh", **kwargs):
    return UserFactory(full_name=name, roles=[Role.VOLUNTEER], is_driver=True, **kwargs)


def rider(**kwargs):
    return ParticipantFactory(
        full_name="Alice Jones", needs_transport=True, pickup_postcode="NG4 2RL", **kwargs
    )


@pytest.fixture
def course():
    return CourseFactory(capacity=5)


@pytest.fixture
def alice_place(course, coordinator):
    return place_request(participant=rider(), course=course, by=coordinator)


def live_rides(**filters):
    return Ride.objects.live().filter(**filters)


# --- Ride requests follow places, apologies and sessions ---------------------------------


def test_enrolling_someone_who_needs_transport_asks_for_a_ride_to_each_session(
    course, alice_place, coordinator
):
    rides = list(live_rides().order_by("start"))
    assert len(rides) == course.sessions.count() == 6
    assert {r.direction for r in rides} == {Direction.BOTH}
    first = course.sessions.order_by("start").first()
    assert rides[0].session == first
    assert rides[0].pickup_at == first.start - timedelta(minutes=30)
    assert rides[0].pickup_district == "NG4"
    # Someone who makes their own way asks for none.
    place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    assert live_rides().count() == 6


def test_there_and_back_separately_is_two_rides_per_session(course, coordinator):
    place_request(
        participant=rider(transport_legs=TransportLegs.SEPARATE), course=course, by=coordinator
    )
    assert live_rides(direction=Direction.THERE).count() == 6
    assert live_rides(direction=Direction.BACK).count() == 6


def test_leaving_the_course_withdraws_the_rides_and_tells_the_driver(
    course, alice_place, coordinator
):
    driver = make_driver()
    ride = live_rides().order_by("start").first()
    ride_take(ride=ride, driver=driver, by=driver)
    place_withdraw(place=alice_place, by=coordinator)
    assert live_rides().count() == 0
    ride.refresh_from_db()
    assert ride.withdrawn_reason == "Alice left the course"
    notice = Notice.objects.get(recipient=driver, key__startswith="ride:withdrawn:")
    assert "no longer needed, because Alice left the course" in notice.body_text


def test_no_longer_needing_transport_withdraws_and_needing_it_again_revives(
    alice_place, coordinator
):
    participant = alice_place.participant
    participant_update(participant=participant, values={"needs_transport": False}, by=coordinator)
    assert live_rides().count() == 0
    participant_update(participant=participant, values={"needs_transport": True}, by=coordinator)
    # The same rows come back (one per line and direction), unmet.
    assert live_rides().count() == 6 == Ride.objects.count()
    participant_update(
        participant=participant, values={"transport_legs": TransportLegs.THERE}, by=coordinator
    )
    assert set(live_rides().values_list("direction", flat=True)) == {Direction.THERE}


def test_apologies_on_the_day_withdraw_that_days_ride(coordinator):
    # 10:00 on a Tuesday; the session is at 14:00 the same day, so its register is open.
    with time_machine.travel(
        timezone.make_aware(timezone.datetime(2026, 12, 1, 10, 0)), tick=False
    ):
        start = timezone.now() + timedelta(hours=4)
        course = CourseFactory(first_start=start)
        place = place_request(participant=rider(), course=course, by=coordinator)
        line = place.attendance.get(session__number=1)
        attendance_mark(attendance=line, mark=Mark.APOLOGIES, by=coordinator)
        assert not live_rides(session=line.session).exists()
        assert live_rides().count() == 5
        # Taken back before the start: the ride is wanted again.
        attendance_mark(attendance=line, mark=Mark.PRESENT, by=coordinator)
        assert live_rides(session=line.session).exists()


def test_a_moved_session_moves_its_ride_and_tells_the_driver(course, alice_place, coordinator):
    driver = make_driver()
    session = course.sessions.order_by("start").first()
    ride = live_rides(session=session).get()
    ride_take(ride=ride, driver=driver, by=driver)
    new_start = session.start + timedelta(days=1)
    session_change(session=session, start=new_start, venue=session.venue, by=coordinator)
    ride.refresh_from_db()
    assert ride.start == new_start - timedelta(minutes=30)
    assert ride.driver == driver
    changed = Notice.objects.get(recipient=driver, key__startswith="ride:changed:")
    assert "collect at" in changed.body_text
    # A second look at the same revision tells nobody again.
    session_change(session=session, start=new_start, venue=session.venue, by=coordinator)
    assert Notice.objects.filter(recipient=driver, key__startswith="ride:changed:").count() == 2


def test_a_cancelled_session_or_course_withdraws_the_rides(course, alice_place, coordinator):
    session = course.sessions.order_by("start").first()
    session_cancel(session=session, by=coordinator)
    assert not live_rides(session=session).exists()
    assert live_rides().count() == 5
    course_cancel(course=course, by=coordinator)
    assert live_rides().count() == 0


def test_a_course_back_to_draft_withdraws_its_rides_and_publishing_brings_them_back(
    course, alice_place, coordinator
):
    def update(status):
        course_update(
            course=course,
            title=course.title,
            capacity=course.capacity,
            status=status,
            venue=course.venue,
            by=coordinator,
        )

    update("draft")
    assert live_rides().count() == 0
    update("published")
    assert live_rides().count() == 6


# --- Taking, giving back and passing on ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_drivers_racing_for_one_ride_leave_exactly_one_driver(coordinator):
    course = CourseFactory()
    place_request(participant=rider(), course=course, by=coordinator)
    ride = Ride.objects.order_by("start").first()
    drivers = [make_driver(f"Driver {n}") for n in range(20)]
    results = run_together([lambda d=d: ride_take(ride=ride, driver=d, by=d) for d in drivers])
    won = [r for r in results if isinstance(r, Ride)]
    lost = [r for r in results if isinstance(r, RideTaken)]
    assert len(won) == 1 and len(lost) == 19, results
    ride.refresh_from_db()
    assert ride.driver == won[0].driver


def test_a_driver_cannot_hold_two_rides_that_overlap(coordinator):
    driver = make_driver()
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    one = CourseFactory(first_start=start)
    other = CourseFactory(first_start=start + timedelta(hours=1))
    place_request(participant=rider(), course=one, by=coordinator)
    place_request(participant=rider(), course=other, by=coordinator)
    first = live_rides(session__course=one).order_by("start").first()
    second = live_rides(session__course=other).order_by("start").first()
    ride_take(ride=first, driver=driver, by=driver)
    with pytest.raises(RideError, match="You hold another ride then"):
        ride_take(ride=second, driver=driver, by=driver)
    # PostgreSQL keeps the rule when the check is skipped.
    second.driver, second.driver_since = driver, timezone.now()
    with pytest.raises(IntegrityError, match="programmes_ride_no_overlap_per_driver"):
        second.save()


def test_the_clash_rule_for_rows_in_hand_is_the_querysets_and_the_constraints(coordinator):
    """The board marks the rides a driver could not take from rows in hand
    (``rides_clash``); the service asks PostgreSQL (``Ride.objects.clashing_with``), and
    the constraint has the last word. All three agree: touching is no clash, nor is the
    same session, any overlap of another is."""
    driver = make_driver()
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    held, other = CourseFactory(first_start=start), CourseFactory(first_start=start)
    place_request(participant=rider(), course=held, by=coordinator)
    place_request(participant=rider(), course=other, by=coordinator)
    ride = live_rides(session__course=held).order_by("start").first()
    ride_take(ride=ride, driver=driver, by=driver)
    second = live_rides(session__course=other).order_by("start").first()
    in_hand = [(ride.session_id, ride.start, ride.end)]
    minutes = timedelta(minutes=1)
    cases = {
        "ends as it starts": (ride.start - 30 * minutes, ride.start, False),
        "starts as it ends": (ride.end, ride.end + 30 * minutes, False),
        "overlaps its start": (ride.start - 30 * minutes, ride.start + minutes, True),
        "inside it": (ride.start + minutes, ride.end - minutes, True),
        "overlaps its end": (ride.end - minutes, ride.end + 30 * minutes, True),
    }
    for name, (other_start, other_end, clashes) in cases.items():
        assert rides_clash(second.session_id, other_start, other_end, in_hand) is clashes, name
        found = Ride.objects.filter(pk=ride.pk).clashing_with(
            second.session_id, other_start, other_end
        )
        assert found.exists() is clashes, name
        # The constraint, with the check skipped: the same driver on the other ride then.
        second.start, second.end = other_start, other_end
        second.driver, second.driver_since = driver, timezone.now()
        try:
            with transaction.atomic():
                second.save(update_fields=["start", "end", "driver", "driver_since"])
                transaction.set_rollback(True)
        except IntegrityError as error:
            assert clashes, f"{name}: {error}"
        else:
            assert not clashes, f"{name}: PostgreSQL let it through"
    # The same session is never a clash: one car, several passengers.
    assert not rides_clash(ride.session_id, ride.start, ride.end, in_hand)
    assert (
        not Ride.objects.filter(pk=ride.pk)
        .clashing_with(ride.session_id, ride.start, ride.end)
        .exists()
    )


def test_two_passengers_to_the_same_session_share_one_driver(course, coordinator):
    driver = make_driver()
    place_request(participant=rider(), course=course, by=coordinator)
    place_request(participant=rider(), course=course, by=coordinator)
    session = course.sessions.order_by("start").first()
    for ride in live_rides(session=session):
        ride_take(ride=ride, driver=driver, by=driver)
    assert Ride.objects.held().filter(driver=driver, session=session).count() == 2


def test_only_a_driver_may_take_rides(alice_place, volunteer, workforce_facilitator):
    ride = live_rides().first()
    not_driving = UserFactory(roles=[Role.VOLUNTEER])
    with pytest.raises(RideError, match="not an active volunteer driver"):
        ride_take(ride=ride, driver=not_driving, by=not_driving)
    with pytest.raises(RideError, match="Only a coordinator"):
        ride_take(ride=ride, driver=volunteer, by=workforce_facilitator)


def test_taking_a_ride_tells_the_participant_who_collects_them_and_when(alice_place):
    driver = make_driver()
    ride = live_rides().order_by("start").first()
    ride_take(ride=ride, driver=driver, by=driver)
    message = Message.objects.get(kind="participant_ride_booked")
    assert message.to_address == alice_place.participant.email
    pickup = timezone.localtime(ride.session.start - timedelta(minutes=30))
    assert f"Val will collect you at {pickup:%H:%M}" in message.body_text
    # A new pick-up time is news; the same time again is not.
    ride_set_pickup(ride=ride, lead=timedelta(minutes=20), by=driver)
    ride_set_pickup(ride=ride, lead=timedelta(minutes=20), by=driver)
    assert Message.objects.filter(kind="participant_ride_booked").count() == 2


def test_giving_back_needs_notice_and_cover_passes_the_ride_on(alice_place, coordinator):
    val, derek = make_driver(), make_driver("Derek Lowe")
    ride = live_rides().order_by("start").first()  # a week away: inside the notice period
    ride_take(ride=ride, driver=val, by=val)
    with pytest.raises(RideError, match="Ask for cover"):
        ride_release(ride=ride, by=val)
    ride_cover_ask(ride=ride, by=val)
    assert Notice.objects.filter(recipient=derek, key__startswith="ride:cover-asked:").exists()
    assert Notice.objects.filter(
        recipient=coordinator, key__startswith="ride:cover-asked:"
    ).exists()
    ride_take(ride=ride, driver=derek, by=derek)
    ride.refresh_from_db()
    assert ride.driver == derek and ride.cover_wanted_at is None
    covered = Notice.objects.get(recipient=val, key__startswith="ride:covered:")
    assert "Derek Lowe has taken over your ride" in covered.body_text


def test_a_held_ride_without_cover_wanted_cannot_be_taken_by_another_driver(alice_place):
    val, derek = make_driver(), make_driver("Derek Lowe")
    ride = live_rides().order_by("start").first()
    ride_take(ride=ride, driver=val, by=val)
    with pytest.raises(RideTaken):
        ride_take(ride=ride, driver=derek, by=derek)


def test_a_coordinator_arranges_a_ride_another_way_and_the_driver_is_told(alice_place, coordinator):
    val = make_driver()
    ride = live_rides().order_by("start").first()
    ride_take(ride=ride, driver=val, by=val)
    ride_arrange(ride=ride, how=Arranged.TAXI, by=coordinator)
    ride.refresh_from_db()
    assert ride.driver is None and ride.arranged == Arranged.TAXI
    assert not Ride.objects.unmet().filter(pk=ride.pk).exists()
    assert Notice.objects.filter(recipient=val, key__startswith="ride:released:").exists()
    ride_arrange(ride=ride, how="", by=coordinator)
    assert Ride.objects.unmet().filter(pk=ride.pk).exists()


def test_the_driver_reminder_is_stored_once_the_day_before_with_the_pickup(
    alice_place, coordinator
):
    val = make_driver()
    ride = live_rides().order_by("start").first()
    ride_take(ride=ride, driver=val, by=val)
    assert plan_driver_reminders() == 0  # a week away
    with time_machine.travel(ride.session.start - timedelta(hours=23), tick=False):
        assert plan_driver_reminders() == 1
        assert plan_driver_reminders() == 0
    reminder = Message.objects.get(kind="ride_reminder")
    assert reminder.recipient == val
    assert "Collect from: NG4 2RL" in reminder.body_text


def test_the_participants_reminder_names_their_driver(alice_place, coordinator):
    from programmes.notices import plan_reminders

    val = make_driver()
    ride = live_rides().order_by("start").first()
    ride_take(ride=ride, driver=val, by=val)
    with time_machine.travel(ride.session.start - timedelta(days=1, minutes=-1), tick=False):
        assert plan_reminders() == 1
    reminder = Message.objects.get(kind="participant_reminder")
    pickup = timezone.localtime(ride.pickup_at)
    assert f"Val will collect you at {pickup:%H:%M} and drive you home" in reminder.body_text


def test_a_drivers_reminder_loses_its_pickup_details_a_week_after_the_session(alice_place):
    from hope.retention import run_retention

    val = make_driver()
    ride = live_rides().order_by("start").first()
    ride_take(ride=ride, driver=val, by=val)
    with time_machine.travel(ride.session.start - timedelta(hours=23), tick=False):
        plan_driver_reminders()
    reminder = Message.objects.get(kind="ride_reminder")
    run_retention(now=ride.session.end + timedelta(days=6))
    reminder.refresh_from_db()
    assert "NG4 2RL" in reminder.body_text
    run_retention(now=ride.session.end + timedelta(days=9))
    reminder.refresh_from_db()
    assert reminder.body_text == "" and reminder.body_html == ""
