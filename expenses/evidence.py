"""The cost report's figures (issue 15, point 2): what the courses a report covers cost,
from the money already recorded, beside the people and sessions that
``programmes.reports`` counts (the one home of what a report covers and whom it divides
by; nothing here counts people or sessions its own way).

What counts, and what "in the range" means for each kind of money:

- **Venue hire** of the sessions delivered (``report_sessions``: sessions of the courses
  covered, not cancelled, already ended). A session costs its venue's price in force on
  its London day (``VenuePrice``, as on the finance dashboard), never today's price; but
  when a venue invoice (direct spend with a venue and the days it covers) covers its day,
  it costs its equal share of that invoice instead: the invoice divided by the sessions
  it covers (at that venue, on those days, not cancelled, of courses that are not
  drafts), delivered or still to come.
- **Mileage for rides**: approved and paid mileage claims made from rides (``ClaimRide``),
  each shared equally among its rides. A ride's share counts when the ride is one of the
  report's (``report_rides``: held at a session delivered, and of someone the referral
  source referred when one is chosen). This is the transport cost, divided by
  ``participants_carried``.
- **Other claims for a course**: approved and paid claims linked to a course or a session
  (and to no ride) count when that course is covered, whatever their date: a course that
  starts in the range and ends after it brings all its costs.
- **Everything else** (approved and paid claims linked to no course, session or ride, and
  direct spend that is not a venue invoice covering sessions) can be placed only by its
  date: it counts when dated from ``start`` to ``end`` inclusive, and only when no
  programme, venue, delivery mode or referral source is chosen, because it cannot be
  attributed to any of them.
- With a **referral source** chosen, only the mileage of those people's rides can be
  attributed to them: venue hire and claims for a course serve everyone on it. They are
  left out of the spend (the venue table still shows the sessions' hire), and the costs
  per participant, completer and session are not shown.

Unlike the finance dashboard, which counts money in the financial year it is paid in (so
a closed year never changes), this report asks what sessions cost: an invoice paid later
still replaces the automatic hire of the sessions it covers, and held sessions of a
course cancelled part-way keep their hire.

Amounts are summed in PostgreSQL and kept exact (shares of an invoice or a claim are not
whole pennies); they are rounded half up to the penny only for showing (``to_penny``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save

from expenses.models import ZERO, Category, ClaimRide, DirectSpend, ExpenseClaim
from expenses.reports import AGREED, PENNY, money_total, price_on_day, session_day
from hope.reporting import (
    FEW,
    PRIMARY,
    SECONDARY,
    Cell,
    Row,
    Table,
    count,
    figure_table,
    remembered,
    report_rows_changed,
    shown,
)
from hope.suppression import Suppressed, shown_mean, suppress
from hope.templatetags.hope_tags import pounds
from programmes.models import CourseStatus, ReferralSource, Session
from programmes.reports import (
    PeopleCounts,
    ReportRange,
    next_session_end,
    participants_carried,
    people_counts,
    report_courses,
    report_rides,
    report_sessions,
)

EXACT = models.DecimalField()  # no fixed places: PostgreSQL keeps a share's digits


def to_penny(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def _one_row(rows: models.QuerySet, function: str, expression, output_field) -> Subquery:
    """``function`` (COUNT, SUM) over ``rows`` as a subquery of one row. Written as a plain
    function, not an aggregate, so Django adds no GROUP BY: NULL (SUM) or 0 (COUNT) when
    there are no rows."""
    value = rows.order_by().annotate(v=Func(expression, function=function)).values("v")
    return Subquery(value, output_field=output_field)


def sessions_sharing_invoice() -> models.QuerySet[Session]:
    """The sessions the venue invoice in the outer query covers, its cost shared among
    them: at its venue, on the London days it covers, not cancelled, of a course that is
    not a draft."""
    return (
        Session.objects.annotate(local_day=session_day())
        .filter(
            venue=OuterRef("venue"),
            is_cancelled=False,
            local_day__gte=OuterRef("covers_from"),
            local_day__lte=OuterRef("covers_to"),
        )
        .exclude(course__status=CourseStatus.DRAFT)
    )


def session_hire() -> Coalesce:
    """The hire of the session in the outer query (needs ``local_day``): its shares of
    the venue invoices covering its day, else its venue's price on that day. The outer
    session is one of the sessions each such invoice is shared among, so no share
    divides by zero."""
    invoices = DirectSpend.objects.filter(
        venue=OuterRef("venue"),
        covers_from__lte=OuterRef("local_day"),
        covers_to__gte=OuterRef("local_day"),
    )
    sharing = _one_row(sessions_sharing_invoice(), "COUNT", F("pk"), models.IntegerField())
    share = F("amount") / sharing
    return Coalesce(_one_row(invoices, "SUM", share, EXACT), price_on_day(), output_field=EXACT)


@dataclass(frozen=True)
class SpendLine:
    category: str
    label: str
    amount: Decimal  # exact; ``to_penny`` for showing


@dataclass(frozen=True)
class VenueLine:
    """Sessions delivered at one venue (``venue_id`` None: online) and their hire."""

    venue_id: int | None
    name: str
    sessions: int
    hire: Decimal

    @property
    def key(self) -> tuple:
        return ("venue", self.venue_id)


@dataclass(frozen=True)
class LeftOut:
    """Money recorded that this report cannot attribute to what it was asked about."""

    reason: str
    amount: Decimal


@dataclass
class CostFigures:
    report: ReportRange
    spend: list[SpendLine]
    venues: list[VenueLine]
    sessions: int
    people: PeopleCounts
    carried: int
    transport: Decimal
    left_out: list[LeftOut] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """The spend counted: the category lines, each already a sum in SQL."""
        return sum((line.amount for line in self.spend), ZERO)

    @property
    def per_person_withheld(self) -> bool:
        """A referral source narrows the people but not what their courses cost."""
        return bool(self.report.source)

    @cached_property
    def suppressed(self) -> Suppressed:
        """The counts hidden: sessions by venue with their total (the sessions
        delivered), participants started, completers and participants carried."""
        values = {line.key: line.sessions for line in self.venues}
        values |= {
            "sessions": self.sessions,
            "started": self.people.started,
            "completed": self.people.completed,
            "carried": self.carried,
        }
        # No sessions, no sum: an empty sum would pin the total to 0 whatever it hides.
        parts = [line.key for line in self.venues]
        return suppress(values, [("sessions", parts)] if parts else [])

    def shown(self, key) -> bool:
        return key not in self.suppressed.hidden

    def _per(self, amount: Decimal, key, count: int) -> Decimal | None:
        """``amount`` ÷ ``count``, to the penny; None when nothing to divide by, or when
        the count is hidden (``amount`` and the figure would give it back)."""
        if not count or not self.shown(key):
            return None
        return shown_mean(to_penny(amount / count), count)

    @property
    def per_started(self) -> Decimal | None:
        if self.per_person_withheld:
            return None
        return self._per(self.total, "started", self.people.started)

    @property
    def per_completer(self) -> Decimal | None:
        if self.per_person_withheld:
            return None
        return self._per(self.total, "completed", self.people.completed)

    @property
    def per_session(self) -> Decimal | None:
        if self.per_person_withheld:
            return None
        return self._per(self.total, "sessions", self.sessions)

    @property
    def transport_per_carried(self) -> Decimal | None:
        return self._per(self.transport, "carried", self.carried)

    def hire_per_session(self, line: VenueLine) -> Decimal | None:
        return self._per(line.hire, line.key, line.sessions)

    @property
    def hire_total(self) -> Decimal:
        return sum((line.hire for line in self.venues), ZERO)

    @property
    def hire_per_session_all(self) -> Decimal | None:
        """Venue hire over every session delivered (online ones cost none)."""
        return self._per(self.hire_total, "sessions", self.sessions)


ONLINE = "Online (no venue)"


def _venue_lines(r: ReportRange) -> tuple[list[VenueLine], int]:
    """The sessions delivered and their hire by venue (online ones apart, costing
    nothing), and how many sessions were delivered. One query."""
    rows = (
        report_sessions(r)
        .annotate(local_day=session_day())
        .annotate(hire=session_hire())
        .values("venue", "venue__name")
        .annotate(n=models.Count("pk"), total=Coalesce(models.Sum("hire"), ZERO))
        .order_by("venue__name", "venue")
    )
    lines = [
        VenueLine(row["venue"], row["venue__name"] or ONLINE, row["n"], row["total"])
        for row in rows
    ]
    # The online line last, after the venues by name.
    lines.sort(key=lambda line: line.venue_id is None)
    return lines, sum(line.sessions for line in lines)


def _claims_by_category(r: ReportRange) -> dict[str, dict[str, Decimal]]:
    """Approved and paid claims not made from rides, by category: ``courses`` (linked to
    a course covered, by the session's course when a session is named) and ``by_date``
    (linked to no course, dated in the range). One query."""
    course_of = Coalesce("session__course", "course", output_field=models.BigIntegerField())
    claims = (
        ExpenseClaim.objects.filter(status__in=AGREED)
        .alias(
            for_rides=Exists(ClaimRide.objects.filter(claim=OuterRef("pk"))),
            course_of=course_of,
        )
        .filter(for_rides=False)
        .filter(
            Q(course_of__in=report_courses(r).values("pk"))
            | Q(course_of__isnull=True, spent_on__range=(r.start, r.end))
        )
    )
    rows = claims.values("category").annotate(
        courses=money_total("amount", Q(course_of__isnull=False)),
        by_date=money_total("amount", Q(course_of__isnull=True)),
    )
    return {row["category"]: row for row in rows}


def _ride_mileage_by_category(r: ReportRange) -> dict[str, Decimal]:
    """Each approved or paid claim made from rides, shared equally among its rides: the
    shares of the report's rides, by the claim's category. One query."""
    rides_on_claim = _one_row(
        ClaimRide.objects.filter(claim=OuterRef("claim")), "COUNT", F("pk"), models.IntegerField()
    )
    rows = (
        ClaimRide.objects.filter(claim__status__in=AGREED, ride__in=report_rides(r).values("pk"))
        .values("claim__category")
        .annotate(
            total=Coalesce(
                models.Sum(F("claim__amount") / rides_on_claim, output_field=EXACT), ZERO
            )
        )
    )
    return {row["claim__category"]: row["total"] for row in rows}


def _direct_spend_by_category(r: ReportRange) -> dict[str, Decimal]:
    """Direct spend dated in the range, by category, but for venue invoices shared among
    the sessions they cover (those are in the sessions' hire). One query."""
    rows = (
        DirectSpend.objects.filter(spent_on__range=(r.start, r.end))
        .alias(shared=Exists(sessions_sharing_invoice()))
        .filter(shared=False)
        .values("category")
        .annotate(total=money_total("amount"))
    )
    return {row["category"]: row["total"] for row in rows}


def cost_figures(r: ReportRange) -> CostFigures:
    """Everything the cost report shows. Eight queries, whatever the data: four for the
    people (``people_counts``, ``participants_carried``), one for the sessions and their
    hire, three for the money."""
    venues, sessions = _venue_lines(r)
    claims = _claims_by_category(r)
    rides = _ride_mileage_by_category(r)
    spends = _direct_spend_by_category(r)

    narrowed = bool(r.programme or r.venue or r.delivery or r.source)
    shared_counted = not r.source
    hire = sum((line.hire for line in venues), ZERO)
    spend = []
    for value, label in Category.choices:
        amount = rides.get(value, ZERO)
        if shared_counted:
            amount += claims.get(value, {}).get("courses", ZERO)
            if value == Category.VENUE_HIRE:
                amount += hire
        if not narrowed:
            amount += claims.get(value, {}).get("by_date", ZERO) + spends.get(value, ZERO)
        spend.append(SpendLine(value, label, amount))

    left_out = []
    if narrowed:
        by_date = sum((row["by_date"] for row in claims.values()), ZERO)
        left_out.append(
            LeftOut(
                "Claims linked to no course, session or ride, and direct spend other than "
                "venue invoices, dated between these dates: they cannot be attributed to a "
                "programme, venue, delivery mode or referral source.",
                by_date + sum(spends.values(), ZERO),
            )
        )
    if not shared_counted:
        course_claims = sum((row["courses"] for row in claims.values()), ZERO)
        left_out.append(
            LeftOut(
                "Venue hire of the sessions and claims for the courses: they serve "
                "everyone on a course, whoever referred them, so only the mileage of "
                "the rides of the people with a referral from "
                f"“{ReferralSource(r.source).label}” is counted.",
                hire + course_claims,
            )
        )

    return CostFigures(
        report=r,
        spend=spend,
        venues=venues,
        sessions=sessions,
        people=people_counts(r),
        carried=participants_carried(r),
        transport=sum(rides.values(), ZERO),
        left_out=left_out,
    )


# --- The published tables (hope/reporting.py): the page, its CSV and its charts ---------


def remembered_cost_tables(r: ReportRange) -> list[Table]:
    """``cost_tables(cost_figures(r))``, remembered until a row they are counted from
    changes or a session they cover ends (hope/reporting.py ``remembered``): the page,
    its CSV and its charts share them, with no query when they hold."""
    return remembered(
        "costs",
        r.query(),
        lambda: cost_tables(cost_figures(r)),
        lambda now: next_session_end(r, now),
    )


def connect() -> None:
    """Forget the remembered reports when money they count changes (the people, sessions
    and prices: programmes/reports.py ``connect``). Called from ``ExpensesConfig.ready``."""
    for model in (ExpenseClaim, ClaimRide, DirectSpend):
        uid = f"reports-{model.__name__}"
        post_save.connect(report_rows_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(report_rows_changed, sender=model, dispatch_uid=uid)


def _money(amount: Decimal | None) -> Cell:
    if amount is None:
        return shown(None)
    return shown(to_penny(amount), pounds(amount))


def _count(figures: CostFigures, key, n: int) -> Cell:
    hidden = figures.suppressed
    return count(
        n, hidden=PRIMARY if key in hidden.primary else SECONDARY if key in hidden.secondary else ""
    )


def _each(figures: CostFigures, key, n: int, value: Decimal | None) -> Cell:
    """A cost each: not shown when its count is hidden (the spend and it would give the
    count back); "–" when there is nothing to divide by, or it is withheld."""
    if n and not figures.shown(key):
        return Cell(hidden=FEW)
    return _money(value)


def cost_tables(figures: CostFigures) -> list[Table]:
    """The cost report's tables, in the page's order: spend by category, costs each,
    venue hire by venue, and the money the filters leave out (when they do)."""
    spend = Table(
        name="spend",
        title="Spend by category",
        heading="Category",
        columns=("Spend (£)",),
        rows=(
            *(Row(line.label, (_money(line.amount),)) for line in figures.spend),
            Row("Total", (_money(figures.total),), is_total=True),
        ),
        chart=0,
    )
    people = figures.people
    note = (
        "Each cost is the total spend divided by the number beside it; transport is the "
        f"mileage claimed for the rides ({pounds(figures.transport)}) divided by the "
        "participants carried."
    )
    if figures.per_person_withheld:
        note += (
            " With a referral source chosen only transport is divided: the other costs "
            "are of whole courses, shared by everyone on them."
        )
    each = figure_table(
        name="each",
        title="Cost per participant, completer and session",
        heading="Divided by",
        columns=["Number", "Cost each (£)"],
        rows=[
            (label, [_count(figures, key, n), _each(figures, key, n, value)])
            for label, key, n, value in [
                (
                    "Participants started (at session 1)",
                    "started",
                    people.started,
                    figures.per_started,
                ),
                ("Completers", "completed", people.completed, figures.per_completer),
                ("Sessions delivered", "sessions", figures.sessions, figures.per_session),
                (
                    "Participants carried (transport)",
                    "carried",
                    figures.carried,
                    figures.transport_per_carried,
                ),
            ]  # fmt: skip
        ],
        note=note,
    )
    venues = Table(
        name="venues",
        title="Venue hire per session, by venue",
        heading="Venue",
        columns=("Sessions delivered", "Hire (£)", "Hire per session (£)"),
        rows=(
            *(
                Row(
                    line.name,
                    (
                        _count(figures, line.key, line.sessions),
                        _money(line.hire),
                        _each(figures, line.key, line.sessions, figures.hire_per_session(line)),
                    ),
                )
                for line in figures.venues
            ),
            Row(
                "All sessions delivered",
                (
                    _count(figures, "sessions", figures.sessions),
                    _money(figures.hire_total),
                    _each(figures, "sessions", figures.sessions, figures.hire_per_session_all),
                ),
                is_total=True,
            ),
        ),
        chart=2,
        note="Each session at the price its venue had on the day, or its share of the "
        "venue's invoice for those days.",
    )
    tables = [spend, each, venues]
    if figures.left_out:
        tables.append(
            figure_table(
                name="left-out",
                title="Not counted: money these filters cannot be attributed to",
                heading="What",
                columns=["Amount (£)"],
                rows=[(item.reason, [_money(item.amount)]) for item in figures.left_out],
            )
        )
    return tables
