from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from hope.models import Invitation

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_kwargs={"max_retries": 5},
)
def send_invitation_email(self, invitation_id: int) -> bool:
    """Email the invitation link. Returns False (and sends nothing) if it is no longer open."""
    invitation = Invitation.objects.select_related("invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.can_be_accepted:
        logger.info("Invitation %s is no longer open; not sending.", invitation_id)
        return False
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL + reverse("invitation_accept", args=[invitation.token]),
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject="You are invited to HOPE Coordinator",
        body=render_to_string("hope/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("hope/email/invitation.html", context), "text/html")
    message.send()
    return True
