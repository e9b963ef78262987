"""A financial year's spend as CSV lines: every claim, direct spend and session's venue
hire, each worded and made formula-safe by PostgreSQL (``hope.spreadsheets.sql_rows``)
from SQL compiled once a process (``SqlLines``), so a download costs Django no more to
start than any page. Model instances and a check of each cell in Python made a year at
ten years of data 10,000 rows a second; building the export's SQL per download was a
tenth of what was left."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Case, Count, OuterRef, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Concat

from expenses.models import (
    Category,
    ClaimRide,
    DirectSpend,
    ExpenseClaim,
    ExpenseKind,
    ExpenseStatus,
    financial_year_bounds,
)
from expenses.reports import venue_hire_sessions_between
from hope.spreadsheets import (
    SqlLines,
    SqlLinesPart,
    as_text,
    choice_label,
    fixed_text,
    safe_text,
    trusted,
)

HEADER = [
    "Type", "Date", "Category", "Description", "Amount", "Status", "Claimant", "Paid on",
    "Payment reference", "Rides",
]  # fmt: skip


def _claims(start: date, end: date):
    rides = Cast(
        Coalesce(
            Subquery(
                ClaimRide.objects.filter(claim=OuterRef("pk"))
                .order_by()
                .values("claim")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
        output_field=TextField(),
    )
    return (
        ExpenseClaim.objects.filter(spent_on__range=(start, end))
        .exclude(status=ExpenseStatus.DRAFT)
        .order_by("spent_on", "pk")
        .values_list(
            choice_label("kind", ExpenseKind.choices),
            as_text("spent_on"),
            choice_label("category", Category.choices),
            safe_text("description"),
            as_text("amount"),
            choice_label("status", ExpenseStatus.choices),
            safe_text("claimant__full_name"),
            as_text("paid_on"),
            safe_text("payment_reference"),
            # A count of rides, written as digits: nothing a spreadsheet would run, and
            # nothing a CSV line quotes.
            trusted(
                Case(
                    When(kind=ExpenseKind.MILEAGE, then=rides),
                    default=Value(""),
                    output_field=TextField(),
                ),
                plain=True,
            ),
        )
    )


def _spends(start: date, end: date):
    return (
        DirectSpend.objects.filter(spent_on__range=(start, end))
        .order_by("spent_on", "pk")
        .values_list(
            fixed_text("Direct spend"),
            as_text("spent_on"),
            choice_label("category", Category.choices),
            safe_text("description"),
            as_text("amount"),
            fixed_text("Paid"),
            fixed_text(""),
            as_text("spent_on"),
            fixed_text(""),
            fixed_text(""),
        )
    )


def _hire(start: date, end: date, now: datetime):
    # A session's hire is described as "venue: course, session n", the formula rule
    # applied to the whole (a venue or course named like a formula would start it).
    return (
        venue_hire_sessions_between(start, end)
        .annotate(
            hire_description=Concat(
                "venue__name", Value(": "), "course__title", Value(", session "), "number",
                output_field=TextField(),
            )
        )
        .order_by("start", "pk")
        .values_list(
            fixed_text("Venue hire (session)"),
            as_text("local_day"),
            fixed_text("Venue hire"),
            safe_text("hire_description"),
            as_text("hire"),
            # One of two fixed words.
            trusted(
                Case(
                    When(start__lte=now, then=Value("Spent")),
                    default=Value("Committed"),
                    output_field=TextField(),
                ),
                plain=True,
            ),
            fixed_text(""),
            fixed_text(""),
            fixed_text(""),
            fixed_text(""),
        )
    )  # fmt: skip


_CLAIMS = SqlLines(_claims, start=date, end=date)
_SPENDS = SqlLines(_spends, start=date, end=date)
_HIRE = SqlLines(_hire, start=date, end=date, now=datetime)


def spend_lines(start_year: int, *, now: datetime) -> list[SqlLinesPart]:
    """The parts of the year's CSV, in order: claims, direct spend, venue hire (spent
    once its session has started, committed before)."""
    start, end = financial_year_bounds(start_year)
    return [
        _CLAIMS.rows(start=start, end=end),
        _SPENDS.rows(start=start, end=end),
        _HIRE.rows(start=start, end=end, now=now),
    ]
