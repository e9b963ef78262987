"""What participants hear from us, through the outbox (hope/outbox.py).

Only with their consent to be contacted, by the channel they prefer: email, or a text
message when GOV.UK Notify is set up (NOTIFY_API_KEY). Someone who prefers letters, or
whose preferred channel cannot be used, gets nothing automatic: the coordinator sees that
on their page.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import BigIntegerField, F, Func, Q, QuerySet, Value
from django.db.models.functions import Cast

from hope.channels import CHANNELS
from hope.models import Message
from hope.outbox import message_create
from programmes.models import Channel, Participant, Place

TEMPLATES = "programmes/email/"
KIND_PREFIX = "participant_"
# Every participant's message is keyed by the place it is about: "participant:<what>:
# place=<pk>", then anything that makes it unique (a session, a date).
KEY_PLACE = r"^participant:[a-z_]+:place=([0-9]{1,18})"


def channel_for(participant: Participant) -> tuple[str, str] | None:
    """(channel, address) to reach them, or None if nothing automatic may or can."""
    if not participant.consent_contact or participant.is_anonymised:
        return None
    preferred = participant.preferred_channel
    if preferred == Channel.SMS and "sms" in CHANNELS and participant.mobile:
        return "sms", participant.mobile
    if preferred in (Channel.EMAIL, Channel.SMS) and participant.email:
        return "email", participant.email
    return None


def notify_participant(*, place: Place, what: str, key_extra: str = "", context=None) -> bool:
    """Store one message about ``place`` (``what`` names the template). Keyed so the same
    news is stored once. Returns whether a message was stored."""
    participant = place.participant
    route = channel_for(participant)
    if route is None:
        return False
    channel, address = route
    message = message_create(
        key=f"participant:{what}:place={place.pk}{key_extra}",
        kind=f"{KIND_PREFIX}{what}",
        recipient=None,
        to_address=address,
        channel=channel,
        template=TEMPLATES + what,
        context={
            "place": place,
            "course": place.course,
            "participant": participant,
            "site_url": settings.SITE_URL,
            **(context or {}),
        },
    )
    return message is not None


def messages_to(participants: QuerySet[Participant]) -> QuerySet[Message]:
    """Every outbox message to these people, whatever its state: those about one of their
    places (by the key, so an address they have since changed is found too), and any other
    participant's message sent to an address only they hold (a couple sharing one email
    address keeps the other's messages).

    Reads the key of every participant's message (no index helps): for the nightly
    retention job, not for pages."""
    their_addresses = {
        address
        for pair in participants.values_list("email", "mobile")
        for address in pair
        if address
    }
    others = Participant.objects.identifiable().exclude(pk__in=participants.values("pk"))
    shared = set(others.filter(email__in=their_addresses).values_list("email", flat=True)) | set(
        others.filter(mobile__in=their_addresses).values_list("mobile", flat=True)
    )
    place_of_key = Cast(
        Func(F("key"), Value(KEY_PLACE), function="SUBSTRING"), output_field=BigIntegerField()
    )
    return (
        Message.objects.filter(kind__startswith=KIND_PREFIX)
        .alias(place_id=place_of_key)
        .filter(
            Q(place_id__in=Place.objects.filter(participant__in=participants).values("pk"))
            | Q(recipient__isnull=True, to_address__in=their_addresses - shared)
        )
    )
