"""Checks behind /healthz. Each answers "ok" or a short reason, within seconds."""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from hope.compiled import Compiled
from hope.models import Heartbeat

logger = logging.getLogger(__name__)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("Health check: database unavailable: %s", exc)
        return "unavailable"
    return "ok"


def check_broker() -> str:
    """PING the Redis that carries Celery's queue, with short timeouts."""
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=settings.REDIS_TIMEOUT,
        socket_timeout=settings.REDIS_TIMEOUT,
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        logger.warning("Health check: broker unavailable: %s", exc)
        return "unavailable"
    finally:
        client.close()
    return "ok"


# The sweep runs every minute and beat ticks every half minute: three minutes without a
# sign of life means a part is down, not merely busy.
LATE_AFTER = timedelta(minutes=3)
BACKGROUND = {"worker": "Celery worker (the message sweep)", "beat": "Celery beat (the schedule)"}


def record_heartbeat(name: str) -> None:
    """One statement, safe from any number of processes at once."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, beat_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["beat_at"],
    )


# Compiled once a process (hope/compiled.py): the message log asks on every visit.
_BEATS = Compiled(
    lambda: Heartbeat.objects.filter(name__in=BACKGROUND).values_list("name", "beat_at")
)


def _last_seen() -> dict[str, object]:
    """When each background part last showed it was alive, or None (one query)."""
    seen = dict(_BEATS.rows())
    return {name: seen.get(name) for name in BACKGROUND}


def _is_late(seen) -> bool:
    return seen is None or seen < timezone.now() - LATE_AFTER


def check_background() -> dict[str, str]:
    """ "ok" or "late" for the worker and beat, from their heartbeats (one query)."""
    return {name: "late" if _is_late(seen) else "ok" for name, seen in _last_seen().items()}


def late_parts() -> list[tuple[str, object]]:
    """(what, last seen or None) for each background part that is late (one query)."""
    return [(BACKGROUND[name], seen) for name, seen in _last_seen().items() if _is_late(seen)]
