"""A request for a place made on the public pages ("Find a course", /find/).

It is not a referral yet: anyone can type anyone's details into a public form, so the
request waits until the person confirms it from the address they gave, by the link we
email or the code we text. Only then does it become a participant and a referral in the
coordinators' queue (programmes/services/public.py). Requests never confirmed are deleted
after ``SELF_REFERRAL_CONFIRM_HOURS``; a confirmed one keeps no personal details (they
moved to the participant's record) and goes a week later (programmes/retention.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from hope.modelbase import TimeStamped
from programmes.models.courses import Course
from programmes.models.participants import Channel, HowHeard, Referral

# A wrong code this many times and the request is void: six digits are too few to let a
# stranger keep guessing.
MOST_WRONG_CODES = 5


class RequestStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to be confirmed"
    CONFIRMED = "confirmed", "Confirmed"
    VOID = "void", "Void (too many wrong codes)"


class ReferralRequestQuerySet(models.QuerySet):
    def waiting(self, now) -> ReferralRequestQuerySet:
        return self.filter(status=RequestStatus.WAITING, expires_at__gt=now)

    def for_contact(self, *, email: str, mobile: str) -> ReferralRequestQuerySet:
        """Requests giving this email address or this mobile number."""
        match = Q(pk__in=[])
        if email:
            match |= Q(email__iexact=email)
        if mobile:
            match |= Q(mobile=mobile)
        return self.filter(match)


class ReferralRequest(TimeStamped):
    """What someone typed into the self-referral form, until they confirm it."""

    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    full_name = models.CharField("full name", max_length=150, blank=True)
    preferred_name = models.CharField("what you like to be called", max_length=60, blank=True)
    email = models.EmailField("email address", blank=True)
    mobile = models.CharField("mobile number", max_length=20, blank=True)
    preferred_channel = models.CharField(
        "how we contact you", max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    access_needs = models.TextField("access needs", max_length=1000, blank=True)
    needs_transport = models.BooleanField("needs transport", default=False)
    pickup_postcode = models.CharField("pick-up postcode", max_length=10, blank=True)
    how_heard = models.CharField(
        "how they heard of HOPE", max_length=20, choices=HowHeard.choices, blank=True
    )
    consent_evaluation = models.BooleanField("agrees to evaluation", default=False)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.WAITING
    )
    # Secrets are kept only as hashes: the link's token (emailed, or held by the browser
    # of someone confirming by text) and the texted code.
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, blank=True)
    wrong_codes = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    referral = models.OneToOneField(
        Referral, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReferralRequestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values),
                name="programmes_referralrequest_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(preferred_channel__in=[Channel.EMAIL, Channel.SMS]),
                name="programmes_referralrequest_channel_valid",
            ),
            # Waiting: a name and the address the confirmation goes to. Confirmed: the
            # details have moved to the participant's record, so none are left here.
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.WAITING)
                | (
                    ~Q(full_name="")
                    & (~Q(preferred_channel=Channel.EMAIL) | ~Q(email=""))
                    & (~Q(preferred_channel=Channel.SMS) | (~Q(mobile="") & ~Q(code_hash="")))
                ),
                name="programmes_referralrequest_reachable_while_waiting",
            ),
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.CONFIRMED)
                | (
                    Q(confirmed_at__isnull=False)
                    & Q(full_name="", preferred_name="", email="", mobile="")
                    & Q(access_needs="", pickup_postcode="")
                ),
                name="programmes_referralrequest_confirmed_keeps_no_details",
            ),
        ]

    def __str__(self) -> str:
        return f"Self-referral request #{self.pk}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())
