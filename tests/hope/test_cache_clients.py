"""The Redis cache keeps one client for its connection pool instead of making one per
call (half of a read's time), and that client is safe for a gthread worker's threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache


def test_every_call_uses_the_same_client_of_the_pool():
    backend = cache._cache
    assert backend.get_client("a") is backend.get_client("b", write=True)
    cache.set("client-test", "kept", 30)
    assert cache.get("client-test") == "kept"


def test_threads_share_the_client_and_each_reads_its_own_writes():
    def round_trip(n: int) -> bool:
        key = f"client-test-{n}"
        results = []
        for round_ in range(20):
            cache.set(key, (n, round_), 30)
            results.append(cache.get(key) == (n, round_))
        return all(results)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(round_trip, range(16)))
