"""What the evidence reports count, and over what: the one home of "which courses,
places, sessions and riders a report covers" for the outcomes report (programmes) and
the cost report (expenses), so both divide by the same people.

A report covers the courses whose first session (not cancelled) falls in its date range,
narrowed by programme, venue and delivery mode; the referral source narrows the people
(those with a referral from that source). Drafts are never counted. Referrals are
counted by the day they were received (``report_referrals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    StdDev,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from hope.compiled import Compiled
from hope.days import day_after, day_start
from hope.reporting import report_rows_changed
from hope.stats import Median
from programmes.measures import Measure, Timepoint
from programmes.models import (
    Attendance,
    Course,
    CourseStatus,
    Delivery,
    Mark,
    MeaningfulChange,
    Place,
    Programme,
    Referral,
    ReferralSource,
    Ride,
    Score,
    Session,
)
from programmes.signals import course_unpublished, sessions_cancelled, sessions_moved
from venues.models import Venue, VenuePrice


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
        return day_start(self.start)

    @property
    def end_before(self) -> datetime:
        """The first moment after the range (midnight after ``end``, local time)."""
        return day_after(self.end)

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
    # "First live session in the range" as: a live session in the range, and none
    # before it. Both are looked up by index, course by course; working out every
    # candidate course's first session (grouping their sessions) read all ten years of
    # sessions, most of the time of each report query that used it.
    live = Session.objects.filter(is_cancelled=False)
    courses = (
        Course.objects.filter(
            pk__in=live.filter(start__gte=r.start_at, start__lt=r.end_before).values("course")
        )
        .exclude(status=CourseStatus.DRAFT)
        .alias(
            first_start=Subquery(
                live.filter(course=OuterRef("pk")).order_by("start").values("start")[:1]
            )
        )
        .filter(first_start__gte=r.start_at)
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


def _places_counted(r: ReportRange) -> QuerySet[Place]:
    """Everyone who was enrolled (whatever became of the place) on a course covered."""
    return Place.objects.filter(
        course__in=report_courses(r).values("pk"), enrolled_at__isnull=False
    ).filter(_from_source(r, "participant"))


def report_places(r: ReportRange) -> QuerySet[Place]:
    """The places counted: everyone who was enrolled (whatever became of the place) on
    a course covered, with the programme's completion rule (``with_attendance``) and
    ``started``: marked present at session 1."""
    # The mark on the place's one register line for session 1, looked up place by place
    # through the index on place. (As an EXISTS, PostgreSQL hashed every present mark at
    # every session 1 of ten years, once for each count that used it.)
    first_mark = Attendance.objects.filter(place=OuterRef("pk"), session__number=1).order_by()
    return (
        _places_counted(r)
        .with_attendance()
        .alias(first_mark=Subquery(first_mark.values("mark")[:1]))
        .annotate(
            started=ExpressionWrapper(Q(first_mark=Mark.PRESENT), output_field=BooleanField())
        )
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


def next_session_end(r: ReportRange, now: datetime) -> datetime | None:
    """When time alone next changes a report's figures: the next session of the courses
    covered (not cancelled) to end after ``now``, and so be delivered. One query."""
    return Session.objects.filter(
        course__in=report_courses(r).values("pk"), is_cancelled=False, end__gt=now
    ).aggregate(next=Min("end"))["next"]


def connect() -> None:
    """Forget the remembered reports (hope/reporting.py) whenever a row they read
    changes: every kind of row named in this module, the programmes' and venues' names,
    the meaningful changes, and the venue prices the cost report charts hire at. The
    cost report's money rows are connected by expenses/evidence.py. Called from
    ``ProgrammesConfig.ready``."""
    for model in (Referral, Course, Session, Place, Attendance, Score, Ride, Programme,
                  MeaningfulChange, Venue, VenuePrice):  # fmt: skip
        uid = f"reports-{model.__name__}"
        post_save.connect(report_rows_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(report_rows_changed, sender=model, dispatch_uid=uid)
    # Sessions moved or cancelled in bulk (no save() each) are announced instead.
    for signal in (sessions_moved, sessions_cancelled, course_unpublished):
        signal.connect(report_rows_changed, dispatch_uid=f"reports-{id(signal)}")


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


def report_referrals(r: ReportRange) -> QuerySet[Referral]:
    """The referrals received in the range, from the report's source. With a programme,
    venue or delivery filter, only those asking for a course that matches: a referral
    naming no course cannot be placed in one.

    Annotated with ``days_to_start``: days from receipt to the start of the first course
    the person was enrolled on that starts on or after that day (a published course,
    its first live session, London days); None when the referral led to no enrolment."""
    referrals = Referral.objects.filter(received_on__gte=r.start, received_on__lte=r.end)
    if r.source:
        referrals = referrals.filter(source=r.source)
    if r.programme:
        referrals = referrals.filter(course__programme=r.programme)
    if r.venue:
        referrals = referrals.filter(course__venue=r.venue)
    if r.delivery:
        referrals = referrals.filter(course__programme__delivery=r.delivery)
    first_course = (
        Course.objects.with_dates()
        .exclude(status=CourseStatus.DRAFT)
        .filter(places__participant=OuterRef("participant"), places__enrolled_at__isnull=False)
        .annotate(start_day=TruncDate("first_start"))
        .filter(start_day__gte=OuterRef("received_on"))
        .order_by("first_start")
        .values("start_day")[:1]
    )
    # date - date is a whole number of days in PostgreSQL.
    days = Func(
        Subquery(first_course),
        F("received_on"),
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )
    return referrals.annotate(days_to_start=days)


def referrals_by_source(r: ReportRange) -> dict[str, tuple[int, int]]:
    """Each source's referrals received and how many led to an enrolment. One query."""
    rows = (
        report_referrals(r)
        .values("source")
        .annotate(received=Count("pk"), enrolled=Count("pk", filter=Q(days_to_start__isnull=False)))
        .order_by("source")
    )
    return {row["source"]: (row["received"], row["enrolled"]) for row in rows}


@dataclass(frozen=True)
class Waits:
    """Days from referral to course start, over the referrals that led to an enrolment."""

    referrals: int
    median: float | None
    mean: float | None


def referral_waits(r: ReportRange) -> Waits:
    """One query: median and mean computed in PostgreSQL."""
    figures = report_referrals(r).aggregate(
        n=Count("days_to_start"), median=Median("days_to_start"), mean=Avg("days_to_start")
    )
    return Waits(referrals=figures["n"], median=figures["median"], mean=figures["mean"])


@dataclass(frozen=True)
class PeopleGroup:
    """Places in one group (a programme, a venue): ``started_completed`` counts those who
    both started and completed (the completion rate's part)."""

    key: int | None
    label: str
    enrolled: int
    started: int
    completed: int
    started_completed: int


def people_by(r: ReportRange, by: str) -> list[PeopleGroup]:
    """Enrolled, started and completed places by ``by`` ("programme" or "venue"; an
    online course has no venue: its key and label are None and ""). One query."""
    field = {"programme": "course__programme", "venue": "course__venue"}[by]
    started, completed = Q(started=True), Q(completed=True)
    rows = (
        report_places(r)
        .values(field, f"{field}__name")
        .annotate(
            n_enrolled=Count("pk"),
            n_started=Count("pk", filter=started),
            n_completed=Count("pk", filter=completed),
            n_both=Count("pk", filter=started & completed),
        )
        .order_by(f"{field}__name", field)
    )
    return [
        PeopleGroup(
            key=row[field],
            label=row[f"{field}__name"] or "",
            enrolled=row["n_enrolled"],
            started=row["n_started"],
            completed=row["n_completed"],
            started_completed=row["n_both"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class AttendanceFigures:
    sessions: int  # delivered
    present: int  # present marks at them
    people: int  # the people those marks are about


def attendance_figures(r: ReportRange, now: datetime | None = None) -> AttendanceFigures:
    """Present marks at the sessions delivered, by the people counted. Two queries."""
    sessions = report_sessions(r, now)
    marks = Attendance.objects.filter(
        session__in=sessions.values("pk"),
        place__in=report_places(r).values("pk"),
        mark=Mark.PRESENT,
    ).aggregate(present=Count("pk"), people=Count("place", distinct=True))
    return AttendanceFigures(
        sessions=sessions.count(), present=marks["present"], people=marks["people"]
    )


@dataclass(frozen=True)
class MeasureChange:
    """Change from first to last score in one measure, over the people with both."""

    measure: str
    people: int
    mean: object  # Decimal
    sd: object  # sample standard deviation; None for one person
    meeting: int  # changed by at least the measure's meaningful change


CHANGE = DecimalField(max_digits=7, decimal_places=2)


def _scored(prefix: str = "") -> Case:
    """A score's value: SWEMWBS by its metric score (the scale's interval scoring),
    the others by their total."""
    return Case(
        When(**{f"{prefix}measure": Measure.SWEMWBS}, then=F(f"{prefix}metric")),
        default=F(f"{prefix}total"),
        output_field=CHANGE,
    )


def measure_changes(r: ReportRange, thresholds: dict[str, object]) -> list[MeasureChange]:
    """For each measure, the places counted with both a first and a last score: how
    many, the mean change (last - first) and its sample standard deviation, and how many
    improved by at least ``thresholds[measure]`` points. One query."""
    last = (
        Score.objects.filter(
            place=OuterRef("place"), measure=OuterRef("measure"), timepoint=Timepoint.LAST
        )
        .annotate(value=_scored())
        .values("value")[:1]
    )
    threshold = Case(
        *(When(measure=measure, then=Value(points)) for measure, points in thresholds.items()),
        output_field=CHANGE,
    )
    rows = (
        Score.objects.filter(place__in=report_places(r).values("pk"), timepoint=Timepoint.FIRST)
        .annotate(change=ExpressionWrapper(Subquery(last) - _scored(), output_field=CHANGE))
        .filter(change__isnull=False)
        .values("measure")
        .annotate(
            people=Count("pk"),
            mean=Avg("change"),
            sd=StdDev("change", sample=True),
            meeting=Count("pk", filter=Q(change__gte=threshold)),
        )
        .order_by("measure")
    )
    return [
        MeasureChange(
            measure=row["measure"],
            people=row["people"],
            mean=row["mean"],
            sd=row["sd"],
            meeting=row["meeting"],
        )
        for row in rows
    ]


def feedback_lines(r: ReportRange, limit: int) -> list[tuple[str, str]]:
    """Up to ``limit`` lines of feedback (programme, words) from the places counted,
    latest enrolled first. Two queries. Free text: for coordinators only."""
    return feedback_lines_of(feedback_places(r, limit))


def feedback_places(r: ReportRange, limit: int) -> list[int]:
    """The places whose feedback ``feedback_lines`` lists, in its order: their ids, not
    their words. One query."""
    return list(
        _places_counted(r)
        .exclude(feedback="")
        .order_by("-enrolled_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )


def feedback_lines_of(place_ids: list[int]) -> list[tuple[str, str]]:
    """These places' feedback lines (programme, words), latest enrolled first, read as
    they are now: a line cleared since the ids were chosen is left out. One query, even
    without places (Django skips ``pk__in=[]``, and a page's number of queries must not
    depend on the data; no place has id 0). Free text: for coordinators only."""
    return _FEEDBACK_LINES.rows(places=place_ids or [0])


# Compiled once a process for each number of places (hope/compiled.py): the coordinators'
# report reads the words afresh on every visit.
_FEEDBACK_LINES = Compiled(
    lambda places: (
        Place.objects.filter(pk__in=places)
        .exclude(feedback="")
        .order_by("-enrolled_at", "-pk")
        .values_list("course__programme__name", "feedback")
    ),
    places=list,
)
