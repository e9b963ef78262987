"""Programmes, courses and their weekly sessions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, Max, Min, OuterRef, Q
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from hope.modelbase import TimeStamped
from hope.ranges import TsTzRange
from programmes.measures import Measure
from venues.models import Venue


def default_measures() -> list[str]:
    return [Measure.SWEMWBS]


class Delivery(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"


class Programme(TimeStamped):
    """A HOPE programme variant, e.g. "HOPE for carers"."""

    name = models.CharField(max_length=120)
    description = models.TextField(
        "short description",
        blank=True,
        help_text="Shown on the public course pages when “what to expect” is empty.",
    )
    # What the public course pages say (programmes/public.py); plain English, no jargon.
    audience = models.CharField(
        "who it is for",
        max_length=200,
        blank=True,
        help_text="E.g. “Adults living with a long-term condition, and the people who care "
        "for them”. Shown on the public course pages.",
    )
    what_to_expect = models.TextField(
        "what to expect",
        max_length=2000,
        blank=True,
        help_text="A few sentences for someone thinking of coming. Shown on the public pages.",
    )
    is_listed = models.BooleanField(
        "listed on the public pages",
        default=True,
        help_text="Its published courses appear on “Find a course” for anyone to see.",
    )
    sessions_per_course = models.PositiveSmallIntegerField(
        "sessions in a course",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(26)],
    )
    session_length = models.DurationField(
        "length of a session",
        default=timedelta(hours=2, minutes=30),
        help_text="Hours and minutes, e.g. 2:30:00.",
    )
    usual_group_size = models.PositiveSmallIntegerField(
        "usual group size", default=12, validators=[MinValueValidator(1)]
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IN_PERSON)
    completion_min_sessions = models.PositiveSmallIntegerField(
        "sessions needed to complete",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="A participant completes the course by attending at least this many sessions.",
    )
    is_active = models.BooleanField(
        "offered", default=True, help_text="Untick to stop offering it for new courses."
    )
    measures = ArrayField(
        models.CharField(max_length=10, choices=Measure.choices),
        verbose_name="outcome measures",
        default=default_measures,
        blank=True,
        help_text="Recorded at the first and last session.",
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="programmes_programme_name_unique"),
            models.CheckConstraint(
                condition=Q(sessions_per_course__gte=1),
                name="programmes_programme_has_sessions",
            ),
            models.CheckConstraint(
                condition=Q(session_length__gt=timedelta(0))
                & Q(session_length__lte=timedelta(hours=12)),
                name="programmes_programme_session_length_sane",
            ),
            models.CheckConstraint(
                condition=Q(completion_min_sessions__gte=1)
                & Q(completion_min_sessions__lte=F("sessions_per_course")),
                name="programmes_programme_completion_within_course",
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=Delivery.values),
                name="programmes_programme_delivery_valid",
            ),
            models.CheckConstraint(
                condition=Q(measures__contained_by=Measure.values),
                name="programmes_programme_measures_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_online(self) -> bool:
        return self.delivery == Delivery.ONLINE


class ClosureDateQuerySet(models.QuerySet):
    def closing(self, venue) -> ClosureDateQuerySet:
        """The closures that shut ``venue``: team-wide ones and the venue's own. ``venue``
        may be None (online: team-wide only) or ``OuterRef("venue")`` from sessions."""
        return self.filter(Q(venue__isnull=True) | Q(venue=venue))


class ClosureDate(models.Model):
    """A day the team does not run sessions (team-wide, or at one venue)."""

    date = models.DateField()
    reason = models.CharField(max_length=120)
    venue = models.ForeignKey(
        Venue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text="Leave empty when no venue is used that day (e.g. a team training day).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ClosureDateQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "venue"],
                nulls_distinct=False,
                name="programmes_closure_one_per_day_and_venue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.reason}"


class CourseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


# Shown to people: the stored status, with "running" and "completed" derived from dates.
DISPLAY_STATUSES = {
    "draft": "Draft",
    "published": "Published",
    "running": "Running",
    "completed": "Completed",
    "cancelled": "Cancelled",
}


def display_status(
    status: str, first_start: datetime | None, last_end: datetime | None, now: datetime
) -> str:
    """A course's status as people see it (a key of DISPLAY_STATUSES), from its stored
    status and its dates (``with_dates()``): for a course and for a list's plain rows."""
    if status != CourseStatus.PUBLISHED:
        return status
    if first_start is None or last_end is None:
        return "cancelled"
    if last_end <= now:
        return "completed"
    if first_start <= now:
        return "running"
    return "published"


class CourseQuerySet(models.QuerySet):
    def with_dates(self) -> CourseQuerySet:
        """Annotate first_start and last_end over sessions that are not cancelled, and
        how many of those sessions there are."""
        live = Q(sessions__is_cancelled=False)
        return self.annotate(
            first_start=Min("sessions__start", filter=live),
            last_end=Max("sessions__end", filter=live),
            live_sessions=Count("sessions", filter=live),
        )

    def not_over(self, now: datetime) -> CourseQuerySet:
        """Courses with a session, not cancelled, still to end. A cheap narrowing to put
        before ``with_dates()`` when only such courses can match: the aggregate then reads
        their sessions, not ten years of every course's."""
        return self.filter(
            pk__in=Session.objects.filter(is_cancelled=False, end__gt=now).values("course_id")
        )

    def upcoming(self, now: datetime) -> CourseQuerySet:
        return self.not_over(now).with_dates().filter(first_start__gt=now)

    def running(self, now: datetime) -> CourseQuerySet:
        return self.not_over(now).with_dates().filter(first_start__lte=now, last_end__gt=now)

    def past(self, now: datetime) -> CourseQuerySet:
        return self.with_dates().filter(Q(last_end__lte=now) | Q(last_end__isnull=True))


class Course(TimeStamped):
    """One run of a programme: a group meeting weekly at a venue."""

    title = models.CharField(max_length=150)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="courses")
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        help_text="Leave empty for an online course.",
    )
    capacity = models.PositiveSmallIntegerField(
        "places", validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    status = models.CharField(
        max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CourseStatus.values), name="programmes_course_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="programmes_course_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """The course in the words every message uses: "Carers – Northgate" ("online"
        without a venue). Reads ``venue``: load it with ``select_related("venue")``."""
        return f"{self.title} – {self.venue.name if self.venue_id else 'online'}"

    def display_status(self, now: datetime | None = None) -> str:
        """Needs the ``with_dates()`` annotations (no query of its own)."""
        return display_status(
            self.status,
            getattr(self, "first_start", None),
            getattr(self, "last_end", None),
            now or timezone.now(),
        )

    @property
    def display_status_label(self) -> str:
        return DISPLAY_STATUSES[self.display_status()]


def _closures_of_session(closures: models.QuerySet[ClosureDate] | None) -> models.QuerySet:
    """The closures (of ``closures``, or all) that fall on the local day of the session in
    the outer query and shut its venue. For Exists() and ArraySubquery() over sessions."""
    if closures is None:
        closures = ClosureDate.objects.all()
    start = ExpressionWrapper(OuterRef("start"), output_field=models.DateTimeField())
    day = TruncDate(start, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return closures.closing(OuterRef("venue")).filter(date=day)


# ``SessionQuerySet.on_open_days()`` for a query written as SQL, the session under the
# alias ``s``: no closure, team-wide or its venue's, on its local day, read as
# ``_closures_of_session`` reads it. Its one parameter is ``time_zone``
# (settings.TIME_ZONE). tests/programmes/test_programmes_and_closures.py holds the two to
# the same answers.
SESSION_ON_OPEN_DAY_SQL = """NOT EXISTS (
    SELECT FROM programmes_closuredate closure
    WHERE (closure.venue_id IS NULL OR closure.venue_id = s.venue_id)
      AND closure.date = (s."start" AT TIME ZONE %(time_zone)s)::date
)"""


class SessionQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # A bulk update skips auto_now and the services' revision count; calendar feeds
        # (LAST-MODIFIED, SEQUENCE) and reminders read them, so every write to sessions,
        # bulk or not, moves both.
        kwargs.setdefault("updated_at", timezone.now())
        kwargs.setdefault("revision", F("revision") + 1)
        return super().update(**kwargs)

    def upcoming(self, now: datetime | None = None) -> SessionQuerySet:
        """Sessions that have not started yet (see ``Session.has_started``)."""
        return self.filter(start__gt=now or timezone.now())

    def between(self, start: datetime, end: datetime) -> SessionQuerySet:
        return self.filter(start__lt=end, end__gt=start)

    def at_venue(self, venue: Venue) -> SessionQuerySet:
        return self.filter(venue=venue)

    def on_closed_days(
        self, closures: models.QuerySet[ClosureDate] | None = None
    ) -> SessionQuerySet:
        """Sessions, not cancelled, that fall on a closure entered after they were planned:
        a team-wide one, or their venue's own. ``closures`` narrows to some closures (e.g.
        the one just added). The one home of that rule for sessions on the rota (the
        closures page lists them, the board leaves them out); ``scheduling.closed_reason``
        keeps new and moved sessions off such days."""
        return self.filter(Exists(_closures_of_session(closures)), is_cancelled=False)

    def on_open_days(self) -> SessionQuerySet:
        """The sessions ``on_closed_days()`` leaves out (cancelled ones included)."""
        return self.exclude(Exists(_closures_of_session(None)))

    def with_closure_ids(
        self, closures: models.QuerySet[ClosureDate] | None = None
    ) -> SessionQuerySet:
        """Annotate ``closure_ids``: the pks of the closures (of ``closures``, or all)
        that shut each session's day, for grouping sessions under their closures."""
        return self.annotate(closure_ids=ArraySubquery(_closures_of_session(closures).values("pk")))

    def clashing_with(
        self, *, venue: Venue | None, start: datetime, end: datetime, exclude_pk=None
    ) -> SessionQuerySet:
        """Sessions that would break the no-double-booking rule for this slot."""
        if venue is None:
            return self.none()
        clashes = self.filter(venue=venue, is_cancelled=False).between(start, end)
        return clashes.exclude(pk=exclude_pk) if exclude_pk else clashes


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    is_cancelled = models.BooleanField("cancelled", default=False)
    # One more for every move, venue change or cancellation: change notices and the
    # calendar feed's SEQUENCE are keyed by it, so A→B→A→B is four changes, not two.
    revision = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        indexes = [
            # The sessions still to end (``CourseQuerySet.not_over``): the courses list's
            # Upcoming and Running tabs start from them, a few of ten years' sessions.
            models.Index(
                fields=["end"], condition=Q(is_cancelled=False), name="programmes_session_live_end"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "number"], name="programmes_session_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="programmes_session_ends_after_start"
            ),
            # No double-booking: two sessions that are not cancelled may not overlap at
            # one venue. Enforced by PostgreSQL, so it holds when two coordinators save
            # at the same moment. '[)' ranges let one session end as the next begins.
            ExclusionConstraint(
                name="programmes_session_no_venue_overlap",
                expressions=[
                    ("venue", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(is_cancelled=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.number}"

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def label(self) -> str:
        """The session in the words every message uses: "Carers – Northgate, session 3,
        Fri 11 Dec" (the venue is the session's own; "online" without one).

        Reads ``course`` and ``venue``: load them with
        ``select_related("course", "venue")`` or this costs two queries."""
        where = self.venue.name if self.venue_id else "online"
        return f"{self.course.title} – {where}, session {self.number}, {self.day_label}"

    @property
    def day_label(self) -> str:
        """The session's local day, as messages write it: "Fri 11 Dec"."""
        return f"{timezone.localtime(self.start):%a %-d %b}"

    def has_started(self, now: datetime | None = None) -> bool:
        """The one test of "still to come" for a single session; ``upcoming()`` is the
        same rule for a queryset."""
        return self.start <= (now or timezone.now())

    def register_is_open(self, today: date | None = None) -> bool:
        """The register is taken from the day of the session on (local time), never
        before: nobody is marked for a session that has not happened."""
        return timezone.localtime(self.start).date() <= (today or timezone.localdate())
