"""Writes behind the outcomes report: the meaningful change counted for each measure."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from hope.audit import audit_record
from hope.models import User
from programmes.models import MeaningfulChange, meaningful_changes


def meaningful_change_set(*, points: dict[str, Decimal], by: User) -> list[str]:
    """Set each measure's threshold; the audit line says old → new for each one changed.
    Returns the measures changed."""
    with transaction.atomic():
        # Lock the rows there are, so two coordinators saving at once each record the
        # value they replaced (a missing row is created under the unique constraint).
        list(MeaningfulChange.objects.select_for_update())
        before = meaningful_changes()
        changed = [measure for measure, value in points.items() if before[measure] != value]
        for measure in changed:
            MeaningfulChange.objects.update_or_create(
                measure=measure, defaults={"points": points[measure], "changed_by": by}
            )
        if changed:
            audit_record(
                actor=by,
                action="meaningful_change.changed",
                summary="Changed the meaningful change counted in the outcomes report: "
                + ", ".join(f"{m.upper()} {before[m]} → {points[m]}" for m in changed),
            )
    return changed
