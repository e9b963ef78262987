"""Days in the site's time zone: a day a person picks (a calendar's week, a report's
dates, the audit trail's "since") starts at midnight in London, which is 23:00 UTC the
evening before from late March to late October."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in the site's time zone. Midnight is never skipped or
    repeated in London (the clocks change at 01:00 and 02:00)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def day_after(day: date) -> datetime:
    """The first moment after ``day``: the end of a range of days, not included."""
    return day_start(day + timedelta(days=1))
