"""A cache version (hope.cache.CacheVersion) is read from Redis once a request, and a
request that replaces it sees its own change; outside a request it is always asked."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from hope.cache import CacheVersion

pytestmark = pytest.mark.django_db
VERSION = CacheVersion("test:version")


def test_a_request_reads_the_version_once_and_sees_its_own_change():
    cache.delete(VERSION.key)
    request_started.send(sender=None)
    try:
        first = VERSION.current()
        cache.set(VERSION.key, "changed by another process", timeout=None)
        assert VERSION.current() == first  # read once a request
        VERSION._new()
        own = VERSION.current()
        assert own not in (first, "changed by another process")
        assert cache.get(VERSION.key) == own
    finally:
        request_finished.send(sender=None)
    cache.set(VERSION.key, "changed again", timeout=None)
    assert VERSION.current() == "changed again"  # the next request reads it afresh


def test_outside_a_request_every_read_asks_the_cache():
    request_finished.send(sender=None)
    VERSION.current()
    cache.set(VERSION.key, "changed by another process", timeout=None)
    assert VERSION.current() == "changed by another process"
