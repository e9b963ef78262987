"""Self-referral from the public pages: a request, confirmed from the person's own email or
phone, becomes a participant and a referral in the coordinators' queue.

Confirming first means nobody can sign someone else up: the link (email) or the code
(text message) reaches only whoever holds that address. The link's token is emailed and
never shown to the browser that asked; for a text, the browser holds the token and the
code goes to the phone, so both are needed. Only hashes of either are stored.

Limits that keep the form from being used to flood a stranger's inbox or the queue: per
client address and per contact (counted in Redis by the view), and at most
``SELF_REFERRALS_WAITING_PER_CONTACT`` requests waiting for one address or number, counted
here under a lock on that contact so two submissions at once cannot both slip under.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from hope.audit import audit_record
from hope.models import TeamSettings
from hope.outbox import message_create
from programmes.models import (
    MOST_WRONG_CODES,
    Channel,
    ConsentMethod,
    Course,
    Participant,
    Referral,
    ReferralRequest,
    ReferralSource,
    RequestStatus,
)
from programmes.public import listable
from programmes.services.participants import PlaceError, place_request, referral_create

# What a request may carry into the participant's record.
DETAILS = [
    "full_name",
    "preferred_name",
    "email",
    "mobile",
    "preferred_channel",
    "access_needs",
    "needs_transport",
    "pickup_postcode",
]
BLANK_DETAILS = {
    name: "" for name in DETAILS if name not in {"preferred_channel", "needs_transport"}
}


class RequestError(Exception):
    """The request cannot go ahead; the message is for the person at the form."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        too_many: bool = False,
        already: bool = False,
    ):
        super().__init__(message)
        self.field = field
        self.too_many = too_many
        self.already = already  # confirmed already (by a press at the same moment)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(token: str, code: str) -> str:
    return salted_hmac("hope.selfreferral.code", f"{token}:{code}").hexdigest()


def _lock_contact(email: str, mobile: str) -> None:
    """Serialise requests for the same email address or number (a transaction-level
    advisory lock, released at commit), so the waiting count below is exact."""
    for contact in sorted(filter(None, [email.lower(), mobile])):
        number = int.from_bytes(hashlib.sha256(contact.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def referral_request_make(
    *, details: dict, course: Course | None, how_heard: str, consent_evaluation: bool
) -> tuple[ReferralRequest, str | None]:
    """Store the request and send the confirmation by the channel they chose.

    Returns the request and, when they confirm by text, the token their browser keeps to
    type the code into (None for email: the token is only in the email)."""
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}"
    by_text = details["preferred_channel"] == Channel.SMS
    with transaction.atomic():
        _lock_contact(details.get("email", ""), details.get("mobile", ""))
        waiting = (
            ReferralRequest.objects.waiting(now)
            .for_contact(email=details.get("email", ""), mobile=details.get("mobile", ""))
            .count()
        )
        if waiting >= settings.SELF_REFERRALS_WAITING_PER_CONTACT:
            raise RequestError(
                "There are already requests waiting to be confirmed for these contact "
                "details. Use the link or code we sent, or try again in "
                f"{settings.SELF_REFERRAL_CONFIRM_HOURS} hours.",
                "email" if not by_text else "mobile",
                too_many=True,
            )
        request = ReferralRequest(
            **{name: details.get(name, "") for name in DETAILS},
            course=course,
            how_heard=how_heard,
            consent_evaluation=consent_evaluation,
            token_hash=token_hash(token),
            code_hash=_code_hash(token, code) if by_text else "",
            expires_at=now + timedelta(hours=settings.SELF_REFERRAL_CONFIRM_HOURS),
        )
        request.full_clean(exclude=["course"])
        request.save()
        message_create(
            key=f"selfreferral:confirm:request={request.pk}",
            kind="selfreferral_confirm",
            recipient=None,
            channel="sms" if by_text else "email",
            to_address=request.mobile if by_text else request.email,
            template="programmes/email/selfreferral_confirm",
            context={
                "request": request,
                "course": course,
                "code": code,
                "confirm_url": settings.SITE_URL + reverse("programmes:find_confirm", args=[token]),
                "hours": settings.SELF_REFERRAL_CONFIRM_HOURS,
                "team": TeamSettings.shown(),
            },
        )
        audit_record(
            actor=None,
            action="selfreferral.received",
            target=request,
            summary=f"Self-referral request #{request.pk} received"
            + (f" for course #{course.pk}" if course else " for any course")
            + f", waiting for confirmation by {'text' if by_text else 'email'}",
        )
    return request, token if by_text else None


def request_for_token(token: str) -> ReferralRequest | None:
    """The request a link or a browser's token names, whatever its state; None if none."""
    return (
        ReferralRequest.objects.select_related("course")
        .filter(token_hash=token_hash(token))
        .first()
    )


def referral_request_confirm(*, token: str, code: str | None = None) -> Referral:
    """Confirm the request: the participant, their referral (self-referral, in the queue)
    and, where the team allows it and the course they chose has a place free, the place.

    Raises RequestError for a request already used, expired, void, or a wrong code."""
    now = timezone.now()
    with transaction.atomic():
        request = (
            ReferralRequest.objects.select_for_update().filter(token_hash=token_hash(token)).first()
        )
        if request is None or request.status == RequestStatus.VOID or request.expires_at <= now:
            raise RequestError(
                "This link or code has expired. Fill in the form again to ask for a place."
            )
        if request.status == RequestStatus.CONFIRMED:
            raise RequestError(
                "You have already confirmed this request. The team has it.", already=True
            )
        if not request.code_hash or (
            code and constant_time_compare(request.code_hash, _code_hash(token, code))
        ):
            return _referral_from(request, now)
        # A wrong code is counted (and committed) before the person is told.
        request.wrong_codes += 1
        if request.wrong_codes >= MOST_WRONG_CODES:
            request.status = RequestStatus.VOID
        request.save(update_fields=["wrong_codes", "status", "updated_at"])
    left = MOST_WRONG_CODES - request.wrong_codes
    if left <= 0:
        raise RequestError(
            "That code was wrong too many times, so this request has been cancelled. Fill "
            "in the form again to ask for a place."
        )
    raise RequestError(
        "That code is not the one we sent. Check the text message and try again "
        f"({left} {'try' if left == 1 else 'tries'} left).",
        "code",
    )


def _referral_from(request: ReferralRequest, now) -> Referral:
    """Called with the request locked. Its details move to the participant's record."""
    today = timezone.localdate(now)
    participant = Participant(
        **{name: getattr(request, name) for name in DETAILS},
        consent_contact=True,
        consent_contact_on=today,
        consent_contact_how=ConsentMethod.ONLINE,
        consent_evaluation=request.consent_evaluation,
        consent_evaluation_on=today if request.consent_evaluation else None,
        consent_evaluation_how=ConsentMethod.ONLINE if request.consent_evaluation else "",
    )
    referral = referral_create(
        participant=participant,
        referral=Referral(
            source=ReferralSource.SELF,
            course=request.course,
            how_heard=request.how_heard,
            # Received the day they asked, not the day they confirmed.
            received_on=timezone.localdate(request.created_at),
        ),
        by=None,
    )
    for name, blank in BLANK_DETAILS.items():
        setattr(request, name, blank)
    request.status = RequestStatus.CONFIRMED
    request.confirmed_at = now
    request.referral = referral
    request.save()
    audit_record(
        actor=None,
        action="selfreferral.confirmed",
        target=request,
        summary=f"Self-referral request #{request.pk} confirmed: referral #{referral.pk}",
    )
    # Only onto a course the public pages still offer: by now (up to
    # SELF_REFERRAL_CONFIRM_HOURS after asking) it may have begun or been taken off them,
    # and then a coordinator decides.
    if (
        request.course
        and TeamSettings.shown().self_referrals_enrol
        and listable(now).filter(pk=request.course_id).exists()
    ):
        try:
            place_request(
                participant=referral.participant, course=request.course, by=None, wait=False
            )
        except PlaceError:
            pass  # full, finished or a clash: a coordinator takes it from the queue
    return referral
