from __future__ import annotations

from celery import shared_task

from facilitators.digest import send_cover_digest
from facilitators.notices import notify_unmet_cover
from facilitators.reminders import plan_reminders as store_due_reminders


@shared_task(ignore_result=True)
def plan_reminders() -> int:
    """Store the facilitator reminders that have come due (beat, every five minutes)."""
    return store_due_reminders()


@shared_task(ignore_result=True)
def cover_digest() -> int:
    """The coordinators' morning digest of sessions without a full pair and rides
    without a driver."""
    return send_cover_digest()


@shared_task(ignore_result=True)
def unmet_cover() -> int:
    """Tell askers and coordinators of requests for cover still open 72 hours before."""
    return notify_unmet_cover()
