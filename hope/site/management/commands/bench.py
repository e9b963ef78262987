from __future__ import annotations

import os

from django.core.management.base import BaseCommand

from hope.site import bench


class Command(BaseCommand):
    help = (
        "Measure every page at ten years of data against the floor, the CSV export and "
        "claims at once (issue 17); writes var/bench/report.json and report.md. `make bench`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=15, help="Requests per page.")
        parser.add_argument("--years", type=int, default=10, help="Years of scale data.")
        # What gunicorn.conf.py deploys: threaded workers, one per core, four threads each.
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
        parser.add_argument("--threads", type=int, default=4, help="gthread only.")
        parser.add_argument(
            "--serving",
            action="store_true",
            help="Compare gunicorn sync and gthread at 2 and 4 workers under load instead.",
        )
        parser.add_argument("--clients", type=int, default=8, help="--serving: people at once.")
        parser.add_argument("--seconds", type=float, default=30, help="--serving: how long.")

    def handle(self, *args, rounds, years, workers, worker_class, threads, serving, **options):
        if serving:
            report = bench.run_serving(
                clients=options["clients"], seconds=options["seconds"], say=self.stdout.write
            )
            self.stdout.write("")
            self.stdout.write(bench.serving_markdown(report))
            return
        report = bench.run(
            rounds=rounds,
            years=years,
            workers=workers,
            worker_class=worker_class,
            threads=threads if worker_class == "gthread" else 1,
            say=self.stdout.write,
        )
        self.stdout.write("")
        self.stdout.write(bench.markdown(report))
        verdict = "All targets met." if report["targets_met"] else "Some targets missed."
        self.stdout.write(self.style.SUCCESS(verdict) if report["targets_met"] else verdict)
