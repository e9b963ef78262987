"""How a message reaches a person. Email is built in; SMS (e.g. GOV.UK Notify) can be
added as another channel without touching scheduling or the exactly-once rules."""

from __future__ import annotations

from typing import Protocol

from django.core.mail import EmailMultiAlternatives

from hope.models import Message


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


CHANNELS: dict[str, Channel] = {"email": EmailChannel()}
