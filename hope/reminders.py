"""When a reminder before a session is due: the one rule for facilitators' and
participants' reminders (facilitators/reminders.py, programmes/notices.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

# A person chooses 1 to 7 calendar days' notice.
MAX_REMINDER_DAYS = 7
# How far ahead a planner looks: the longest notice, and a day more for a clock change
# in between.
LONGEST_NOTICE = timedelta(days=MAX_REMINDER_DAYS + 1)


def reminder_due_at(start: datetime, days: int) -> datetime:
    """``days`` calendar days before ``start`` at the same time on the clock in
    Europe/London: a 10:00 session on the Monday after the clocks change is reminded at
    10:00 on the Saturday before, not at 09:00 or 11:00."""
    local = timezone.localtime(start)
    return datetime.combine(local.date() - timedelta(days=days), local.time(), local.tzinfo)
