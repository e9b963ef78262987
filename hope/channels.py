"""How a message reaches a person: email, and text messages through GOV.UK Notify when
NOTIFY_API_KEY is set. A channel sends or raises; scheduling and the exactly-once rules
stay in the outbox (hope/outbox.py)."""

from __future__ import annotations

import re
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from notifications_python_client.notifications import NotificationsAPIClient

from hope.models import Message

# Two text messages' worth: a long text is sent in parts of 153 characters.
SMS_MAX_CHARS = 306
# Typography a text message would otherwise pay for in characters: one of these turns the
# whole message into Unicode, 70 characters a part instead of 153.
_SMS_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


def sms_text(text: str) -> str:
    """A text message's body: one paragraph, plain quotes and dashes, at most two texts'
    worth (cut at a word, marked "...")."""
    # A title cut short ends in "…"; as "..." it also stands for a full stop after it.
    text = re.sub(r"\s*…\.?", "...", " ".join(text.split())).translate(_SMS_PLAIN)
    if len(text) <= SMS_MAX_CHARS:
        return text
    return text[: SMS_MAX_CHARS - 3].rsplit(" ", 1)[0] + "..."


class Channel(Protocol):
    def send(self, message: Message) -> None:
        """Deliver the message or raise; raising makes the outbox retry later."""


class EmailChannel:
    def send(self, message: Message) -> None:
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.body_text, to=[message.to_address]
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        if message.attachment:
            email.attach(message.attachment_name, message.attachment, message.attachment_type)
        email.send()


class NotifySMSChannel:
    """A text message through GOV.UK Notify's API: ``body_text`` fills the one
    placeholder of a template whose whole content is ``((body))``.

    Notify answers 201 once it has taken the message; any other answer, or no answer
    within ``timeout`` seconds, raises (the client's HTTPError), and the outbox retries.
    The reference Notify keeps is the message's number, never anything about the person.
    """

    def __init__(self, *, api_key: str, template_id: str, base_url: str, timeout: float):
        self.api_key = api_key
        self.template_id = template_id
        self.base_url = base_url
        self.timeout = timeout

    def send(self, message: Message) -> None:
        # A client per send: the client is not thread-safe, and a send is rare enough.
        client = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=self.timeout)
        client.send_sms_notification(
            phone_number=message.to_address,
            template_id=self.template_id,
            personalisation={"body": message.body_text},
            reference=f"hope-message-{message.pk}",
        )


def configured_channels() -> dict[str, Channel]:
    """Email always; "sms" only when Notify is set up (validated in hope/settings.py).
    One send waits at most EMAIL_TIMEOUT whatever the channel: the sweep plans on it."""
    channels: dict[str, Channel] = {"email": EmailChannel()}
    if settings.NOTIFY_API_KEY:
        channels["sms"] = NotifySMSChannel(
            api_key=settings.NOTIFY_API_KEY,
            template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
            base_url=settings.NOTIFY_BASE_URL,
            timeout=settings.EMAIL_TIMEOUT,
        )
    return channels


CHANNELS: dict[str, Channel] = configured_channels()
