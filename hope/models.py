"""People, invitations and the audit trail, shared by every app."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from hope.compiled import Compiled
from hope.managers import UserManager
from hope.modelbase import TimeStamped
from hope.roles import FacilitatorKind, Role


class NoticeDelivery(models.TextChoices):
    """How a person hears about changes to their rota (and, for coordinators, the team's)."""

    NOW = "now", "By email straight away"
    DIGEST = "digest", "In one email each morning"


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: coordinator, facilitator, volunteer or finance lead."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField("full name", max_length=150)
    is_driver = models.BooleanField(
        "volunteer driver",
        default=False,
        help_text="Drives participants or facilitators and may claim mileage.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "Django admin access",
        default=False,
        help_text="Can sign in to the Django admin site.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    rota_notices = models.CharField(
        "rota notices",
        max_length=10,
        choices=NoticeDelivery.choices,
        default=NoticeDelivery.NOW,
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "pk"]
        constraints = [
            # Email addresses are compared without case: Jo@x and jo@x are one person.
            models.UniqueConstraint(Lower("email"), name="hope_user_email_ci_unique"),
            models.CheckConstraint(
                condition=Q(rota_notices__in=NoticeDelivery.values),
                name="hope_user_rota_notices_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _default_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def open(self) -> InvitationQuerySet:
        """Neither accepted nor revoked (may still have expired)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(TimeStamped):
    """Sign-up is by invitation only: a coordinator invites a person with their roles."""

    email = models.EmailField("email address")
    full_name = models.CharField("full name", max_length=150)
    roles = ArrayField(models.CharField(max_length=20, choices=Role.choices))
    facilitator_kind = models.CharField(
        "kind of facilitator", max_length=20, choices=FacilitatorKind.choices, blank=True
    )
    is_driver = models.BooleanField("volunteer driver", default=False)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    expires_at = models.DateTimeField(default=_default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="hope_invitation_one_open_per_email",
            ),
            models.CheckConstraint(condition=Q(roles__len__gt=0), name="hope_invitation_has_role"),
            models.CheckConstraint(
                condition=Q(roles__contained_by=Role.values),
                name="hope_invitation_roles_valid",
            ),
            # A facilitator is either workforce or lived experience; nobody else has a kind.
            models.CheckConstraint(
                condition=(
                    Q(roles__contains=[Role.FACILITATOR])
                    & Q(facilitator_kind__in=FacilitatorKind.values)
                )
                | (~Q(roles__contains=[Role.FACILITATOR]) & Q(facilitator_kind="")),
                name="hope_invitation_facilitator_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def can_be_accepted(self) -> bool:
        return self.status == "pending"

    def role_labels(self) -> list[str]:
        return [Role(role).label for role in self.roles]


class AuditArea(models.TextChoices):
    """Who reads which part of the trail: coordinators accounts and rota, finance money."""

    ACCOUNTS = "accounts", "Accounts and sign-in"
    ROTA = "rota", "Courses and rota"
    MONEY = "money", "Money"


class AuditEvent(models.Model):
    """Who did what, when and from which address. Append-only: a PostgreSQL trigger
    refuses UPDATE and DELETE (migration 0004), so neither the app, the admin nor a stray
    query can edit it. The trigger lets through only what the app itself needs (see the
    migration); whoever owns the database can of course drop it, so a copy of the trail
    belongs in the backups.

    Summaries carry facts, never free text people typed (reasons, notes), which may
    hold health details.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=60)
    area = models.CharField(max_length=10, choices=AuditArea.choices, default=AuditArea.ROTA)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    summary = models.TextField()
    ip_address = models.GenericIPAddressField("from address", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="hope_audit_target_idx"),
            models.Index(fields=["area", "-created_at"], name="hope_audit_area_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(area__in=AuditArea.values), name="hope_audit_area_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"


class TeamSettings(models.Model):
    """Rules the team sets for itself; one row, changed by coordinators."""

    refresher_months = models.PositiveSmallIntegerField(
        "refresher due after (months)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="A facilitator's training is flagged when their last refresher is older.",
    )
    release_notice_days = models.PositiveSmallIntegerField(
        "facilitators may release a session up to (days before)",
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
        help_text="Closer to the session, they ask for cover or contact a coordinator.",
    )
    # What the public pages ("Find a course", /find/) say about the team.
    public_name = models.CharField(
        "the team's public name",
        max_length=100,
        default="HOPE self-management courses",
        help_text="The heading of the public course pages, e.g. “HOPE courses in Northshire”.",
    )
    contact_line = models.CharField(
        "how the public can contact the team",
        max_length=200,
        blank=True,
        help_text="E.g. “Ring 01632 960 123, Monday to Friday 9am to 4pm, or email "
        "hope@example.nhs.uk”. Shown on every public page.",
    )
    privacy_contact = models.CharField(
        "who to ask about personal data",
        max_length=200,
        blank=True,
        help_text="Named in the privacy notice: where someone asks to see or delete what is "
        "kept about them, e.g. “The Data Protection Officer, dpo@example.nhs.uk”.",
    )
    self_referrals_enrol = models.BooleanField(
        "self-referrals take a free place straight away",
        default=False,
        help_text="When ticked, someone who refers themselves for a course with places free "
        "is enrolled as soon as they confirm. Otherwise a coordinator enrols them.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "team settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="hope_teamsettings_single_row"),
        ]

    def __str__(self) -> str:
        return "Team settings"

    @classmethod
    def current(cls) -> TeamSettings:
        """One query; creates the row with the defaults the first time (as
        ``get_or_create(pk=1)`` would, in as many queries)."""
        rows = _SETTINGS_ROW.rows()
        if rows:
            return cls.from_db(cls.objects.db, _SETTINGS_FIELDS, rows[0])
        try:
            with transaction.atomic(using=cls.objects.db):
                return cls.objects.create(pk=1)
        except IntegrityError:  # another request created it first
            return cls.objects.get(pk=1)

    @classmethod
    def shown(cls) -> TeamSettings:
        """One query that never writes (for pages anyone may open): the saved settings, or
        the defaults until a coordinator first saves them."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


# The settings row, compiled once a process (hope/compiled.py): many pages read it, and
# building the query cost Django more than PostgreSQL took to run it.
_SETTINGS_FIELDS = [field.attname for field in TeamSettings._meta.concrete_fields]
_SETTINGS_ROW = Compiled(lambda: TeamSettings.objects.filter(pk=1).values_list(*_SETTINGS_FIELDS))


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Withdrawn"  # no longer true (e.g. the session moved)


class MessageQuerySet(models.QuerySet):
    def due(self, now) -> MessageQuerySet:
        return self.filter(status=MessageStatus.PENDING, due_at__lte=now, next_attempt_at__lte=now)


class Message(TimeStamped):
    """One message to one person, recorded before it is sent.

    ``key`` is unique: the same reminder or alert can be produced any number of times
    (a beat that fires twice, a retried task, two workers) and is stored, so sent, once.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30)
    channel = models.CharField(max_length=20, default="email")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="messages"
    )
    to_address = models.CharField(max_length=254)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment = models.TextField(blank=True)
    due_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="hope_message_due_idx"),
            # The coordinator's home counts the last 30 days' failures: by due date alone
            # it read every message of the month to find the few that failed.
            models.Index(fields=["status", "due_at"], name="hope_message_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values), name="hope_message_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Message #{self.pk}"


class Notice(TimeStamped):
    """One notice to one person about a change to a rota (hope/notices.py), kept so that
    it is told once: ``key`` is unique. Told at once, it is also a Message and
    ``delivered_at`` is set when it is stored; kept for the person's morning digest,
    ``delivered_at`` stays empty until the digest that carries it is stored."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The morning digest looks only for notices still waiting.
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(delivered_at__isnull=True),
                name="hope_notice_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Notice #{self.pk}"


class Heartbeat(models.Model):
    """The last time a background part showed it was alive: "worker" (each outbox sweep)
    and "beat" (the scheduler, every half minute). In PostgreSQL so that every web
    process can read them for /healthz and the message log."""

    name = models.CharField(max_length=20, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
