"""Run the retention rules now (beat runs them every night)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from hope.retention import rules, run_retention


class Command(BaseCommand):
    help = "Delete what has passed its retention period now, and say how much went."

    def handle(self, *args, **options):
        kept = {rule.name: rule.kept_for for rule in rules()}
        for name, count in run_retention().items():
            self.stdout.write(f"{name} (kept {kept[name]}): {count}")
