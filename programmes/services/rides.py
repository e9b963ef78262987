"""Rides: kept in step with places and sessions, and taken, given back and passed on by
drivers.

``rides_follow`` is the one home of "who needs a ride to which session": the place,
register and session services call it inside their transactions whenever a register
line, a place or a session changes, and it creates, revives, moves or withdraws rides to
match, telling the drivers concerned.

Taking a ride locks its row first (``SELECT … FOR UPDATE``): of several drivers clicking
at once, one takes it and the others see it taken. PostgreSQL refuses a driver two rides
at overlapping times (for different sessions); that error becomes a message here.

Lock order: rides (by id), then nothing else: drivers are users, never locked here.
Audit summaries name rides and participants by number, never by name or address.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from hope.audit import audit_record
from hope.models import TeamSettings, User
from hope.roles import is_coordinator
from programmes.access import is_driver
from programmes.models import (
    RIDES_FOR_LEGS,
    Arranged,
    Attendance,
    CourseStatus,
    DriverArea,
    Mark,
    PlaceStatus,
    Ride,
    ride_window,
)
from programmes.models.rides import LONGEST_PICKUP_LEAD
from programmes.ride_notices import (
    notify_cover_asked,
    notify_driver_given,
    notify_driver_off,
    notify_gave_back,
    notify_participant_driver_off,
    notify_participant_of_driver,
    notify_ride_changed,
    notify_ride_withdrawn,
    since_key,
)

SHORTEST_PICKUP_LEAD = timedelta(minutes=5)


class RideError(Exception):
    """The ride cannot be taken or changed; the message is for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class RideTaken(RideError):
    def __init__(self, message: str = "That ride was just taken by another driver."):
        super().__init__(message)


# --- Following places and sessions ------------------------------------------------------


def _why_not_needed(line: Attendance, now: datetime) -> str | None:
    """Why this register line needs no ride (the words drivers are told), or None."""
    session, participant, place = line.session, line.participant, line.place
    if session.is_cancelled:
        return "the session is cancelled"
    if session.course.status != CourseStatus.PUBLISHED:
        return "the course is no longer running"
    if session.venue_id is None:
        return "the session is now online"
    if place.status != PlaceStatus.ENROLLED or not line.expected:
        return f"{participant.first_name or 'they'} left the course"
    if line.mark == Mark.APOLOGIES:
        return f"{participant.first_name} sent apologies"
    if not participant.needs_transport or participant.is_anonymised:
        return f"{participant.first_name or 'they'} no longer need a lift"
    return None


def rides_follow(*, lines: QuerySet[Attendance], now: datetime | None = None) -> None:
    """Make the rides of these register lines (at sessions still to come) match who
    needs one: create or revive the rides wanted, withdraw the rest, and keep each
    ride's time in step with its session. Drivers hear what changed for them; one whose
    moved ride now clashes with another they hold is taken off it. Call inside the
    change's transaction. Five queries, plus writes and one per driver told."""
    now = now or timezone.now()
    lines = list(
        lines.filter(session__start__gt=now)
        .select_related("participant", "place", "session__course", "session__venue")
        .prefetch_related(
            Prefetch(
                "rides",
                # Locked without joins (see _lock_ride); a driver is read when told.
                queryset=Ride.objects.select_for_update().order_by("pk"),
            )
        )
        .order_by("pk")
    )
    new = []
    for line in lines:
        reason = _why_not_needed(line, now)
        wanted = () if reason else RIDES_FOR_LEGS[line.participant.transport_legs]
        existing = {ride.direction: ride for ride in line.rides.all()}
        for direction in wanted:
            ride = existing.get(direction)
            if ride is None:
                new.append(Ride.for_line(line, direction))
            else:
                ride.session, ride.participant, ride.attendance = (
                    line.session,
                    line.participant,
                    line,
                )
                _keep_in_step(ride, now)
        for direction, ride in existing.items():
            if direction not in wanted and ride.withdrawn_at is None:
                ride.session, ride.participant = line.session, line.participant
                _withdraw(ride, reason or "they no longer need this ride", now)
    Ride.objects.bulk_create(new)


def _keep_in_step(ride: Ride, now: datetime) -> None:
    session = ride.session
    if ride.withdrawn_at is not None:
        # Wanted again (apologies taken back, a session restored): a fresh, unmet ride.
        ride.withdrawn_at, ride.withdrawn_reason = None, ""
        ride.driver, ride.driver_since, ride.cover_wanted_at, ride.arranged = None, None, None, ""
        ride.start, ride.end = ride_window(ride.direction, session, ride.pickup_lead)
        ride.session_revision = session.revision
        ride.save()
        return
    if ride.session_revision == session.revision:
        return
    ride.start, ride.end = ride_window(ride.direction, session, ride.pickup_lead)
    ride.session_revision = session.revision
    try:
        with transaction.atomic():
            ride.save(update_fields=["start", "end", "session_revision", "updated_at"])
    except IntegrityError as error:
        if "programmes_ride_no_overlap_per_driver" not in str(error):
            raise
        # The driver holds another ride at the new time: this one goes back on the board.
        notify_ride_changed(ride=ride, clash=True)
        _clear_driver(ride)
        ride.save()
        return
    if ride.driver_id is not None:
        notify_ride_changed(ride=ride)


def _withdraw(ride: Ride, reason: str, now: datetime) -> None:
    notify_ride_withdrawn(ride=ride, reason=reason)
    ride.withdrawn_at, ride.withdrawn_reason = now, reason[:80]
    ride.cover_wanted_at = None
    ride.save(update_fields=["withdrawn_at", "withdrawn_reason", "cover_wanted_at", "updated_at"])


def _clear_driver(ride: Ride) -> None:
    ride.driver, ride.driver_since, ride.cover_wanted_at, ride.assigned_by = None, None, None, None


# --- Drivers ------------------------------------------------------------------------------


def _lock_ride(ride: Ride) -> Ride:
    """The ride, locked, with what the services read. The lock is taken on the bare row
    first: a locking query that also joins the driver returns, after waiting for another
    driver's commit, the ride's new driver_id with the old (empty) join, so it would read
    "no driver" for a ride just taken. Once locked, a plain read sees the committed row."""
    Ride.objects.select_for_update().filter(pk=ride.pk).values_list("pk").get()
    return Ride.objects.select_related(
        "session__course", "session__venue", "participant", "driver", "attendance__place"
    ).get(pk=ride.pk)


def _check_still_wanted(ride: Ride, now: datetime) -> None:
    if ride.withdrawn_at is not None:
        raise RideError(f"This ride is no longer needed: {ride.withdrawn_reason}.")
    if ride.session.start <= now:
        raise RideError("This session has already started.")


def _own_clash(ride: Ride, driver: User) -> Ride | None:
    return (
        Ride.objects.held()
        .filter(driver=driver)
        .clashing_with(ride.session_id, ride.start, ride.end)
        .select_related("session")
        .first()
    )


def _hold(ride: Ride, driver: User, by: User, now: datetime) -> None:
    clash = _own_clash(ride, driver)
    if clash is not None:
        raise RideError(
            f"{'You hold' if driver.pk == by.pk else f'{driver} holds'} another ride then "
            f"({clash.session.day_label}, "
            f"{timezone.localtime(clash.start):%H:%M} to {timezone.localtime(clash.end):%H:%M})."
        )
    ride.driver, ride.driver_since, ride.cover_wanted_at = driver, now, None
    ride.assigned_by = by if by.pk != driver.pk else None
    try:
        with transaction.atomic():
            ride.save()
    except IntegrityError as error:
        if "programmes_ride_no_overlap_per_driver" in str(error):
            raise RideError("You hold another ride at that time.") from None
        raise


def ride_take(*, ride: Ride, driver: User, by: User) -> Ride:
    """``driver`` takes the ride: a free one, or one whose driver asked for cover. A
    coordinator may give any ride to any driver, replacing whoever had it (told)."""
    now = timezone.now()
    coordinating = is_coordinator(by)
    if by.pk != driver.pk and not coordinating:
        raise RideError("Only a coordinator can give a ride to someone else.")
    if not is_driver(driver):
        raise RideError(f"{driver} is not an active volunteer driver.", "driver")
    with transaction.atomic():
        # Several drivers clicking at once queue on this lock; the first takes the ride
        # and the others find it taken.
        ride = _lock_ride(ride)
        _check_still_wanted(ride, now)
        previous, since = ride.driver, since_key(ride)
        if previous is not None:
            if previous.pk == driver.pk:
                raise RideError(
                    "You already hold this ride."
                    if by.pk == driver.pk
                    else f"{driver} already holds this ride."
                )
            if ride.cover_wanted_at is None and not coordinating:
                raise RideTaken()
        if ride.arranged and not coordinating:
            raise RideTaken("This ride was arranged another way.")
        ride.arranged = ""
        _hold(ride, driver, by, now)
        audit_record(
            actor=by,
            action="ride.taken" if by.pk == driver.pk else "ride.assigned",
            target=ride.session,
            summary=f"{driver} {'took' if by.pk == driver.pk else 'was given'} ride #{ride.pk} "
            f"for participant #{ride.participant_id}" + (f", from {previous}" if previous else ""),
        )
        if previous is not None:
            notify_driver_off(ride=ride, driver=previous, since=since, by=by, taker=driver)
        notify_driver_given(ride=ride, by=by)
        notify_participant_of_driver(ride=ride)
    return ride


def self_release_problem(*, ride: Ride, now: datetime) -> str | None:
    """Why a driver may not give this ride back themselves (a coordinator may), or None:
    the team's notice period, as for facilitators' sessions."""
    notice_days = TeamSettings.current().release_notice_days
    if ride.session.start - now < timedelta(days=notice_days):
        return (
            f"This ride is less than {notice_days} days away, so it can no longer be given "
            "back here. Ask for cover, or ring your coordinator."
        )
    return None


def ride_release(*, ride: Ride, by: User) -> Ride:
    """The driver gives the ride back (with the team's notice), or a coordinator takes
    them off it. The participant hears their lift is being rearranged; coordinators hear
    when a driver gives one back within two weeks."""
    now = timezone.now()
    with transaction.atomic():
        ride = _lock_ride(ride)
        _check_still_wanted(ride, now)
        driver = ride.driver
        if driver is None:
            raise RideError("Nobody holds this ride.")
        if not is_coordinator(by):
            if driver.pk != by.pk:
                raise RideError("You can only give back your own rides.")
            problem = self_release_problem(ride=ride, now=now)
            if problem:
                raise RideError(problem)
        since = since_key(ride)
        _clear_driver(ride)
        ride.save()
        audit_record(
            actor=by,
            action="ride.released",
            target=ride.session,
            summary=f"{driver} no longer drives ride #{ride.pk}"
            + (f" (taken off by {by})" if by.pk != driver.pk else ""),
        )
        if by.pk == driver.pk:
            notify_gave_back(ride=ride, driver=driver, since=since, now=now)
        else:
            notify_driver_off(ride=ride, driver=driver, since=since, by=by)
        notify_participant_driver_off(ride=ride, since=since)
    return ride


def ride_cover_ask(*, ride: Ride, by: User) -> Ride:
    """The driver can no longer do it: the ride stays theirs, and on the board, until
    another driver takes it over."""
    now = timezone.now()
    with transaction.atomic():
        ride = _lock_ride(ride)
        _check_still_wanted(ride, now)
        if ride.driver_id != by.pk:
            raise RideError("You can only ask for cover for a ride you hold.")
        if ride.cover_wanted_at is not None:
            raise RideError("You have already asked for cover for this ride.")
        ride.cover_wanted_at = now
        ride.save(update_fields=["cover_wanted_at", "updated_at"])
        audit_record(
            actor=by,
            action="ride.cover_asked",
            target=ride.session,
            summary=f"{by} asked for cover for ride #{ride.pk}",
        )
        notify_cover_asked(ride=ride)
    return ride


def ride_cover_withdraw(*, ride: Ride, by: User) -> Ride:
    with transaction.atomic():
        ride = _lock_ride(ride)
        if ride.cover_wanted_at is None:
            raise RideError("There is no request for cover on this ride.")
        if ride.driver_id != by.pk and not is_coordinator(by):
            raise RideError("Only the driver, or a coordinator, can withdraw it.")
        ride.cover_wanted_at = None
        ride.save(update_fields=["cover_wanted_at", "updated_at"])
        audit_record(
            actor=by,
            action="ride.cover_withdrawn",
            target=ride.session,
            summary=f"Request for cover for ride #{ride.pk} withdrawn by {by}",
        )
    return ride


def ride_arrange(*, ride: Ride, how: str, by: User) -> Ride:
    """A coordinator records that the participant gets there another way (taxi,
    family): the ride leaves the board and the lists of unmet rides. ``how`` empty puts
    it back as unmet."""
    if not is_coordinator(by):
        raise RideError("Only a coordinator can arrange a ride another way.")
    if how and how not in Arranged.values:
        raise RideError("Choose how they are getting there.", "how")
    now = timezone.now()
    with transaction.atomic():
        ride = _lock_ride(ride)
        _check_still_wanted(ride, now)
        driver, since = ride.driver, since_key(ride)
        if driver is not None:
            _clear_driver(ride)
        ride.arranged = how
        ride.save()
        audit_record(
            actor=by,
            action="ride.arranged",
            target=ride.session,
            summary=f"Ride #{ride.pk}: "
            + (f"arranged another way ({ride.get_arranged_display()})" if how else "unmet again"),
        )
        if driver is not None:
            notify_driver_off(ride=ride, driver=driver, since=since, by=by)
    return ride


def ride_set_pickup(*, ride: Ride, lead: timedelta, by: User) -> Ride:
    """The driver (or a coordinator) sets when they collect the participant, ``lead``
    before the session starts; the participant hears the new time."""
    if not SHORTEST_PICKUP_LEAD <= lead <= LONGEST_PICKUP_LEAD:
        raise RideError(
            "Choose a pick-up time between two hours and five minutes before the start.",
            "pickup",
        )
    now = timezone.now()
    with transaction.atomic():
        ride = _lock_ride(ride)
        _check_still_wanted(ride, now)
        if ride.pickup_at is None:
            raise RideError("A ride home leaves when the session ends.", "pickup")
        if ride.driver_id != by.pk and not is_coordinator(by):
            raise RideError("Only the driver, or a coordinator, can change the pick-up time.")
        ride.pickup_lead = lead
        ride.start, ride.end = ride_window(ride.direction, ride.session, lead)
        if ride.driver is not None:
            clash = _own_clash(ride, ride.driver)
            if clash is not None:
                raise RideError(
                    "That pick-up time runs into another ride you hold. Choose a later one.",
                    "pickup",
                )
        try:
            with transaction.atomic():
                ride.save(update_fields=["pickup_lead", "start", "end", "updated_at"])
        except IntegrityError as error:
            if "programmes_ride_no_overlap_per_driver" in str(error):
                raise RideError("That pick-up time runs into another ride.", "pickup") from None
            raise
        audit_record(
            actor=by,
            action="ride.pickup",
            target=ride.session,
            summary=f"Ride #{ride.pk}: pick-up {timezone.localtime(ride.pickup_at):%H:%M}",
        )
        if ride.driver is not None:
            notify_participant_of_driver(ride=ride)
    return ride


def driver_area_set(*, user: User, district: str) -> DriverArea:
    """Where the driver sets off from (a postcode district), for the board's order."""
    area, _ = DriverArea.objects.update_or_create(user=user, defaults={"district": district})
    return area
