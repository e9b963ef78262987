"""The finance dashboard's figures and charts, remembered in Redis until money changes.

At ten years of data the dashboard's ten figure queries and two pygal charts took most
of its time, on every request, though the figures change only when money does. So they
are kept in the cache under a version that every change to what they are made of
replaces: a claim, a ride on a claim, direct spend, a budget or allocation (saved or
deleted), and, for venue hire, a session, course or venue price (saved, deleted, moved,
cancelled or unpublished). ``connect()`` (from ``ExpensesConfig.ready``) wires that up;
the services that change money need do nothing more than save.

The version (hope.cache.CacheVersion, as the reports' in hope/reporting.py) is replaced
at once and again after the transaction commits.

Time changes the figures too: a session's hire moves from committed to spent when it
starts, and the year-end run rate moves with the day. So a remembered entry says until
when it holds (the next session with hire to start, and today) and is worked out afresh
after. The budget alerts (expenses/alerts.py) always work from the rows, never from here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.core.cache import cache
from django.db.models import Min
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.utils import timezone

from expenses.charts import CHARTS
from expenses.models import Allocation, Budget, ClaimRide, DirectSpend, ExpenseClaim
from expenses.reports import YearFigures, venue_hire_sessions, year_figures
from hope.cache import CacheVersion
from programmes.models import Course, Session
from programmes.signals import course_unpublished, sessions_cancelled, sessions_moved
from venues.models import VenuePrice

FIGURES_VERSION = CacheVersion("expenses:figures:version")
# Long enough to matter, short enough that a change made outside the app (a hand-run
# SQL update) shows within a day.
KEEP_SECONDS = 24 * 3600


# Forgets every year's remembered figures and charts: a signal receiver.
money_changed = FIGURES_VERSION.replace


def _holds(entry: dict | None, now: datetime) -> bool:
    return (
        entry is not None
        and entry["today"] == timezone.localdate(now)
        and (entry["until"] is None or now < entry["until"])
    )


def _figures(key: str, budget: Budget, now: datetime) -> dict:
    figures = year_figures(budget)
    until = (
        venue_hire_sessions(budget.start_year)
        .filter(start__gt=now)
        .aggregate(next=Min("start"))["next"]
    )
    entry = {"figures": figures, "today": timezone.localdate(now), "until": until}
    cache.set(key, entry, timeout=KEEP_SECONDS)
    return entry


def _made_from(
    budget: Budget, name: str, make: Callable[[YearFigures, date], str]
) -> tuple[YearFigures, str]:
    """A year's figures, and something made only from them (a chart, the dashboard's
    figures as HTML), remembered as long as the figures it was made from. Both read in
    one round trip to Redis; what was made says which figures (their today and until)."""
    key = f"expenses:figures:{budget.start_year}:{FIGURES_VERSION.current()}"
    made_key = f"{key}:{name}"
    now = timezone.now()
    found = cache.get_many([key, made_key])
    entry, made = found.get(key), found.get(made_key)
    if not _holds(entry, now):
        entry = _figures(key, budget, now)
    if made is None or (made["today"], made["until"]) != (entry["today"], entry["until"]):
        made = {
            "today": entry["today"],
            "until": entry["until"],
            "made": make(entry["figures"], entry["today"]),
        }
        cache.set(made_key, made, timeout=KEEP_SECONDS)
    return entry["figures"], made["made"]


def cached_chart(budget: Budget, name: str) -> str:
    """One of the dashboard's SVG charts (``CHARTS``), remembered with the figures."""
    return _made_from(budget, name, lambda figures, today: CHARTS[name](figures))[1]


def cached_dashboard(budget: Budget) -> tuple[YearFigures, str]:
    """The year's figures and the dashboard's HTML of them, remembered: the HTML is the
    same for every finance lead, and rendering its dozen tables of pounds cost more than
    the rest of the page."""
    return _made_from(
        budget,
        "html",
        lambda figures, today: render_to_string(
            "expenses/_figures.html", {"budget": budget, "figures": figures, "today": today}
        ),
    )


def connect() -> None:
    for model in (ExpenseClaim, ClaimRide, DirectSpend, Budget, Allocation, Session, Course,
                  VenuePrice):  # fmt: skip
        post_save.connect(money_changed, sender=model, dispatch_uid=f"money-{model.__name__}")
        post_delete.connect(money_changed, sender=model, dispatch_uid=f"money-{model.__name__}")
    # Sessions moved or cancelled in bulk (no save() each) are announced instead.
    for signal in (sessions_moved, sessions_cancelled, course_unpublished):
        signal.connect(money_changed, dispatch_uid=f"money-{id(signal)}")
