from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from hope.site import bench_probe


class Command(BaseCommand):
    help = (
        "For `manage.py bench`: sign in each role, list the pages with real ids and count "
        "each page's queries in this database; or check and undo the bench's claim race."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Where to write the JSON.")
        parser.add_argument("--with-claims", action="store_true", help="Plan the claim race.")
        parser.add_argument("--held", nargs="*", metavar="SESSION:KIND")
        parser.add_argument("--undo", nargs="*", type=int, metavar="SESSION")

    def handle(self, *args, output: str, with_claims: bool, held, undo, **options):
        if held:
            slots = [(int(slot.split(":")[0]), slot.split(":")[1]) for slot in held]
            result = {"held": [bench_probe.held_claims(*slot) for slot in slots]}
        elif undo is not None:
            result = {"undone": bench_probe.undo_bench_claims(undo)}
        else:
            result = bench_probe.probe(with_claims=with_claims)
        with open(output, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=1, default=str)
