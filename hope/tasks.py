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


@shared_task(ignore_result=True)
def send_due_messages() -> int:
    """The outbox sweep: beat runs it every minute; web actions nudge it after commit."""
    from hope.outbox import send_due

    return send_due()


@shared_task(ignore_result=True)
def plan_reminders() -> int:
    """Store the facilitator reminders that have come due (beat, every five minutes)."""
    from facilitators.reminders import plan_reminders as plan

    return plan()


@shared_task(ignore_result=True)
def cover_digest() -> int:
    """The coordinators' morning digest of sessions without a full pair."""
    from facilitators.digest import send_cover_digest

    return send_cover_digest()


@shared_task(ignore_result=True)
def retention() -> dict:
    """Delete what has passed its retention period (beat, nightly)."""
    from hope.retention import run_retention

    return run_retention()


@shared_task(ignore_result=True)
def budget_alerts() -> int:
    """Catch threshold crossings from committed venue hire and direct spend (hourly)."""
    from expenses.alerts import check_budget_alerts

    return check_budget_alerts()
