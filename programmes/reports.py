"""What the evidence reports count, and over what: the one home of "which courses,
places, sessions and riders a report covers" for the outcomes report (programmes) and
the cost report (expenses), so both divide by the same people.

A report covers the courses whose first session (not cancelled) falls in its date range,
narrowed by programme, venue and delivery mode; the referral source narrows the people
(those with a referral from that source). Drafts are never counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from programmes.models import (
    Attendance,
    Course,
    CourseStatus,
    Delivery,
    Mark,
    Place,
    Programme,
    Referral,
    ReferralSource,
    Ride,
    Session,
)
from venues.models import Venue


@dataclass(frozen=True)
class ReportRange:
    """The filters of a report, already validated (programmes/report_forms.py)."""

    start: date
    end: date  # inclusive
    programme: Programme | None = None
    venue: Venue | None = None
    delivery: str = ""
    source: str = ""

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the range (midnight after ``end``, local time)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def words(self) -> list[str]:
        """The filters in use beside the dates, in words, for the page and the paper."""
        words = []
        if self.programme:
            words.append(f"programme: {self.programme.name}")
        if self.venue:
            words.append(f"venue: {self.venue.name}")
        if self.delivery:
            words.append(f"delivery: {Delivery(self.delivery).label.lower()}")
        if self.source:
            words.append(f"referred by: {ReferralSource(self.source).label}")
        return words

    def query(self) -> dict[str, str]:
        """The filters as a query string's values, for links (CSV, print) to the same report."""
        values = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.programme:
            values["programme"] = str(self.programme.pk)
        if self.venue:
            values["venue"] = str(self.venue.pk)
        if self.delivery:
            values["delivery"] = self.delivery
        if self.source:
            values["source"] = self.source
        return values


def report_courses(r: ReportRange) -> QuerySet[Course]:
    """The courses a report covers: not drafts, first live session in the range."""
    courses = (
        Course.objects.with_dates()
        .exclude(status=CourseStatus.DRAFT)
        .filter(first_start__gte=r.start_at, first_start__lt=r.end_before)
    )
    if r.programme:
        courses = courses.filter(programme=r.programme)
    if r.venue:
        courses = courses.filter(venue=r.venue)
    if r.delivery:
        courses = courses.filter(programme__delivery=r.delivery)
    return courses


def _from_source(r: ReportRange, person: str) -> Q:
    """People with a referral from the report's source (everyone without one)."""
    if not r.source:
        return Q()
    return Q(Exists(Referral.objects.filter(participant=OuterRef(person), source=r.source)))


def report_places(r: ReportRange) -> QuerySet[Place]:
    """The places counted: everyone who was enrolled (whatever became of the place) on
    a course covered, with the programme's completion rule (``with_attendance``) and
    ``started``: marked present at session 1."""
    first_session = Attendance.objects.filter(
        place=OuterRef("pk"), session__number=1, mark=Mark.PRESENT
    )
    return (
        Place.objects.filter(course__in=report_courses(r).values("pk"), enrolled_at__isnull=False)
        .filter(_from_source(r, "participant"))
        .with_attendance()
        .annotate(started=Exists(first_session))
    )


def report_sessions(r: ReportRange, now: datetime | None = None) -> QuerySet[Session]:
    """The sessions delivered: of the courses covered, not cancelled, already ended."""
    return Session.objects.filter(
        course__in=report_courses(r).values("pk"),
        is_cancelled=False,
        end__lte=now or timezone.now(),
    )


def report_rides(r: ReportRange, now: datetime | None = None) -> QuerySet[Ride]:
    """The rides driven for the courses covered: held at sessions delivered."""
    return (
        Ride.objects.held()
        .filter(session__in=report_sessions(r, now).values("pk"))
        .filter(_from_source(r, "participant"))
    )


@dataclass(frozen=True)
class PeopleCounts:
    enrolled: int
    started: int
    completed: int


def people_counts(r: ReportRange) -> PeopleCounts:
    """Enrolled, started and completed: three COUNT queries. (One aggregate with FILTERs
    would be neater, but Django wraps these subquery annotations in a subquery that
    hides the columns the FILTERs name.)"""
    places = report_places(r)
    return PeopleCounts(
        enrolled=places.count(),
        started=places.filter(started=True).count(),
        completed=places.filter(completed=True).count(),
    )


def participants_carried(r: ReportRange) -> int:
    """The people driven to or from a session delivered, each once. One query."""
    return report_rides(r).aggregate(n=Count("participant", distinct=True))["n"]
