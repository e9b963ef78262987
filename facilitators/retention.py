"""Free text facilitators typed that may hold health details, cleared on schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from facilitators.models import CoverRequest


def purge_cover_reasons(now: datetime) -> int:
    """A cover reason is needed while colleagues decide; not long after."""
    cutoff = now - timedelta(days=settings.RETENTION_REASON_DAYS)
    return (
        CoverRequest.objects.exclude(reason="")
        .filter(Q(resolved_at__lt=cutoff) | Q(claim__session__start__lt=cutoff))
        .update(reason="")
    )
