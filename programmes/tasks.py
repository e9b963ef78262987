from __future__ import annotations

from celery import shared_task

from programmes.services.participants import offers_lapse


@shared_task(ignore_result=True)
def lapse_offers() -> int:
    """Offers of a place past their deadline lapse and pass to the next person waiting
    (beat, every five minutes)."""
    return offers_lapse()
