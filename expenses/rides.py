"""Mileage claims made from rides: which rides a driver may claim for, and what such a
claim says (the day, the passengers, the purpose and the route), written from the rides.

The rides are programmes' (programmes/models/rides.py); a claim's rides are linked by
``ClaimRide``. The write is ``mileage_claim_from_rides`` in expenses/services.py, which
checks everything here again with the rides locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from django.db.models import Exists, OuterRef
from django.utils import timezone

from expenses.models import ClaimRide, ExpenseClaim, ExpenseKind
from programmes.models import Direction, Ride, RideQuerySet, Session

# At most this many rides on one claim (a day's driving); more ids in a request are refused.
MOST_RIDES_PER_CLAIM = 50
# A car's seats: the mileage form's own limit on passengers (ExpenseClaim.passengers).
MOST_PASSENGERS = 8


def claimable_rides(driver, now: datetime | None = None) -> RideQuerySet:
    """The rides ``driver`` may put on a mileage claim: held by them (``held()``: theirs
    and not withdrawn), at a session that has ended, and on no claim yet."""
    return (
        Ride.objects.held()
        .filter(driver=driver, session__end__lte=now or timezone.now())
        .exclude(Exists(ClaimRide.objects.filter(ride=OuterRef("pk"))))
    )


def ride_day(ride: Ride) -> date:
    """The London day of the ride's session: the day a claim for it is dated."""
    return timezone.localdate(ride.session.start)


def day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclass
class SessionRides:
    session: Session
    rides: list[Ride]


@dataclass
class DayRides:
    day: date
    sessions: list[SessionRides]

    @property
    def label(self) -> str:
        return day_text(self.day)

    @property
    def rides(self) -> list[Ride]:
        return [ride for group in self.sessions for ride in group.rides]


def rides_by_day(rides) -> list[DayRides]:
    """Rides (ordered by their session's start) grouped by day, then by session."""
    days = []
    for day, same_day in groupby(rides, key=ride_day):
        sessions = [
            SessionRides(session=group[0].session, rides=group)
            for group in (list(g) for _, g in groupby(same_day, key=lambda r: r.session_id))
        ]
        days.append(DayRides(day=day, sessions=sessions))
    return days


def _districts(rides: list[Ride]) -> str:
    districts = sorted({ride.pickup_district for ride in rides if ride.pickup_district})
    return ", ".join(districts) or "pick-ups"


def _venues(rides: list[Ride]) -> str:
    venues, seen = [], set()
    for ride in rides:
        venue = ride.session.venue
        if venue is not None and venue.pk not in seen:
            seen.add(venue.pk)
            venues.append(f"{venue.name} ({venue.postcode})" if venue.postcode else venue.name)
    return " and ".join(venues) or "the sessions"


def route_text(rides: list[Ride]) -> str:
    """ "NG4, NG5 → Oakfield Community Centre (NG7 1AB) and back": the pick-up districts
    (never a full postcode: finance reads this) and the venues. Reads each ride's
    ``participant`` and ``session.venue``."""
    directions = {ride.direction for ride in rides}
    there = bool(directions - {Direction.BACK})
    back = bool(directions - {Direction.THERE})
    if there:
        route = f"{_districts(rides)} → {_venues(rides)}"
        return (route + " and back" if back else route)[:200]
    return f"{_venues(rides)} → {_districts(rides)}"[:200]


def purpose_text(rides: list[Ride]) -> str:
    """ "Driving HOPE participants: Carers' course session 3" (each session once). Reads
    each ride's ``session.course``."""
    sessions, seen = [], set()
    for ride in rides:
        if ride.session_id not in seen:
            seen.add(ride.session_id)
            sessions.append(f"{ride.session.course.title} session {ride.session.number}")
    return f"Driving HOPE participants: {'; '.join(sessions)}"[:200]


def passengers_on(rides: list[Ride]) -> int:
    """The people carried: each participant once, however many legs they rode."""
    return len({ride.participant_id for ride in rides})


def rides_problem(rides: list[Ride], *, driver, now: datetime) -> str | None:
    """Why these rides cannot go on one claim by ``driver`` now, or None. ``rides`` are
    loaded with their sessions; the caller checks they are the ones asked for."""
    if not rides:
        return "Choose at least one ride to claim for."
    for ride in rides:
        if ride.driver_id != driver.pk:
            return f"Ride #{ride.pk} is not one of your rides, so you cannot claim for it."
        if ride.withdrawn_at is not None:
            return (
                f"Ride #{ride.pk} was called off ({ride.withdrawn_reason}), so there is "
                "nothing to claim for it."
            )
        if ride.session.end > now:
            return f"Ride #{ride.pk} is to a session that has not ended yet: claim after it."
    days = sorted({ride_day(ride) for ride in rides})
    if len(days) > 1:
        return (
            "Choose rides from one day: a mileage claim is for one day's driving. You chose "
            f"rides on {' and '.join(day_text(day) for day in days)}; make a claim for each."
        )
    if passengers_on(rides) > MOST_PASSENGERS:
        return (
            f"These rides carried {passengers_on(rides)} people, more than the "
            f"{MOST_PASSENGERS} passengers one claim can have. Choose fewer rides, and make a "
            "second claim for the others."
        )
    return None


def claimed_problem(rides: list[Ride]) -> str | None:
    """Which of these rides is already on a claim, if any (one query)."""
    taken = ClaimRide.objects.filter(ride__in=rides).order_by("ride_id").first()
    return f"Ride #{taken.ride_id} is already on claim #{taken.claim_id}." if taken else None


def claim_from_rides_initial(rides: list[Ride], *, driver) -> dict:
    """The mileage form's starting values for a claim made from these rides: their day,
    passengers and purpose, the venue as where to, and where the driver set off from on
    their last mileage claim (one query): usually home. The driver adds the miles."""
    venues = {ride.session.venue for ride in rides if ride.session.venue is not None}
    courses = {ride.session.course_id for ride in rides}
    last_start = (
        ExpenseClaim.objects.filter(claimant=driver, kind=ExpenseKind.MILEAGE)
        .exclude(start_postcode="")
        .order_by("-created_at", "-pk")
        .values_list("start_postcode", flat=True)
        .first()
    )
    return {
        "spent_on": ride_day(rides[0]),
        "passengers": passengers_on(rides),
        "purpose": purpose_text(rides),
        "start_postcode": last_start or "",
        "end_postcode": venues.pop().postcode if len(venues) == 1 else "",
        "course": courses.pop() if len(courses) == 1 else None,
    }
