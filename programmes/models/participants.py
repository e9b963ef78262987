"""Participants: referrals, places on courses (enrolled, waiting, offered), the register
and outcome scores.

Participants' details are health-related personal data (UK GDPR special category): the
minimum is kept, there is no diagnosis field (a condition-specific course says so in its
programme), and identifying details are removed on schedule (programmes/retention.py),
leaving the anonymous attendance and scores for reports.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

from hope.counts import count_of
from hope.modelbase import TimeStamped
from hope.ranges import TsTzRange
from hope.reminders import MAX_REMINDER_DAYS
from programmes.measures import Measure, Timepoint
from programmes.models.courses import Course, Session


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    LETTER = "letter", "Letter"


class TransportLegs(models.TextChoices):
    """What a participant who needs transport needs, and so which rides are asked for."""

    BOTH = "both", "There and back, with one driver"
    SEPARATE = "separate", "There and back (two drivers may share it)"
    THERE = "there", "Only there"
    BACK = "back", "Only home"


class ConsentMethod(models.TextChoices):
    SPOKEN = "spoken", "Said so (phone or in person)"
    WRITTEN = "written", "In writing (form or letter)"
    ONLINE = "online", "Online form"
    EMAIL = "email", "By email"


def consent_recorded(field: str) -> Q:
    """A consent given has its date and how it was given; one not given has neither."""
    return (
        Q(**{field: True}) & Q(**{f"{field}_on__isnull": False}) & ~Q(**{f"{field}_how": ""})
    ) | (Q(**{field: False}) & Q(**{f"{field}_on__isnull": True}) & Q(**{f"{field}_how": ""}))


class ParticipantQuerySet(models.QuerySet):
    def identifiable(self) -> ParticipantQuerySet:
        return self.filter(anonymised_at__isnull=True)

    def same_contact_pk(self, *, email, mobile, besides) -> Coalesce:
        """An expression for the first other record (than ``besides``) with this email
        address (in any case) or mobile number: the same person recorded twice, say after
        referring themselves. Each argument is a value or an OuterRef. Two lookups rather
        than one with OR, so each uses its index."""

        def first(**match):
            return Subquery(
                self.identifiable()
                .filter(**match)
                .exclude(pk=besides)
                .order_by("pk")
                .values("pk")[:1]
            )

        return Coalesce(
            first(email__iexact=email, email__gt=""), first(mobile=mobile, mobile__gt="")
        )


def first_name(preferred_name: str, full_name: str) -> str:
    """What facilitators and drivers see: the preferred name, or the first word of the
    name (``Participant.first_name``; lists reading plain rows call this)."""
    return preferred_name or (full_name.split()[0] if full_name else "")


def days_waited(received_on: date, closed_on: date | None, today: date) -> int:
    """A referral's days from receipt to today, or to the day it was closed
    (``Referral.days_waited``; the queue, reading plain rows, calls this)."""
    return ((closed_on or today) - received_on).days


class Participant(TimeStamped):
    """A person living with a long-term condition who may join a course."""

    full_name = models.CharField("full name", max_length=150, blank=True)
    preferred_name = models.CharField(
        "preferred name", max_length=60, blank=True, help_text="What they like to be called."
    )
    email = models.EmailField("email address", blank=True)
    mobile = models.CharField("mobile number", max_length=20, blank=True)
    preferred_channel = models.CharField(
        "how they prefer to hear from us", max_length=10, choices=Channel.choices
    )
    postal_address = models.TextField(
        "postal address", blank=True, help_text="Only if they need letters."
    )
    reminder_days = models.PositiveSmallIntegerField(
        "days' notice for reminders",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REMINDER_DAYS)],
        help_text="How many days before each session they hear from us (1 to 7).",
    )
    access_needs = models.TextField(
        "access needs",
        blank=True,
        max_length=1000,
        help_text="E.g. a hearing loop, large print, a carer comes too. No diagnoses.",
    )
    needs_transport = models.BooleanField("needs transport to sessions", default=False)
    pickup_postcode = models.CharField("pick-up postcode", max_length=10, blank=True)
    transport_legs = models.CharField(
        "rides needed", max_length=10, choices=TransportLegs.choices, default=TransportLegs.BOTH
    )
    pickup_notes = models.CharField(
        "notes for the driver",
        max_length=200,
        blank=True,
        help_text="Only what a driver needs: e.g. “Flat 2, blue door; uses a walking frame”. "
        "Shown only to the driver holding the ride.",
    )
    consent_contact = models.BooleanField("agrees to be contacted", default=False)
    consent_contact_on = models.DateField(null=True, blank=True)
    consent_contact_how = models.CharField(max_length=10, choices=ConsentMethod.choices, blank=True)
    consent_evaluation = models.BooleanField(
        "agrees to anonymous results being used in evaluation", default=False
    )
    consent_evaluation_on = models.DateField(null=True, blank=True)
    consent_evaluation_how = models.CharField(
        max_length=10, choices=ConsentMethod.choices, blank=True
    )
    # Set when retention removed the identifying details (programmes/retention.py).
    anonymised_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(preferred_channel__in=Channel.values),
                name="programmes_participant_channel_valid",
            ),
            # Until retention removes them, a participant has a name and a way to reach
            # them, and the way they prefer is one we have.
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=False)
                | (
                    ~Q(full_name="")
                    & (~Q(email="") | ~Q(mobile=""))
                    & (~Q(preferred_channel=Channel.EMAIL) | ~Q(email=""))
                    & (~Q(preferred_channel=Channel.SMS) | ~Q(mobile=""))
                    & (~Q(preferred_channel=Channel.LETTER) | ~Q(postal_address=""))
                ),
                name="programmes_participant_reachable",
            ),
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=False)
                | Q(needs_transport=False)
                | ~Q(pickup_postcode=""),
                name="programmes_participant_pickup_when_transport",
            ),
            # Each consent carries its date and how it was given, or neither.
            models.CheckConstraint(
                condition=consent_recorded("consent_contact"),
                name="programmes_participant_contact_consent_recorded",
            ),
            models.CheckConstraint(
                condition=consent_recorded("consent_evaluation"),
                name="programmes_participant_evaluation_consent_recorded",
            ),
            models.CheckConstraint(
                condition=Q(reminder_days__gte=1) & Q(reminder_days__lte=MAX_REMINDER_DAYS),
                name="programmes_participant_reminder_days_range",
            ),
            models.CheckConstraint(
                condition=Q(transport_legs__in=TransportLegs.values),
                name="programmes_participant_transport_legs_valid",
            ),
        ]
        # The referrals queue looks up others with the same email (any case) or mobile.
        indexes = [
            models.Index(Upper("email"), name="programmes_person_email_ci"),
            # With the pk, so "the first other record with this mobile" is one index
            # probe: on the mobile alone PostgreSQL walked the primary key instead.
            models.Index(fields=["mobile", "id"], name="programmes_person_mobile_first"),
        ]

    def __str__(self) -> str:
        return f"Participant #{self.pk}"

    @property
    def first_name(self) -> str:
        return first_name(self.preferred_name, self.full_name)

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    def address_for(self, channel: str) -> str:
        return {Channel.EMAIL: self.email, Channel.SMS: self.mobile}.get(channel, "")


class ReferralSource(models.TextChoices):
    SELF = "self", "Self-referral"
    GP = "gp", "GP"
    PRACTICE_NURSE = "practice_nurse", "Practice nurse"
    SOCIAL_PRESCRIBER = "social_prescriber", "Social prescriber"
    HOSPITAL_TEAM = "hospital_team", "Hospital team"
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector"
    OTHER = "other", "Other"


class HowHeard(models.TextChoices):
    """How someone who referred themselves heard of HOPE: where the team's word gets out."""

    GP_OR_NURSE = "gp_or_nurse", "My GP, nurse or another health professional"
    SOCIAL_PRESCRIBER = "social_prescriber", "A social prescriber or link worker"
    FRIEND_OR_FAMILY = "friend_or_family", "A friend or family member"
    BEEN_BEFORE = "been_before", "I have been on a HOPE course before"
    POSTER_OR_LEAFLET = "poster_or_leaflet", "A poster or leaflet"
    ONLINE = "online", "Online or social media"
    CHARITY = "charity", "A charity or community group"
    OTHER = "other", "Somewhere else"


class ReferralStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    OFFERED = "offered", "Offered a place"
    ENROLLED = "enrolled", "Enrolled"
    DECLINED = "declined", "Declined"
    NOT_REACHED = "not_reached", "Not reached"


# A referral in one of these is done with; its days waited stop counting.
CLOSED_REFERRAL_STATUSES = (
    ReferralStatus.ENROLLED,
    ReferralStatus.DECLINED,
    ReferralStatus.NOT_REACHED,
)


class ReferralQuerySet(models.QuerySet):
    def open(self) -> ReferralQuerySet:
        return self.exclude(status__in=CLOSED_REFERRAL_STATUSES)


class Referral(TimeStamped):
    """Someone was referred to HOPE (or referred themselves) on a day, by someone."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="referrals")
    source = models.CharField("referred by", max_length=20, choices=ReferralSource.choices)
    referrer = models.CharField(
        "referrer's name and team",
        max_length=150,
        blank=True,
        help_text="E.g. “Dr Patel, Riverside Surgery”. Empty for a self-referral.",
    )
    received_on = models.DateField("referral received", default=timezone.localdate)
    how_heard = models.CharField(
        "how they heard of HOPE", max_length=20, choices=HowHeard.choices, blank=True
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The course they asked for, if any.",
    )
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.NEW
    )
    closed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ReferralSource.values),
                name="programmes_referral_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values),
                name="programmes_referral_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(how_heard="") | Q(how_heard__in=HowHeard.values),
                name="programmes_referral_how_heard_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CLOSED_REFERRAL_STATUSES, closed_on__isnull=False)
                | (~Q(status__in=CLOSED_REFERRAL_STATUSES) & Q(closed_on__isnull=True)),
                name="programmes_referral_closed_on_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_on"], name="programmes_referral_queue"),
            # The queue's default view, open referrals oldest first, read in order a page
            # at a time rather than sorted from every referral in ten years.
            models.Index(
                fields=["received_on", "id"],
                condition=~Q(status__in=CLOSED_REFERRAL_STATUSES),
                name="programmes_referral_open_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral #{self.pk}"

    def days_waited(self, today: date | None = None) -> int:
        """From receipt to today, or to the day it was closed."""
        return days_waited(self.received_on, self.closed_on, today or timezone.localdate())


class PlaceStatus(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    WAITING = "waiting", "Waiting list"
    OFFERED = "offered", "Offered a place"
    WITHDRAWN = "withdrawn", "Withdrawn"
    LAPSED = "lapsed", "Offer lapsed"
    DECLINED = "declined", "Offer declined"


# Statuses that hold a place on the course (an offer holds it until it lapses).
HOLDING_PLACE = (PlaceStatus.ENROLLED, PlaceStatus.OFFERED)
# Statuses of someone still connected to the course.
LIVE_PLACE = (PlaceStatus.ENROLLED, PlaceStatus.OFFERED, PlaceStatus.WAITING)


class PlaceQuerySet(models.QuerySet):
    def holding(self) -> PlaceQuerySet:
        return self.filter(status__in=HOLDING_PLACE)

    def waiting(self) -> PlaceQuerySet:
        """The waiting list, first come first served."""
        return self.filter(status=PlaceStatus.WAITING).order_by("waiting_since", "pk")

    def offers_lapsed(self, now) -> PlaceQuerySet:
        return self.filter(status=PlaceStatus.OFFERED, offer_expires_at__lte=now)

    def with_attendance(self) -> PlaceQuerySet:
        """Annotate the programme's completion rule, the one home of it for every page
        and report: ``sessions_attended`` (marked present), ``sessions_on_register``
        (the register lines they were expected at, or were marked on) and ``completed``
        (attended at least the programme's ``completion_min_sessions``).

        Counted in subqueries, not joins, so the annotations stay right when a page
        adds filters or other counts over other relations."""
        lines = Attendance.objects.on_register().filter(place=OuterRef("pk"))
        return self.annotate(
            sessions_attended=count_of(lines.filter(mark=Mark.PRESENT)),
            sessions_on_register=count_of(lines),
        ).annotate(
            completed=ExpressionWrapper(
                Q(sessions_attended__gte=F("course__programme__completion_min_sessions")),
                output_field=models.BooleanField(),
            )
        )


class Place(TimeStamped):
    """One participant on one course: enrolled, waiting, offered a freed place, or gone."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="places")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="places")
    status = models.CharField(max_length=10, choices=PlaceStatus.choices)
    waiting_since = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    feedback = models.CharField(
        "feedback", max_length=300, blank=True, help_text="One line, in their words."
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["waiting_since", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PlaceStatus.values), name="programmes_place_status_valid"
            ),
            # One live place per person per course: enrolling twice is refused.
            models.UniqueConstraint(
                fields=["course", "participant"],
                condition=Q(status__in=LIVE_PLACE),
                name="programmes_place_one_live_per_course",
            ),
            models.CheckConstraint(
                condition=~Q(status=PlaceStatus.OFFERED) | Q(offer_expires_at__isnull=False),
                name="programmes_place_offer_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"Place #{self.pk}"


class Mark(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Did not attend"
    APOLOGIES = "apologies", "Sent apologies"


class AttendanceQuerySet(models.QuerySet):
    def on_register(self) -> AttendanceQuerySet:
        """The lines a register shows: people expected at the session, and anyone already
        marked (who has since left, or whose session was cancelled)."""
        return self.filter(Q(expected=True) | ~Q(mark=""))


class Attendance(models.Model):
    """One enrolled participant at one session: the register line.

    ``start`` and ``end`` copy the session's times, so PostgreSQL can refuse a person
    places on two courses that meet at the same time (as for facilitators' claims).
    ``expected`` is false once they withdraw or the session is cancelled; marks stay.
    """

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="attendance")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendance"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    expected = models.BooleanField(default=True)
    mark = models.CharField(max_length=10, choices=Mark.choices, blank=True)
    marked_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "session"], name="programmes_attendance_once_per_session"
            ),
            models.CheckConstraint(
                condition=Q(mark="") | Q(mark__in=Mark.values),
                name="programmes_attendance_mark_valid",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="programmes_attendance_ends_after_start",
            ),
            ExclusionConstraint(
                name="programmes_attendance_no_overlap_per_person",
                expressions=[
                    ("participant", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=Q(expected=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Attendance #{self.pk}"


class Score(TimeStamped):
    """One measure at one point in a participant's course. Totals are computed on the
    server from the items (programmes/measures.py), never typed in."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="scores")
    measure = models.CharField(max_length=10, choices=Measure.choices)
    timepoint = models.CharField(max_length=10, choices=Timepoint.choices)
    items = ArrayField(models.PositiveSmallIntegerField(), blank=True, default=list)
    total = models.DecimalField(max_digits=5, decimal_places=1)
    # SWEMWBS's metric score (its conversion table); PAM's level 1-4.
    metric = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["place", "measure", "timepoint", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "measure", "timepoint"], name="programmes_score_once"
            ),
            models.CheckConstraint(
                condition=Q(measure__in=Measure.values), name="programmes_score_measure_valid"
            ),
            models.CheckConstraint(
                condition=Q(timepoint__in=Timepoint.values),
                name="programmes_score_timepoint_valid",
            ),
            # The ranges, again in the database: SWEMWBS 7-35, WEMWBS 14-70, PAM 0-100.
            models.CheckConstraint(
                condition=(
                    Q(measure=Measure.SWEMWBS, total__gte=7, total__lte=35, items__len=7)
                    | Q(measure=Measure.WEMWBS, total__gte=14, total__lte=70, items__len=14)
                    | Q(
                        measure=Measure.PAM,
                        total__gte=Decimal("0"),
                        total__lte=Decimal("100"),
                        level__gte=1,
                        level__lte=4,
                    )
                ),
                name="programmes_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Score #{self.pk}"
