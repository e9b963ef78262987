"""Rides for expense tests: held by a driver at sessions already held, written directly
(programmes' tests cover how rides come and go), and mileage claims made from them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from expenses.models import Category, ClaimRide, ExpenseClaim, ExpenseKind, ExpenseStatus
from hope.roles import Role
from programmes.models import (
    Attendance,
    Course,
    Direction,
    Place,
    PlaceStatus,
    Ride,
    Session,
    ride_window,
)
from programmes.models.rides import USUAL_PICKUP_LEAD
from tests.factories import CourseFactory, ParticipantFactory, UserFactory


def driver(**kwargs):
    return UserFactory(roles=[Role.VOLUNTEER], is_driver=True, **kwargs)


def rider(postcode: str = "NG4 2RL", **kwargs):
    return ParticipantFactory(needs_transport=True, pickup_postcode=postcode, **kwargs)


def past_course(days_ago: int = 8, **kwargs) -> Course:
    """A course whose first session was ``days_ago`` days ago (weekly after that)."""
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(days=days_ago)
    return CourseFactory(first_start=start, **kwargs)


def ride_for(
    session: Session,
    participant,
    *,
    by=None,
    direction: str = Direction.BOTH,
    withdrawn_at: datetime | None = None,
) -> Ride:
    """A ride to ``session`` for ``participant`` (given a place and a register line),
    held by ``by`` when given."""
    place, _ = Place.objects.get_or_create(
        course=session.course,
        participant=participant,
        defaults={"status": PlaceStatus.ENROLLED, "enrolled_at": timezone.now()},
    )
    line, _ = Attendance.objects.get_or_create(
        place=place,
        session=session,
        defaults={"participant": participant, "start": session.start, "end": session.end},
    )
    start, end = ride_window(direction, session, USUAL_PICKUP_LEAD)
    return Ride.objects.create(
        attendance=line,
        session=session,
        participant=participant,
        direction=direction,
        start=start,
        end=end,
        driver=by,
        driver_since=timezone.now() if by else None,
        withdrawn_at=withdrawn_at,
        withdrawn_reason="they sent apologies" if withdrawn_at else "",
    )


def rides_at(sessions, people, *, by) -> list[Ride]:
    """A ride there and back for each of ``people`` at each session, all held by ``by``."""
    return [ride_for(session, person, by=by) for session in sessions for person in people]


def claim_for_rides(
    rides: list[Ride],
    *,
    amount: Decimal,
    status: str = ExpenseStatus.APPROVED,
    decider=None,
    claimant=None,
) -> ExpenseClaim:
    """A mileage claim linked to ``rides``, in ``status``, written directly (the workflow
    has its own tests)."""
    claimant = claimant or rides[0].driver
    claim = ExpenseClaim.objects.create(
        claimant=claimant,
        kind=ExpenseKind.MILEAGE,
        status=status,
        spent_on=timezone.localdate(rides[0].session.start),
        category=Category.DRIVERS,
        description="Mileage for rides",
        amount=amount,
        miles=Decimal("10.0"),
        start_postcode="NG3 5AA",
        end_postcode="NG1 1AA",
        decided_by=decider if status in (ExpenseStatus.APPROVED, ExpenseStatus.PAID) else None,
        paid_on=timezone.localdate() if status == ExpenseStatus.PAID else None,
        payment_reference="BACS 1" if status == ExpenseStatus.PAID else "",
        rejection_reason="Wrong miles" if status == ExpenseStatus.REJECTED else "",
    )
    ClaimRide.objects.bulk_create(
        ClaimRide(claim=claim, ride=ride, pickup_district=ride.pickup_district) for ride in rides
    )
    return claim
