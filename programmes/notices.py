"""What participants hear from us, through the outbox (hope/outbox.py).

Only with their consent to be contacted, by the channel they prefer: email, or a text
message when GOV.UK Notify is set up (NOTIFY_API_KEY). Someone who prefers letters, or
whose preferred channel cannot be used, gets nothing automatic: the coordinator sees that
on their page.
"""

from __future__ import annotations

from django.conf import settings

from hope.channels import CHANNELS
from hope.outbox import message_create
from programmes.models import Channel, Participant, Place

TEMPLATES = "programmes/email/"


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
        kind=f"participant_{what}",
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
