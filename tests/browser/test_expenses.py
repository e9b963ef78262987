"""A volunteer claims mileage on a phone; a finance lead approves it and the dashboard moves."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.factories import BudgetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_claims_mileage_on_a_phone_and_finance_approves(
    live_server, open_page, volunteer, finance_lead, assert_accessible
):
    BudgetFactory()
    page = open_page(**PHONE)
    sign_in(page, live_server, volunteer)
    page.get_by_role("link", name="New mileage claim").click()
    assert_accessible(page)
    page.get_by_label("From (postcode)").fill("ng4 2rl")
    page.get_by_label("To (postcode)").fill("NG7 1OL")
    page.get_by_label("Miles").fill("0")
    page.get_by_label("Passengers carried").fill("2")
    page.get_by_label("Purpose").fill("Driving participants to Oakfield")
    page.get_by_role("button", name="Submit claim").click()
    expect(page.get_by_text("Enter the miles driven")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Miles").fill("34.5")
    page.get_by_role("button", name="Submit claim").click()
    # 34.5 × 45p + 34.5 × 2 × 5p = £15.525 + £3.45 → £18.98
    expect(
        page.get_by_text(re.compile(r"Your claim #\d+ for £18\.98 is submitted"))
    ).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/expenses/")
    expect(page.get_by_text("34.5 miles claimed")).to_be_visible()
    assert_accessible(page)

    page = open_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, finance_lead)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Finance", exact=True
    ).click()
    expect(page.get_by_role("row", name=re.compile("Approved, not yet paid"))).to_contain_text(
        "£0.00"
    )
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Approve claim")).click()
    expect(page.get_by_text(re.compile(r"claim #\d+ for £18\.98 is approved"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Approved, not yet paid"))).to_contain_text(
        "£18.98"
    )
    expect(page.get_by_text("No claims are waiting")).to_be_visible()
    assert_accessible(page)
