"""Notices about people's rotas, each told once: by email straight away, or kept for
the person's morning digest, as they choose (``User.rota_notices``, /account/notices/).

The apps decide who is told what (facilitators/notices.py); every such notice comes
through ``notice_send``. Exactly once, by construction: a notice is a row with a unique
key before it is anything else, so an event announced twice is stored once; told at
once, its email is an outbox message with the same key; kept for the digest, it waits
(``delivered_at`` empty) until ``notices_digest`` bundles each person's waiting notices
into one message a day, marking them delivered in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import linebreaks, urlize

from hope.models import Notice, NoticeDelivery, User
from hope.outbox import message_create, render_text
from hope.roles import Role


def _preferences_url() -> str:
    return settings.SITE_URL + reverse("notice_preferences")


def notice_send(*, key: str, recipient: User, template: str, context: dict) -> Notice | None:
    """Tell ``recipient`` once, the way they chose; None if this key was told already
    (or the person can no longer sign in). ``template`` names ``<template>_subject.txt``
    and ``<template>.txt``: the notice's own lines, without greeting or footer, so that
    the same text reads well alone or in a digest; the HTML part is that text with its
    links made clickable. Call inside the change's transaction: if it rolls back, nobody
    is told of a change that did not happen."""
    if not recipient.is_active:
        return None
    context = {**context, "recipient": recipient, "site_url": settings.SITE_URL}
    subject = " ".join(render_text(f"{template}_subject.txt", context).split())
    body_text = render_text(f"{template}.txt", context).strip()
    now = timezone.now()
    at_once = recipient.rota_notices != NoticeDelivery.DIGEST
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                key=key[:200],
                recipient=recipient,
                subject=subject[:200],
                body_text=body_text,
                body_html=linebreaks(urlize(body_text, autoescape=True)),
                delivered_at=now if at_once else None,
            )
    except IntegrityError:
        return None  # told already: the unique key is the guarantee
    if at_once:
        notice.message = message_create(
            key=notice.key,
            kind="rota_notice",
            recipient=recipient,
            template="hope/email/notice",
            context={"notice": notice, "preferences_url": _preferences_url()},
        )
        notice.save(update_fields=["message"])
    return notice


def coordinators(*, besides: User | None = None) -> list[User]:
    """Everyone who coordinates and can sign in, less the person who made the change
    (nobody needs telling what they just did). One query."""
    people = User.objects.filter(groups__name=Role.COORDINATOR, is_active=True).distinct()
    if besides is not None:
        people = people.exclude(pk=besides.pk)
    return list(people.order_by("pk"))


def notice_recipients(*, key_prefix: str) -> set[int]:
    """Who was told of an event (their user ids), by the start of its notices' keys:
    those told of a request for cover hear when it is no longer needed."""
    return set(
        Notice.objects.filter(key__startswith=key_prefix).values_list("recipient_id", flat=True)
    )


def _digest_one(recipient_id: int, now: datetime) -> bool:
    with transaction.atomic():
        # Locked, skipping rows another worker holds: two digests running at once never
        # carry the same notice; whichever takes the rows sends them, the other finds
        # none. The message's unique key (one digest per person per day) is the backstop.
        notices = list(
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recipient_id=recipient_id, delivered_at__isnull=True)
            .select_related("recipient")
            .order_by("created_at", "pk")
        )
        if not notices:
            return False
        message = message_create(
            key=f"notice-digest:{timezone.localdate(now).isoformat()}:to={recipient_id}",
            kind="notice_digest",
            recipient=notices[0].recipient,
            template="hope/email/notice_digest",
            context={"notices": notices, "preferences_url": _preferences_url()},
        )
        if message is None:
            return False  # today's digest is stored already: these wait for tomorrow's
        Notice.objects.filter(pk__in=[n.pk for n in notices]).update(
            delivered_at=now, message=message, updated_at=now
        )
    return True


def notices_digest(now: datetime | None = None) -> int:
    """Bundle each person's waiting notices into one message (beat, each morning);
    returns how many digests were stored. Safe to run twice, and on two workers."""
    now = now or timezone.now()
    waiting = (
        Notice.objects.filter(delivered_at__isnull=True, recipient__is_active=True)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    return sum(_digest_one(recipient_id, now) for recipient_id in waiting)
