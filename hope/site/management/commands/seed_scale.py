from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from hope.site.scale import VENUE_PREFIX, Builder
from venues.models import Venue


class Command(BaseCommand):
    help = (
        "Load years of made-up data for measuring speed (issue 17): at --years 10, 600 "
        "courses, 20,000 participants, 60,000 expense claims, 150,000 messages. The same "
        "rows on the same day; refuses to run twice on one database. Run seed_demo first "
        "to give the demo's people their share (make bench does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=10, help="Years of data (1 to 30).")
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply every volume (e.g. 0.02 for a small copy in tests).",
        )
        parser.add_argument("--seed", type=int, default=17, help="The random seed.")

    def handle(self, *args, years: int, scale: float, seed: int, **options):
        if not 1 <= years <= 30:
            raise CommandError("--years: enter a whole number of years from 1 to 30.")
        if not 0 < scale <= 10:
            raise CommandError("--scale: enter a number above 0 and at most 10, e.g. 0.05.")
        if Venue.objects.filter(name__startswith=VENUE_PREFIX).exists():
            raise CommandError(
                "The scale data is already loaded (venues named "
                f"“{VENUE_PREFIX} …” exist): use a fresh database."
            )
        started = time.monotonic()
        counts = Builder(years=years, scale=scale, seed=seed).run()
        # The planner knows nothing of rows loaded in bulk until the tables are analysed,
        # and plans as if they were empty; and until they are vacuumed, every index-only
        # scan visits the table too and the first reads write hint bits. Autovacuum would
        # get to both on a database in service, if it is on (the CI machines' PostgreSQL
        # has it off), so the bench measures what a maintained database serves.
        # (VACUUM cannot run in a transaction, as when a test loads a small copy.)
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in counts:
                cursor.execute(f'{command} "{table}"')
        took = time.monotonic() - started
        lines = ", ".join(f"{table} {n:,}" for table, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Scale data loaded in {took:.0f} s: {lines}."))
