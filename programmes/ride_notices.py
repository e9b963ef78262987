"""Who hears about a ride, and what they are told.

Drivers are people who sign in: their notices go through the kernel's ``notice_send``
(straight away or in their morning digest, as they chose), keyed by the event and the
ride so each is told once. Participants hear through ``programmes/notices.py`` (their
consent, their channel), keyed by their place so retention finds the messages. The day
before, each driver gets a reminder with the pick-up details (``plan_driver_reminders``,
beat, every five minutes): one per ride, per session revision and pick-up time.

Services in programmes/services/rides.py call these inside their transactions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from hope.models import Message, User
from hope.notices import coordinators, notice_send
from hope.outbox import message_create
from hope.reminders import reminder_due_at
from programmes.access import drivers
from programmes.models import Direction, Ride
from programmes.notices import message_to_participant

TEMPLATE = "programmes/email/ride_notice"
# A driver giving back a ride this close leaves a gap the coordinators must fill.
GAVE_BACK_WARNING_DAYS = 14
# Drivers hear of their ride the day before.
DRIVER_REMINDER_DAYS = 1


def ride_line(ride: Ride) -> str:
    """The ride in the words every message uses: "Thu 3 Dec: there and back, NG4 to
    Oakfield Community Centre, collect at 09:40". Reads session, venue and participant."""
    session = ride.session
    venue = session.venue.name if session.venue_id else "online"
    when = ride.pickup_at or session.end
    verb = "collect at" if ride.pickup_at else "leave at"
    return (
        f"{session.day_label}: {ride.get_direction_display().lower()}, "
        f"{ride.pickup_district} to {venue}, {verb} {timezone.localtime(when):%H:%M}"
    )


def _context(ride: Ride, **extra) -> dict:
    return {
        "ride": ride,
        "session": ride.session,
        "ride_line": ride_line(ride),
        "first_name": ride.participant.first_name,
        "url": settings.SITE_URL + reverse("programmes:ride_detail", args=[ride.pk]),
        "board_url": settings.SITE_URL + reverse("programmes:ride_board"),
        **extra,
    }


def _send(event: str, ride: Ride, recipients: Iterable[User], context: dict, key="") -> int:
    sent = 0
    for person in recipients:
        notice = notice_send(
            key=f"ride:{event}:ride={ride.pk}{key}:to={person.pk}",
            recipient=person,
            template=TEMPLATE,
            context={**context, "event": event},
        )
        sent += notice is not None
    return sent


def since_key(ride: Ride) -> str:
    # The same event can happen again to the same ride (taken, released, taken): the
    # moment the driver took it tells the occasions apart.
    return f":since={ride.driver_since:%Y%m%d%H%M%S%f}" if ride.driver_since else ""


def notify_driver_given(*, ride: Ride, by: User) -> int:
    """A coordinator gave a driver the ride: tell the driver."""
    if ride.driver_id == by.pk:
        return 0
    return _send(
        "assigned", ride, [ride.driver], _context(ride, actor=by.full_name), since_key(ride)
    )


def notify_driver_off(
    *, ride: Ride, driver: User, since: str, by: User, taker: User | None = None
) -> int:
    """The driver no longer has the ride: someone else took it (cover, or a coordinator's
    choice) or a coordinator took them off. Not told what they did themselves."""
    if driver.pk == by.pk:
        return 0
    event = "covered" if taker and taker.pk == by.pk else "replaced" if taker else "released"
    context = _context(ride, actor=by.full_name, taker=taker.full_name if taker else "")
    return _send(event, ride, [driver], context, since)


def notify_gave_back(*, ride: Ride, driver: User, since: str, now: datetime) -> int:
    """A driver gave a ride back close to the session: the coordinators hear."""
    if ride.session.start - now > timedelta(days=GAVE_BACK_WARNING_DAYS):
        return 0
    context = _context(ride, holder=driver.full_name, days=GAVE_BACK_WARNING_DAYS)
    return _send("gave-back", ride, coordinators(besides=driver), context, since)


def cover_drivers(ride: Ride) -> list[User]:
    """The other drivers who could take the ride: active volunteer drivers not holding a
    ride at that time for another session. One query."""
    busy = (
        Ride.objects.held()
        .filter(start__lt=ride.end, end__gt=ride.start)
        .exclude(session=ride.session)
    )
    return list(
        drivers().exclude(pk=ride.driver_id).exclude(pk__in=busy.values("driver_id")).distinct()
    )


def notify_cover_asked(*, ride: Ride) -> int:
    """The driver asked for someone to take over: the drivers who could, and the
    coordinators."""
    context = _context(ride, asker=ride.driver.full_name)
    drivers = cover_drivers(ride)
    sent = _send("cover-asked", ride, drivers, context, since_key(ride))
    team = coordinators(besides=ride.driver)
    return sent + _send(
        "cover-asked",
        ride,
        team,
        {**context, "coordinator": True, "drivers": len(drivers)},
        since_key(ride),
    )


def notify_ride_withdrawn(*, ride: Ride, reason: str) -> int:
    """The ride is no longer needed: its driver hears why."""
    if ride.driver_id is None:
        return 0
    return _send("withdrawn", ride, [ride.driver], _context(ride, reason=reason), since_key(ride))


def notify_ride_changed(*, ride: Ride, clash: bool = False) -> int:
    """The session moved or changed venue: its driver hears the new time and place, or,
    when the new time clashes with another ride they hold, that it is no longer theirs."""
    event = "clash" if clash else "changed"
    key = f"{since_key(ride)}:rev={ride.session.revision}"
    driver = ride.driver
    return _send(event, ride, [driver], _context(ride), key)


# --- Participants ----------------------------------------------------------------------


def notify_participant_of_driver(*, ride: Ride) -> bool:
    """ "Val will collect you at 9:40": the participant hears who drives them and when,
    once for each driver and pick-up time. Reads the ride's place (one query)."""
    place = ride.attendance.place
    at = ride.pickup_at or ride.session.end
    return message_to_participant(
        participant=ride.participant,
        what="ride_booked",
        key=f"participant:ride_booked:place={place.pk}:ride={ride.pk}:driver={ride.driver_id}"
        f":at={at:%Y%m%d%H%M}",
        context=_participant_context(ride),
    )


def notify_participant_driver_off(*, ride: Ride, since: str) -> bool:
    """Their driver can no longer take them and nobody else has yet: they hear that the
    coordinator is finding someone."""
    place = ride.attendance.place
    return message_to_participant(
        participant=ride.participant,
        what="ride_off",
        key=f"participant:ride_off:place={place.pk}:ride={ride.pk}{since}",
        context=_participant_context(ride),
    )


def _participant_context(ride: Ride) -> dict:
    return {
        "ride": ride,
        "session": ride.session,
        "course": ride.session.course,
        "driver_name": ride.driver.get_short_name() if ride.driver_id else "",
        "pickup_at": ride.pickup_at,
        "home": ride.direction in (Direction.BACK, Direction.BOTH),
    }


# --- The day before ----------------------------------------------------------------------


def _reminder_key(ride: Ride) -> str:
    return (
        f"ride-reminder:ride={ride.pk}:rev={ride.session.revision}:driver={ride.driver_id}"
        f":lead={int(ride.pickup_lead.total_seconds() // 60)}"
    )


def plan_driver_reminders(now: datetime | None = None) -> int:
    """Store a reminder, with the pick-up details, for every held ride whose session is
    due tomorrow at this time or sooner. Idempotent: a ride, its session's revision,
    its driver and its pick-up time make the key."""
    now = now or timezone.now()
    rides = list(
        Ride.objects.held()
        .filter(
            session__is_cancelled=False,
            session__start__gt=now,
            session__start__lte=now + timedelta(days=DRIVER_REMINDER_DAYS + 1),
        )
        .for_pages()
    )
    due = [r for r in rides if reminder_due_at(r.session.start, DRIVER_REMINDER_DAYS) <= now]
    keys = {ride.pk: _reminder_key(ride) for ride in due}
    stored = set(Message.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    created = 0
    for ride in due:
        if keys[ride.pk] in stored or not ride.driver.is_active:
            continue
        message = message_create(
            key=keys[ride.pk],
            kind="ride_reminder",
            recipient=ride.driver,
            template="programmes/email/ride_reminder",
            context=_context(ride, site_url=settings.SITE_URL),
            send_now=False,
        )
        created += message is not None
    return created
