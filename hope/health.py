"""Checks behind /healthz. Each answers "ok" or a short reason, within seconds."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connection

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
