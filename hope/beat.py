"""Celery beat's scheduler, leaving a heartbeat as it ticks (see hope/health.py)."""

from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30


class HeartbeatScheduler(PersistentScheduler):
    _last_heartbeat = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_heartbeat >= HEARTBEAT_SECONDS:
            self._last_heartbeat = now
            try:
                from hope.health import record_heartbeat

                record_heartbeat("beat")
            except Exception:  # the schedule matters more than its heartbeat
                logger.exception("Could not record beat's heartbeat.")
        # Tick at least every HEARTBEAT_SECONDS, so the heartbeat keeps its pace.
        return min(super().tick(*args, **kwargs), HEARTBEAT_SECONDS)
