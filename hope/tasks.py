"""The kernel's periodic work: the outbox sweep and retention. Each app's own periodic
work lives in its tasks.py; the beat schedule (hope/celery.py) names tasks by string."""

from __future__ import annotations

from celery import shared_task

from hope.health import record_heartbeat
from hope.notices import notices_digest
from hope.outbox import send_due
from hope.retention import run_retention


@shared_task(ignore_result=True)
def send_due_messages() -> int:
    """The outbox sweep: beat runs it every minute; web actions nudge it after commit.
    Each run is the worker's heartbeat."""
    record_heartbeat("worker")
    return send_due()


@shared_task(ignore_result=True)
def retention() -> dict:
    """Delete what has passed its retention period (beat, nightly)."""
    return run_retention()


@shared_task(ignore_result=True)
def notice_digest() -> int:
    """Each person's rota notices kept for the morning, in one message (beat, 07:00)."""
    return notices_digest()
