"""Where the money stands for a financial year: every figure summed in PostgreSQL.

Spent = paid claims + direct spend + hire of venue sessions already held.
Committed = approved claims not yet paid + hire of sessions still to come.
A venue invoice recorded as direct spend replaces the automatic hire of the sessions it
covers in its own financial year, so nothing is counted twice within a year (see
``venue_hire_sessions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from expenses.models import (
    ZERO,
    Budget,
    Category,
    ClaimRide,
    DirectSpend,
    ExpenseClaim,
    ExpenseStatus,
    financial_year_bounds,
)
from programmes.models import CourseStatus, Session
from venues.models import VenuePrice

PENNY = Decimal("0.01")


def money_total(field_name: str, condition: Q | None = None):
    return Coalesce(Sum(field_name, filter=condition), ZERO)


def session_day() -> TruncDate:
    """A session's London day, the day its venue's price and invoices are matched on."""
    return TruncDate("start", tzinfo=ZoneInfo(settings.TIME_ZONE))


def price_on_day() -> Coalesce:
    """The hire of the session in the outer query: its venue's price in force on its day
    (``VenuePrice``), never today's; needs ``local_day`` (``session_day()``) annotated.
    One correlated subquery per session row, inside the same SQL statement as the sum,
    so no page runs more queries for it."""
    price = VenuePrice.objects.filter(
        venue=OuterRef("venue"), valid_from__lte=OuterRef("local_day")
    ).order_by("-valid_from")
    return Coalesce(Subquery(price.values("hire_cost")[:1]), ZERO)


class DayStart(Func):
    """The moment a day (a date value) starts in the site's time zone, worked out by
    PostgreSQL, ``days_after`` days on: a query compiled once (``hope.compiled``) keeps
    the day as its value instead of a moment worked out from it in Python."""

    output_field = DateTimeField()

    def __init__(self, day, *, days_after: int = 0):
        super().__init__(day)
        self.days_after = int(days_after)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"((({sql})::date + {self.days_after})::timestamp AT TIME ZONE %s)",
            [*params, settings.TIME_ZONE],
        )


def venue_hire_sessions(start_year: int):
    """``venue_hire_sessions_between`` the financial year starting in ``start_year``."""
    return venue_hire_sessions_between(*financial_year_bounds(start_year))


def venue_hire_sessions_between(start: date, end: date):
    """The one home of "which sessions cost hire" in the financial year from ``start``
    to ``end``: sessions held or booked at a venue on a London day of that year, of a
    published course, not cancelled, and whose hire no invoice of that year covers. Each
    is annotated with ``hire``, the venue's price in force on its day (``VenuePrice``).

    Drafts are plans; cancelled courses and sessions cost nothing. The dashboard, the
    export and the budget alerts all count these sessions and only these.

    A venue invoice (direct spend with a venue and the dates it covers) replaces the
    automatic hire of the sessions it covers only within the financial year it is
    counted in, the year of its date paid. An invoice paid in April for March's sessions
    counts as April's spend; March's sessions keep their automatic hire in the year that
    held them, so a closed year's figures never change when a late invoice arrives. An
    invoice covering days in two years replaces the hire of its own year's days only.
    """
    invoiced = DirectSpend.objects.filter(
        venue=OuterRef("venue"),
        spent_on__range=(start, end),
        covers_from__lte=OuterRef("local_day"),
        covers_to__gte=OuterRef("local_day"),
    )
    return (
        Session.objects.annotate(local_day=session_day())
        .annotate(hire=price_on_day())
        .filter(
            venue__isnull=False,
            is_cancelled=False,
            course__status=CourseStatus.PUBLISHED,
            start__gte=DayStart(Value(start)),
            start__lt=DayStart(Value(end), days_after=1),
        )
        .exclude(Exists(invoiced))
    )


@dataclass
class CategoryLine:
    category: str
    label: str
    allocation: Decimal | None
    spent: Decimal = ZERO
    committed: Decimal = ZERO

    @property
    def used(self) -> Decimal:
        return self.spent + self.committed

    @property
    def over(self) -> bool:
        return self.allocation is not None and self.used > self.allocation


# Claims the organisation has agreed to pay: what a year's transport has cost.
AGREED = [ExpenseStatus.APPROVED, ExpenseStatus.PAID]


def _per(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(PENNY, rounding=ROUND_HALF_UP) if count else None


@dataclass
class DriverFigures:
    """Volunteer drivers' mileage for rides in a year: approved or paid mileage claims
    made from rides, the rides on them, and the different participants carried."""

    spend: Decimal
    rides: int
    participants: int

    @property
    def per_ride(self) -> Decimal | None:
        return _per(self.spend, self.rides)

    @property
    def per_participant(self) -> Decimal | None:
        return _per(self.spend, self.participants)


def driver_figures(start: date, end: date, spend: Decimal) -> DriverFigures:
    """The rides and people behind ``spend``, the agreed mileage of claims for rides dated
    ``start`` to ``end`` (summed with the year's other totals). One query."""
    carried = ClaimRide.objects.filter(
        claim__spent_on__range=(start, end), claim__status__in=AGREED
    ).aggregate(rides=Count("pk"), participants=Count("ride__participant", distinct=True))
    return DriverFigures(spend=spend, **carried)


@dataclass
class YearFigures:
    budget: Budget
    paid_claims: Decimal
    direct_spend: Decimal
    venue_hire_held: Decimal
    approved_unpaid: Decimal
    submitted: Decimal
    venue_hire_committed: Decimal
    categories: list[CategoryLine]
    drivers: DriverFigures
    months: list[tuple[date, Decimal]] = field(default_factory=list)
    today: date = field(default_factory=timezone.localdate)

    @property
    def spent(self) -> Decimal:
        return self.paid_claims + self.direct_spend + self.venue_hire_held

    @property
    def committed(self) -> Decimal:
        return self.approved_unpaid + self.venue_hire_committed

    @property
    def remaining(self) -> Decimal:
        return self.budget.total - self.spent - self.committed

    @property
    def spent_percent(self) -> int:
        if not self.budget.total:
            return 100 if self.spent else 0
        return min(100, int(self.spent * 100 / self.budget.total))

    @property
    def committed_percent(self) -> int:
        if not self.budget.total:
            return 0
        return max(0, min(100 - self.spent_percent, int(self.committed * 100 / self.budget.total)))

    @property
    def spent_and_committed(self) -> Decimal:
        """What is spent so far plus what is committed: approved claims not yet paid and
        the hire of sessions booked. What the year comes to if nothing more is added."""
        return self.spent + self.committed

    @property
    def year_end_at_run_rate(self) -> Decimal:
        """Year-end spend if spending goes on at its pace so far: spent ÷ days elapsed ×
        days in the year, the days elapsed counting 1 April to today (London) inclusive.

        Commitments are not in it (they are in ``spent_and_committed``). Before the year
        starts there is no pace yet, and once it has ended nothing more comes: in both
        cases it is what has been spent.
        """
        start, end = self.budget.bounds
        if self.today < start or self.today >= end:
            return self.spent
        days = (end - start).days + 1
        elapsed = (self.today - start).days + 1
        return (self.spent * days / elapsed).quantize(PENNY, rounding=ROUND_HALF_UP)

    @property
    def run_rate_difference(self) -> Decimal:
        """The budget less the year-end at the run rate: above zero an underspend."""
        return self.budget.total - self.year_end_at_run_rate


def year_figures(budget: Budget) -> YearFigures:
    """Ten queries, whatever the number of claims, rides, spends and sessions."""
    start, end = budget.bounds
    now = timezone.now()
    claims = ExpenseClaim.objects.filter(spent_on__range=(start, end))
    totals = claims.alias(
        for_rides=Exists(ClaimRide.objects.filter(claim=OuterRef("pk")))
    ).aggregate(
        paid=money_total("amount", Q(status=ExpenseStatus.PAID)),
        approved=money_total("amount", Q(status=ExpenseStatus.APPROVED)),
        submitted=money_total("amount", Q(status=ExpenseStatus.SUBMITTED)),
        rides=money_total("amount", Q(status__in=AGREED, for_rides=True)),
    )
    spends = DirectSpend.objects.filter(spent_on__range=(start, end))
    direct = spends.aggregate(total=money_total("amount"))["total"]
    hire = venue_hire_sessions(budget.start_year).aggregate(
        held=money_total("hire", Q(start__lte=now)),
        committed=money_total("hire", Q(start__gt=now)),
    )

    allocations = {a.category: a.amount for a in budget.allocations.all()}
    lines = {
        value: CategoryLine(value, label, allocations.get(value))
        for value, label in Category.choices
    }
    for row in claims.values("category").annotate(
        paid=money_total("amount", Q(status=ExpenseStatus.PAID)),
        approved=money_total("amount", Q(status=ExpenseStatus.APPROVED)),
    ):
        lines[row["category"]].spent += row["paid"]
        lines[row["category"]].committed += row["approved"]
    for row in spends.values("category").annotate(total=money_total("amount")):
        lines[row["category"]].spent += row["total"]
    lines[Category.VENUE_HIRE].spent += hire["held"]
    lines[Category.VENUE_HIRE].committed += hire["committed"]

    figures = YearFigures(
        budget=budget,
        paid_claims=totals["paid"],
        direct_spend=direct,
        venue_hire_held=hire["held"],
        approved_unpaid=totals["approved"],
        submitted=totals["submitted"],
        venue_hire_committed=hire["committed"],
        categories=list(lines.values()),
        drivers=driver_figures(start, end, totals["rides"]),
    )
    figures.months = monthly_cumulative(budget, claims, spends, now)
    return figures


def monthly_cumulative(budget: Budget, claims, spends, now) -> list[tuple[date, Decimal]]:
    """Cumulative spend at the end of each month of the year (three grouped queries)."""
    start, end = budget.bounds
    by_month: dict[date, Decimal] = {}

    def add(rows, key="month", amount="total"):
        for row in rows:
            month = row[key]
            month = month.date() if isinstance(month, datetime) else month
            by_month[month] = by_month.get(month, ZERO) + row[amount]

    add(
        claims.filter(status=ExpenseStatus.PAID)
        .annotate(month=TruncMonth("spent_on"))
        .values("month")
        .annotate(total=money_total("amount"))
    )
    add(
        spends.annotate(month=TruncMonth("spent_on"))
        .values("month")
        .annotate(total=money_total("amount"))
    )
    add(
        venue_hire_sessions(budget.start_year)
        .filter(start__lte=now)
        .annotate(month=TruncMonth("start", output_field=DateField()))
        .values("month")
        .annotate(total=money_total("hire"))
    )
    months, running = [], ZERO
    month = start
    while month <= end:
        running += by_month.get(month, ZERO)
        months.append((month, running))
        month = (month + timedelta(days=32)).replace(day=1)
    return months
