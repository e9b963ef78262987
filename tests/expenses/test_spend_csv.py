"""The year's spend CSV comes from SQL compiled once a process: what changes between
downloads (the year, the time now) must still change what it says."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from expenses.reports import venue_hire_sessions
from tests.factories import BudgetFactory, CourseFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def hire_rows(client, year: int) -> list[dict]:
    body = b"".join(client.get(reverse("expenses:export", args=[year])).streaming_content)
    rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    return [row for row in rows if row["Type"] == "Venue hire (session)"]


def test_a_financial_year_starts_and_ends_at_london_midnight():
    venue = VenueFactory(hire_cost=Decimal("10.00"))
    # 00:30 on 1 April 2026 in London is 23:30 on 31 March in UTC (summer time).
    first = CourseFactory(venue=venue, first_start=datetime(2026, 4, 1, 0, 30, tzinfo=LONDON))
    # 23:30 on 31 March 2027 in London is 22:30 in UTC, after the clocks went forward.
    last = CourseFactory(venue=venue, first_start=datetime(2027, 3, 31, 23, 30, tzinfo=LONDON))
    in_year = {
        year: set(venue_hire_sessions(year).values_list("pk", flat=True))
        for year in (2025, 2026, 2027)
    }
    opening = first.sessions.get(number=1).pk
    closing = last.sessions.get(number=1).pk
    assert opening in in_year[2026] and opening not in in_year[2025]
    assert closing in in_year[2026] and closing not in in_year[2027]
    assert last.sessions.get(number=2).pk in in_year[2027]


def test_each_download_says_spent_for_the_sessions_held_by_then(client, finance_lead):
    BudgetFactory(start_year=2026, total=Decimal("7500.00"))
    venue = VenueFactory(hire_cost=Decimal("15.00"))
    CourseFactory(venue=venue, first_start=datetime(2026, 10, 1, 10, tzinfo=LONDON))
    client.force_login(finance_lead)
    statuses = {}
    for day in (2, 16, 30):
        with time_machine.travel(datetime(2026, 10, day, 12, tzinfo=LONDON), tick=False):
            statuses[day] = [row["Status"] for row in hire_rows(client, 2026)]
    assert statuses[2] == ["Spent"] + ["Committed"] * 5
    assert statuses[16] == ["Spent"] * 3 + ["Committed"] * 3
    assert statuses[30] == ["Spent"] * 5 + ["Committed"]


def test_each_year_downloads_its_own_rows(client, finance_lead):
    venue = VenueFactory(hire_cost=Decimal("15.00"))
    for year in (2025, 2026):
        BudgetFactory(start_year=year, total=Decimal("7500.00"))
        CourseFactory(venue=venue, first_start=datetime(year, 5, 1, 10, tzinfo=LONDON))
    client.force_login(finance_lead)
    for year in (2025, 2026):
        dates = {row["Date"][:4] for row in hire_rows(client, year)}
        assert dates == {str(year)}
