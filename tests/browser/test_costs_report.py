"""The cost report in a browser: a finance lead reads it on a phone (nothing scrolls
sideways, axe-core finds nothing serious, the charts load under the CSP), narrows it by
keyboard and downloads its CSV."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from expenses.models import Category
from tests.browser.conftest import PHONE
from tests.browser.helpers import evaluate_settled, sign_in
from tests.expenses.rides import claim_for_rides, driver, past_course, ride_for, rider
from tests.expenses.test_costs_report import claim, enrol
from tests.factories import ProgrammeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def courses_run_lately() -> None:
    """Six courses over the last months, at six venues, with people, a claim for each
    and a ride claimed."""
    carers = ProgrammeFactory(name="Carers")
    for i in range(6):
        course = past_course(days_ago=60 + 7 * i, programme=carers)
        people = [rider() for _ in range(3)]
        enrol(course, people, {0: [1, 2, 3], 1: [1, 2, 3]})
        claim("12.00", Category.TRAINING, course.created_at.date(), course=course)
        first = course.sessions.get(number=1)
        claim_for_rides([ride_for(first, people[0], by=driver())], amount=Decimal("4.00"))


def test_a_finance_lead_reads_the_cost_report_on_a_phone_and_downloads_its_csv(
    live_server, open_page, finance_lead, assert_fits, assert_accessible
):
    courses_run_lately()
    phone = open_page(**PHONE, accept_downloads=True)
    sign_in(phone, live_server, finance_lead)
    phone.goto(live_server.url + "/reports/costs/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cost report")
    expect(phone.get_by_role("heading", name="Spend by category")).to_be_visible()
    # 6 × £12.00 of training claimed for the courses.
    expect(phone.locator("#spend").get_by_text("£72.00")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)
    # Both charts load as images (a broken one has no width).
    loaded = evaluate_settled(
        phone,
        "() => [...document.querySelectorAll('.hope-chart img')]"
        ".map(i => i.complete && i.naturalWidth > 0)",
    )
    assert loaded == [True, True]

    # Narrow to the programme by keyboard.
    phone.get_by_label("Programme").focus()
    phone.keyboard.press("ArrowDown")  # "Carers", the only programme
    phone.get_by_role("button", name="Show the report").focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_text("programme: Carers")).to_be_visible()
    expect(phone.get_by_role("heading", name="Not counted")).to_be_visible()
    assert_fits(phone)

    with phone.expect_download() as info:
        phone.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("hope-costs-")
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    assert "Spend by category,Training resources,72.00" in text
    assert "Venue hire per session, by venue" in text
