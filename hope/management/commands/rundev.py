"""`make run`: the web server, a Celery worker and Celery beat, stopped by one Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from hope import localservices
from hope.demo import DEMO_PASSWORD, banner_lines, second_factor_lines


def site_url_for(addr: str) -> str:
    """The address links in emails should use for runserver's ``addr`` ("host:port", or a
    port alone). 0.0.0.0 listens everywhere but is no address to open: use 127.0.0.1."""
    host, _, port = addr.rpartition(":")
    if not host:
        host = "127.0.0.1"
    elif host in {"0.0.0.0", "[::]"}:  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Serve on 127.0.0.1:8000 with a Celery worker and beat, for development."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr",
            default="127.0.0.1:8000",
            help="host:port to serve on; links in emails use it too, unless SITE_URL is set.",
        )

    def handle(self, *args, addr: str, **options):
        python = sys.executable
        beat_schedule = localservices.var_dir() / "celerybeat-schedule"
        commands = {
            "web": [python, "manage.py", "runserver", addr],
            "worker": [
                python, "-m", "celery", "-A", "hope", "worker",
                "--loglevel", "INFO", "--concurrency", "2", "--hostname", "dev@%h",
            ],
            "beat": [
                python, "-m", "celery", "-A", "hope", "beat",
                "--loglevel", "INFO", "--schedule", str(beat_schedule),
            ],
        }  # fmt: skip
        # Children inherit the URLs this process resolved, so all three share one
        # PostgreSQL and one Redis without each probing var/ again.
        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            # Links in emails (written by the worker and beat too) point where we serve,
            # unless the person chose an address themselves.
            "SITE_URL": os.environ.get("SITE_URL") or site_url_for(addr),
        }
        processes = {
            name: subprocess.Popen(cmd, env=env, start_new_session=True)
            for name, cmd in commands.items()
        }
        self.print_banner(env["SITE_URL"])

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(
                            f"The {name} process stopped (exit {process.returncode})."
                        )
                        stopping = True
                time.sleep(0.5)
        finally:
            self.stdout.write("Stopping the web server, worker and beat…")
            for process in processes.values():
                if process.poll() is None:
                    # The whole group: runserver's reloader and Celery's pool children too.
                    os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            if settings.USING_LOCAL_SERVICES:
                self.stdout.write("Stopping the local PostgreSQL and Redis (data kept in var/)…")
                localservices.stop()
            self.stdout.write("Stopped.")

    def print_banner(self, site_url: str) -> None:
        lines = [
            "",
            f"HOPE Coordinator is running at {site_url}/",
            "",
            f"Demo accounts (password: {DEMO_PASSWORD}):",
            *banner_lines(),
            "",
            *second_factor_lines(),
            "",
            "Emails are printed here rather than sent. Press Ctrl-C to stop everything.",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
