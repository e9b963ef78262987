"""Facilitators, what they are trained to deliver, and the slots they hold."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from hope.modelbase import TimeStamped
from hope.ranges import TsTzRange
from hope.reminders import MAX_REMINDER_DAYS
from hope.roles import FacilitatorKind


class FacilitatorStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    IN_TRAINING = "in_training", "In training"
    PAUSED = "paused", "Paused"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class FacilitatorProfileQuerySet(models.QuerySet):
    def active(self) -> FacilitatorProfileQuerySet:
        return self.filter(status=FacilitatorStatus.ACTIVE, user__is_active=True)


class FacilitatorProfile(TimeStamped):
    """The facilitator side of a person; every session pairs one of each kind."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="facilitator_profile",
    )
    kind = models.CharField(max_length=20, choices=FacilitatorKind.choices)
    status = models.CharField(
        max_length=20, choices=FacilitatorStatus.choices, default=FacilitatorStatus.ACTIVE
    )
    phone = models.CharField("phone (optional)", max_length=30, blank=True)
    MAX_REMINDER_DAYS = MAX_REMINDER_DAYS

    reminder_days = models.PositiveSmallIntegerField(
        "days' notice for reminders",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REMINDER_DAYS)],
        help_text="How many days before a session you want a reminder (1 to 7).",
    )
    availability_note = models.TextField(
        "availability", blank=True, help_text="E.g. “Tuesday and Thursday mornings”."
    )
    note = models.TextField(
        "coordinator's note", blank=True, help_text="Seen by coordinators only."
    )
    calendar_token = models.CharField(
        max_length=64, unique=True, default=new_calendar_token, editable=False
    )

    objects = FacilitatorProfileQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FacilitatorKind.values),
                name="facilitators_profile_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=FacilitatorStatus.values),
                name="facilitators_profile_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(reminder_days__gte=1) & Q(reminder_days__lte=MAX_REMINDER_DAYS),
                name="facilitators_profile_reminder_days_range",
            ),
            # Target of the claims' (facilitator, kind) foreign key: a claim's kind is
            # always its holder's kind (see migration 0002).
            models.UniqueConstraint(fields=["id", "kind"], name="facilitators_profile_id_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} facilitator #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status == FacilitatorStatus.ACTIVE

    @property
    def other_kind(self) -> str:
        """The kind of the other slot of each session: the colleague they pair with."""
        if self.kind == FacilitatorKind.WORKFORCE:
            return FacilitatorKind.LIVED_EXPERIENCE
        return FacilitatorKind.WORKFORCE


def refresher_cutoff(months: int, today: date | None = None) -> date:
    """Training last refreshed on or before this day is due a refresher."""
    return (today or timezone.localdate()) - relativedelta(months=months)


def _refreshed_by(cutoff: date) -> Q:
    """Last trained or refreshed on or before ``cutoff``."""
    return Q(refreshed_on__lte=cutoff) | Q(refreshed_on__isnull=True, trained_on__lte=cutoff)


class TrainingQuerySet(models.QuerySet):
    def refresher_due(self, months: int, today: date | None = None) -> TrainingQuerySet:
        return self.filter(_refreshed_by(refresher_cutoff(months, today)))

    def with_refresher_due(self, months: int, today: date | None = None) -> TrainingQuerySet:
        """Each row with ``is_refresher_due``, the rule of ``refresher_due()`` worked out by
        the database: a list of a thousand trainings did the date arithmetic per row."""
        return self.with_refresher_due_by(refresher_cutoff(months, today))

    def with_refresher_due_by(self, cutoff: date) -> TrainingQuerySet:
        """``with_refresher_due()`` from its ``refresher_cutoff()``, for a query compiled
        once (hope/compiled.py) that takes the day as its value."""
        return self.annotate(
            is_refresher_due=Case(
                When(_refreshed_by(cutoff), then=Value(True)), default=Value(False)
            )
        )


class Training(TimeStamped):
    """A facilitator is trained to deliver a programme; refreshers keep it current."""

    profile = models.ForeignKey(
        FacilitatorProfile, on_delete=models.CASCADE, related_name="trainings"
    )
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="trainings"
    )
    trained_on = models.DateField("date of training")
    refreshed_on = models.DateField("last refresher", null=True, blank=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        ordering = ["programme__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "programme"], name="facilitators_training_once_per_programme"
            ),
            models.CheckConstraint(
                condition=Q(refreshed_on__isnull=True) | Q(refreshed_on__gte=F("trained_on")),
                name="facilitators_training_refresher_after_training",
            ),
        ]

    def __str__(self) -> str:
        return f"Training #{self.pk}"

    @property
    def last_refreshed(self) -> date:
        return self.refreshed_on or self.trained_on

    def refresher_due(self, months: int, today: date | None = None) -> bool:
        """The same rule as ``Training.objects.refresher_due()``, for one row in hand."""
        return self.last_refreshed <= refresher_cutoff(months, today)


def held(prefix: str = "") -> Q:
    """The one definition of a claim in force: not released. ``prefix`` reaches it
    through a relation, e.g. ``held("claims__")`` from a profile."""
    return Q(**{f"{prefix}released_at__isnull": True})


# A claim made by mistake can be taken back this long after, whatever the notice
# period: nobody was told of it, so nobody relies on it yet.
UNDO_WINDOW = timedelta(minutes=15)


def _undoable_by(user, now) -> Q:
    """``SessionClaimQuerySet.undoable_by()``'s rule but "held", for filters and columns."""
    took_cover = CoverRequest.objects.filter(
        outcome="covered",
        covered_by=OuterRef("facilitator"),
        claim__session=OuterRef("session"),
    )
    return Q(
        facilitator__user=user,
        claimed_by=user,
        claimed_at__gt=now - UNDO_WINDOW,
        start__gt=now,
    ) & ~Exists(took_cover)


# ``held() & _undoable_by()`` for a query written as SQL, the claim under the alias ``c``.
# Its parameters: ``user`` (the person's pk), ``now`` and ``undo_since`` (``now`` less
# UNDO_WINDOW). tests/facilitators/test_release_and_undo.py holds the two to the same
# answers.
UNDOABLE_BY_SQL = """(
    c.released_at IS NULL
    AND c.claimed_by_id = %(user)s
    AND c.claimed_at > %(undo_since)s
    AND c."start" > %(now)s
    AND EXISTS (
        SELECT FROM facilitators_facilitatorprofile holder
        WHERE holder.id = c.facilitator_id AND holder.user_id = %(user)s
    )
    AND NOT EXISTS (
        SELECT FROM facilitators_coverrequest took
        JOIN facilitators_sessionclaim covered ON covered.id = took.claim_id
        WHERE took.outcome = 'covered' AND took.covered_by_id = c.facilitator_id
          AND covered.session_id = c.session_id
    )
)"""


# A claim's time as a range, the way the no-overlap rule and the index by time read it.
_WHEN = TsTzRange("start", "end", models.Value("[)"))


class SessionClaimQuerySet(models.QuerySet):
    def held(self) -> SessionClaimQuerySet:
        """Claims in force (not released)."""
        return self.filter(held())

    def undoable_by(self, user, now=None) -> SessionClaimQuerySet:
        """Claims ``user`` may still undo: held, made by themselves (not given to them by a
        coordinator, nor taken as cover, which released a colleague) within
        ``UNDO_WINDOW``, on a session not started."""
        return self.held().filter(_undoable_by(user, now or timezone.now()))

    def overlapping(self, start, end) -> SessionClaimQuerySet:
        """Claims whose time overlaps ``start`` to ``end`` (values or expressions), as the
        no-overlap rule has it ('[)': one may end as the next begins). Written as ranges so
        PostgreSQL finds them by time (``facilitators_claim_held_when``) or by person and
        time (``facilitators_claim_no_overlap_per_person``)."""
        return self.alias(when=_WHEN).filter(
            when__overlap=TsTzRange(start, end, models.Value("[)"))
        )

    def upcoming(self, now=None) -> SessionClaimQuerySet:
        """Claims on sessions that have not started: ``Session.objects.upcoming()`` by the
        claim's copy of the session's time."""
        now = now or timezone.now()
        # ``end`` follows from ``start`` (a claim ends after it starts), but said too it
        # lets the held-claims-by-person index read only a person's coming claims.
        return self.filter(start__gt=now, end__gt=now)


class SessionClaim(models.Model):
    """One person in one slot of one session: the workforce or the lived-experience slot.

    A released claim stays as history. ``start`` and ``end`` copy the session's times so
    PostgreSQL can refuse a person two overlapping sessions.
    """

    session = models.ForeignKey(
        "programmes.Session", on_delete=models.CASCADE, related_name="claims"
    )
    kind = models.CharField("slot", max_length=20, choices=FacilitatorKind.choices)
    facilitator = models.ForeignKey(
        FacilitatorProfile, on_delete=models.PROTECT, related_name="claims"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    release_reason = models.CharField(max_length=120, blank=True)

    objects = SessionClaimQuerySet.as_manager()

    class Meta:
        ordering = ["claimed_at", "pk"]
        indexes = [
            # What one person holds from a time on (the board's clash check, their own
            # sessions, the claim service's clash check): EXPLAIN at ten years, 1.4 ms
            # reading all 201 of a person's claims -> 0.06 ms reading the dozen wanted.
            models.Index(
                fields=["facilitator", "end"],
                condition=Q(released_at__isnull=True),
                name="facilitators_claim_held_by",
            ),
            # Who holds anything at a given time (how many could cover each gap on the
            # cover page): a session's couple of claims found among seven thousand in
            # 0.01 ms, where the no-overlap rule's index, by person first, took 0.3 ms.
            GistIndex(_WHEN, condition=held(), name="facilitators_claim_held_when"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FacilitatorKind.values), name="facilitators_claim_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="facilitators_claim_ends_after_start"
            ),
            # A slot holds at most one person.
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=held(),
                name="facilitators_claim_one_per_slot",
            ),
            # A person never holds two sessions that overlap in time.
            ExclusionConstraint(
                name="facilitators_claim_no_overlap_per_person",
                expressions=[
                    ("facilitator", RangeOperators.EQUAL),
                    (
                        TsTzRange("start", "end", models.Value("[)")),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=held(),
            ),
        ]

    def __str__(self) -> str:
        return f"Session claim #{self.pk}"

    @property
    def is_held(self) -> bool:
        return self.released_at is None

    @property
    def undo_until(self):
        """Until when its claimant may undo it (``SessionClaimQuerySet.undoable_by``)."""
        return self.claimed_at + UNDO_WINDOW


class CoverRequestQuerySet(models.QuerySet):
    def open(self) -> CoverRequestQuerySet:
        return self.filter(resolved_at__isnull=True)


class CoverRequest(models.Model):
    """A holder who can no longer run a session asks a colleague of the same kind to take it."""

    claim = models.ForeignKey(SessionClaim, on_delete=models.CASCADE, related_name="cover_requests")
    reason = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True)  # "covered" or "withdrawn"
    covered_by = models.ForeignKey(
        FacilitatorProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CoverRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(resolved_at__isnull=True),
                name="facilitators_cover_one_open_per_claim",
            ),
        ]

    def __str__(self) -> str:
        return f"Cover request #{self.pk}"
