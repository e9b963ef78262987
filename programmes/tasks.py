from __future__ import annotations

from celery import shared_task

from programmes.notices import plan_reminders as store_due_reminders
from programmes.ride_notices import plan_driver_reminders as store_due_driver_reminders
from programmes.services.participants import offers_lapse


@shared_task(ignore_result=True)
def lapse_offers() -> int:
    """Offers of a place past their deadline lapse and pass to the next person waiting
    (beat, every five minutes)."""
    return offers_lapse()


@shared_task(ignore_result=True)
def plan_reminders() -> int:
    """Store the participants' reminders that have come due (beat, every five minutes)."""
    return store_due_reminders()


@shared_task(ignore_result=True)
def plan_driver_reminders() -> int:
    """Store the drivers' reminders, with the pick-up details, for rides due tomorrow
    (beat, every five minutes)."""
    return store_due_driver_reminders()
