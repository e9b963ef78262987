"""Enqueueing Celery tasks safely from web requests.

A publish to a broker that accepts connections and never answers waits the whole
socket timeout (REDIS_TIMEOUT). Two rules keep a request from paying that more than once:
- the same task with the same arguments is published at most once per transaction,
  however many times it was asked for (forty stored messages, one "send now" nudge);
- after a failed publish the process stops publishing for BREAKER_SECONDS (a circuit
  breaker shared by its threads) and logs what it skipped. Nothing is lost by skipping:
  what the tasks do is recorded in the database and the beat's sweeps do it anyway.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import transaction

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 30.0


class Breaker:
    """Open for a while after a failure; every thread in the process sees the same state."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.seconds

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


broker_breaker = Breaker(BREAKER_SECONDS)


def enqueue_after_commit(task, *args) -> None:
    """Send ``task`` to the broker once the current transaction commits.

    After commit, so the worker never looks for a row that is not there yet (or was
    rolled back). A broker failure is logged, not raised: the person's change is
    already saved and must not turn into an error page.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        isinstance(callback, _Publish) and callback.waiting and callback.key == (task.name, args)
        for _, callback, _ in connection.run_on_commit
    ):
        return  # already due to be published when this transaction commits
    transaction.on_commit(_Publish(task, args))


class _Publish:
    """An after-commit publish that remembers whether it has run yet."""

    def __init__(self, task, args):
        self.task, self.args = task, args
        self.key = (task.name, args)
        self.waiting = True

    def __call__(self) -> None:
        self.waiting = False
        _send(self.task, self.args)


def _send(task, args) -> None:
    if broker_breaker.is_open:
        logger.info(
            "Broker marked down; not publishing %s%r (the sweep will do it).", task.name, args
        )
        return
    try:
        task.delay(*args)
    except Exception:
        broker_breaker.trip()
        logger.exception(
            "Could not enqueue %s%r; the broker may be down. Not publishing for %s s.",
            task.name,
            args,
            BREAKER_SECONDS,
        )
