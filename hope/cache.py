"""The cache: Redis, and a per-process stand-in while Redis is away.

Sign-in rate limits (allauth) lock and count in the cache, so a stopped or hung Redis
would otherwise turn every sign-in into an error. When a Redis call fails, this process
logs it, uses its own in-memory cache for BREAKER_SECONDS (limits still hold, counted per
process instead of across the site), then tries Redis again. /healthz shows the state.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.dispatch import receiver

from hope.queue import Breaker

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 30.0
cache_breaker = Breaker(BREAKER_SECONDS)

_FALLBACK = LocMemCache("hope-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


def _resilient(name: str):
    def method(self, *args, **kwargs):
        fallback = getattr(_FALLBACK, name)
        if cache_breaker.is_open:
            return fallback(*args, **kwargs)
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except (redis.RedisError, OSError) as error:
            if not cache_breaker.is_open:
                logger.warning(
                    "Redis cache unavailable (%s: %s); using this process's memory for %s s.",
                    type(error).__name__,
                    error,
                    BREAKER_SECONDS,
                )
            cache_breaker.trip()
            return fallback(*args, **kwargs)

    functools.update_wrapper(method, getattr(RedisCache, name))
    return method


class _OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` for each connection pool:
    Django makes a new one for every call, which with redis-py 8 was half of a cache
    read's time (0.17 of 0.35 ms). A client is only its pool and settings, safe to share
    between threads."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """RedisCache whose every call falls back to a per-process cache on a Redis error."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool

    add = _resilient("add")
    get = _resilient("get")
    set = _resilient("set")
    touch = _resilient("touch")
    delete = _resilient("delete")
    get_many = _resilient("get_many")
    has_key = _resilient("has_key")
    incr = _resilient("incr")
    set_many = _resilient("set_many")
    delete_many = _resilient("delete_many")
    _clear_redis = _resilient("clear")

    def clear(self) -> None:
        """Both: whatever was counted while Redis was away goes too."""
        _FALLBACK.clear()
        self._clear_redis()


def cache_state() -> str:
    """This process's view: "ok", or "degraded" while it counts in its own memory."""
    return "degraded" if cache_breaker.is_open else "ok"


# Each version read once a request: a report page asks for it for each table, chart and
# filter box it remembers, a round trip to Redis each. Only within a request (set up by
# request_started), so a long-lived worker outside one always asks Redis.
_request_versions = threading.local()


@receiver(request_started)
def _remember_versions_for_the_request(**kwargs) -> None:
    _request_versions.seen = {}


@receiver(request_finished)
def _forget_request_versions(**kwargs) -> None:
    _request_versions.seen = None


class CacheVersion:
    """A version kept in the cache, naming what is remembered under it (the finance
    figures, the reports): ``replace`` (a signal receiver) forgets all of it whenever a
    row it was made from changes. Replaced at once, so the request that changed a row
    sees its change, and again after the transaction commits, so a figure worked out by
    someone else from the old rows while the change was being saved is not kept."""

    def __init__(self, key: str) -> None:
        self.key = key

    def current(self) -> str:
        from django.core.cache import cache

        seen = getattr(_request_versions, "seen", None)
        if seen is not None and self.key in seen:
            return seen[self.key]
        version = cache.get(self.key)
        if version is None:
            cache.add(self.key, secrets.token_hex(8), timeout=None)
            version = cache.get(self.key, "none")
        if seen is not None:
            seen[self.key] = version
        return version

    def replace(self, **kwargs) -> None:
        self._new()
        transaction.on_commit(self._new, robust=True)

    def _new(self) -> None:
        from django.core.cache import cache

        version = secrets.token_hex(8)
        cache.set(self.key, version, timeout=None)
        seen = getattr(_request_versions, "seen", None)
        if seen is not None:
            seen[self.key] = version  # this request sees its own change
