"""Rides: a volunteer driver takes a participant who cannot get there to a session, and
home again.

A ride exists for each register line whose participant needs transport, at each session
still to come (programmes/services/rides.py keeps them in step with places, apologies and
session changes). One driver holds a ride at a time; a driver never holds two rides whose
times overlap, unless both take people to the same session (one car, several
passengers). Both rules are PostgreSQL's to keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from hope.modelbase import TimeStamped
from hope.postcodes import postcode_district
from hope.ranges import TsTzRange
from programmes.models.courses import Session
from programmes.models.participants import Attendance, Participant, TransportLegs

# Where a driver usually collects someone, before the session starts; the driver can set
# the real time on the ride's page.
USUAL_PICKUP_LEAD = timedelta(minutes=30)
# The earliest a pick-up may be, before the session starts.
LONGEST_PICKUP_LEAD = timedelta(hours=2)
# How long the drive home takes, for the driver's time: the window in which they cannot
# be driving someone else.
DRIVE_HOME = timedelta(minutes=45)
# Who may see a held ride's full postcode, address notes and phone number: its driver,
# until this long after the session.
DETAILS_SHOWN_FOR = timedelta(days=7)
# How far ahead coordinators are shown the rides nobody is doing yet: the rides wanted
# page, their home page and their morning digest.
RIDES_WANTED_DAYS = 14


class Direction(models.TextChoices):
    BOTH = "both", "There and back"
    THERE = "there", "There"
    BACK = "back", "Home"


# The rides asked for, by what the participant needs.
RIDES_FOR_LEGS = {
    TransportLegs.BOTH: (Direction.BOTH,),
    TransportLegs.SEPARATE: (Direction.THERE, Direction.BACK),
    TransportLegs.THERE: (Direction.THERE,),
    TransportLegs.BACK: (Direction.BACK,),
}


class Arranged(models.TextChoices):
    TAXI = "taxi", "Taxi"
    FAMILY = "family", "Family or a friend"
    OTHER = "other", "Another way"


def ride_window(direction: str, session: Session, lead: timedelta) -> tuple[datetime, datetime]:
    """The driver's time the ride takes: from pick-up to the session's start (there),
    from its end until home (back), or both and the session between."""
    if direction == Direction.THERE:
        return session.start - lead, session.start
    if direction == Direction.BACK:
        return session.end, session.end + DRIVE_HOME
    return session.start - lead, session.end + DRIVE_HOME


def ride_when(
    direction: str, session_start: datetime, session_end: datetime, lead: timedelta
) -> str:
    """A ride in one line, as the board shows it, no more than a driver may see before
    holding it: "Tue 1 Dec, collect at 09:30 · There and back (home after 12:00)"."""
    start, end = timezone.localtime(session_start), timezone.localtime(session_end)
    if direction == Direction.BACK:
        collect = f"home after {end:%H:%M}"
    else:
        collect = f"collect at {timezone.localtime(session_start - lead):%H:%M}"
    home = f" (home after {end:%H:%M})" if direction == Direction.BOTH else ""
    return f"{start:%a %-d %b}, {collect} · {Direction(direction).label}{home}"


def held_ride() -> Q:
    """The one definition of a ride a driver holds and must do: live and theirs."""
    return Q(driver__isnull=False, withdrawn_at__isnull=True)


def rides_clash(
    session_id: int, start: datetime, end: datetime, held: Iterable[tuple[int, datetime, datetime]]
) -> bool:
    """Whether a ride (its session, start and end) overlaps one of ``held`` (the same
    triples) for another session: ``RideQuerySet.clashing_with`` for rows in hand (one
    car takes several passengers to the same session)."""
    return any(
        other_session != session_id and other_start < end and start < other_end
        for other_session, other_start, other_end in held
    )


class RideQuerySet(models.QuerySet):
    def live(self) -> RideQuerySet:
        """Rides still wanted (not withdrawn: no apologies, cancellations or leavers)."""
        return self.filter(withdrawn_at__isnull=True)

    def held(self) -> RideQuerySet:
        return self.filter(held_ride())

    def unmet(self) -> RideQuerySet:
        """Live rides with nobody to do them: no driver, and not arranged another way."""
        return self.live().filter(driver__isnull=True, arranged="")

    def open_to_drivers(self) -> RideQuerySet:
        """What the board offers: unmet rides, and held rides whose driver asked for cover."""
        return self.live().filter(
            Q(driver__isnull=True, arranged="")
            | Q(driver__isnull=False, cover_wanted_at__isnull=False)
        )

    def upcoming(self, now: datetime | None = None) -> RideQuerySet:
        return self.filter(session__start__gt=now or timezone.now())

    def within(self, days: int, now: datetime | None = None) -> RideQuerySet:
        now = now or timezone.now()
        return self.between(now, now + timedelta(days=days))

    def between(self, after: datetime, until: datetime) -> RideQuerySet:
        """Rides for sessions starting after ``after``, up to and including ``until``."""
        return self.filter(session__start__gt=after, session__start__lte=until)

    def clashing_with(self, session_id: int, start: datetime, end: datetime) -> RideQuerySet:
        """Rides overlapping ``start`` to ``end`` for another session than ``session_id``:
        what a driver may not hold beside such a ride (``programmes_ride_no_overlap_per_driver``;
        ``rides_clash`` is the same rule for rows in hand)."""
        return self.filter(start__lt=end, end__gt=start).exclude(session_id=session_id)

    def for_pages(self) -> RideQuerySet:
        return self.select_related(
            "participant", "session__course__programme", "session__venue", "driver"
        )


class Ride(TimeStamped):
    """One participant's ride to (and/or from) one session."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="rides")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rides")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="rides")
    direction = models.CharField(max_length=5, choices=Direction.choices)
    pickup_lead = models.DurationField("collect them before the start", default=USUAL_PICKUP_LEAD)
    # The driver's time for the ride (ride_window), kept in step with the session for the
    # no-overlap rule.
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The session's revision the ride last followed: a new one means the driver hears of
    # the change (a move, another venue).
    session_revision = models.PositiveIntegerField(default=0)
    driver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rides",
    )
    driver_since = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cover_wanted_at = models.DateTimeField(null=True, blank=True)
    arranged = models.CharField(
        "arranged another way", max_length=10, choices=Arranged.choices, blank=True
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=80, blank=True)

    objects = RideQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="programmes_ride_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(arranged="") | Q(arranged__in=Arranged.values),
                name="programmes_ride_arranged_valid",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="programmes_ride_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(pickup_lead__gt=timedelta(0)) & Q(pickup_lead__lte=LONGEST_PICKUP_LEAD),
                name="programmes_ride_pickup_lead_sane",
            ),
            # One way of getting there: a driver, or arranged another way, not both.
            models.CheckConstraint(
                condition=Q(driver__isnull=True) | Q(arranged=""),
                name="programmes_ride_driver_or_arranged",
            ),
            models.CheckConstraint(
                condition=Q(driver__isnull=True, driver_since__isnull=True, cover_wanted_at=None)
                | Q(driver__isnull=False, driver_since__isnull=False),
                name="programmes_ride_driver_since_when_held",
            ),
            # One ride of each direction per register line: the sync revives a withdrawn
            # one rather than adding a second.
            models.UniqueConstraint(
                fields=["attendance", "direction"], name="programmes_ride_once_per_line"
            ),
            # A driver never holds two rides at overlapping times, unless both go to the
            # same session (one car, several passengers).
            ExclusionConstraint(
                name="programmes_ride_no_overlap_per_driver",
                expressions=[
                    ("driver", RangeOperators.EQUAL),
                    ("session", RangeOperators.NOT_EQUAL),
                    (TsTzRange("start", "end", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=held_ride(),
            ),
        ]
        indexes = [models.Index(fields=["session", "withdrawn_at"], name="programmes_ride_session")]

    def __str__(self) -> str:
        return f"Ride #{self.pk}"

    @classmethod
    def for_line(cls, line: Attendance, direction: str, **extra) -> Ride:
        """A new, unsaved ride for a register line, at the usual pick-up lead: the one
        way rides are made (rides_follow, and the demo's past rides)."""
        start, end = ride_window(direction, line.session, USUAL_PICKUP_LEAD)
        return cls(
            attendance=line,
            session=line.session,
            participant=line.participant,
            direction=direction,
            start=start,
            end=end,
            session_revision=line.session.revision,
            **extra,
        )

    @property
    def pickup_at(self) -> datetime | None:
        """When the driver collects them; None for a ride home (from the session's end).
        Reads ``session``."""
        if self.direction == Direction.BACK:
            return None
        return self.session.start - self.pickup_lead

    @property
    def when(self) -> str:
        """The ride in one line (``ride_when``). Reads ``session``."""
        return ride_when(self.direction, self.session.start, self.session.end, self.pickup_lead)

    @property
    def pickup_district(self) -> str:
        """The outward half of the pick-up postcode ("NG4"): all the board shows. Reads
        ``participant``."""
        return postcode_district(self.participant.pickup_postcode)

    @property
    def is_unmet(self) -> bool:
        return self.withdrawn_at is None and self.driver_id is None and not self.arranged

    def details_visible_to(self, user, now: datetime | None = None) -> bool:
        """The full pick-up postcode, address notes and phone number: only its driver,
        only while they hold it, and only until DETAILS_SHOWN_FOR after the session.
        Reads ``session``."""
        return (
            user.is_authenticated
            and self.driver_id == user.pk
            and self.withdrawn_at is None
            and (now or timezone.now()) < self.session.end + DETAILS_SHOWN_FOR
        )


class DriverArea(models.Model):
    """Where a volunteer driver sets off from, as a postcode district only ("NG4"): the
    board lists the rides nearest to it first."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="driver_area"
    )
    district = models.CharField("your postcode district", max_length=4)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.district
