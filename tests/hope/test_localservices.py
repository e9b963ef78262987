"""The local servers (DATABASE_URL / REDIS_URL unset) when processes start together, as
`make run`'s web, worker and beat do, and the test suite's pytest-xdist workers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from hope import localservices
from tests.concurrency import run_together


@pytest.fixture
def own_var_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HOPE_VAR_DIR", str(tmp_path))
    monkeypatch.setattr(localservices, "_started_here", set())
    yield tmp_path
    localservices.stop_redis()


def test_two_starting_the_local_redis_together_start_one_and_one_owns_it(own_var_dir, monkeypatch):
    starts = []
    start = localservices._start_redis

    def slow_start(*args):
        # Widens the moment between "no server answers" and "it answers".
        starts.append(args)
        time.sleep(0.3)
        start(*args)

    monkeypatch.setattr(localservices, "_start_redis", slow_start)
    first, second = run_together([localservices.redis_url, localservices.redis_url])
    assert first == second
    assert len(starts) == 1
    assert localservices._started_here == {"redis"}
    socket_path = first.removeprefix("unix://")
    assert redis.Redis(unix_socket_path=socket_path, socket_timeout=1).ping()


def test_stopping_the_local_redis_returns_as_soon_as_it_has_stopped(own_var_dir):
    """`make test` stops it after every run; redis-py's retries on the connection SHUTDOWN
    closes used to add about 4 s."""
    url = localservices.redis_url()
    started = time.monotonic()
    localservices.stop_redis()
    assert time.monotonic() - started < 2
    assert not localservices._redis_answers(Path(url.removeprefix("unix://")))
