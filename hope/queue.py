"""Enqueueing Celery tasks safely from web requests."""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args) -> None:
    """Send ``task`` to the broker once the current transaction commits.

    After commit, so the worker never looks for a row that is not there yet (or was
    rolled back). A broker failure is logged, not raised: the person's change is
    already saved and must not turn into an error page.
    """
    transaction.on_commit(partial(_send, task, args))


def _send(task, args) -> None:
    try:
        task.delay(*args)
    except Exception:
        logger.exception("Could not enqueue %s%r; the broker may be down.", task.name, args)
