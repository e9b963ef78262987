"""A volunteer claims mileage on a phone; a finance lead approves it and the dashboard moves."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import nav, sign_in
from tests.factories import BudgetFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_claims_mileage_on_a_phone_and_finance_approves(
    live_server, open_page, volunteer, finance_lead, assert_accessible, assert_fits
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
    expect(
        page.get_by_role("alert").get_by_role("link", name="Enter the miles driven")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Miles").fill("34.5")
    page.get_by_role("button", name="Submit claim").click()
    # 34.5 × 45p + 34.5 × 2 × 5p = £15.525 + £3.45 → £18.98
    expect(
        page.get_by_text(re.compile(r"Your claim #\d+ for £18\.98 is submitted"))
    ).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/expenses/")
    expect(page.get_by_text("You have claimed 34.5 miles this tax year")).to_be_visible()
    assert_accessible(page)

    # The finance lead approves on a phone too: the queue's buttons stay on screen.
    page = open_page(**PHONE)
    sign_in(page, live_server, finance_lead)
    nav(page, "Finance")
    expect(page).to_have_url(re.compile(r"/finance/$"))
    assert_fits(page)
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
    assert_fits(page)


def test_a_receipt_survives_a_missing_date_and_the_error_summary_leads_to_the_field(
    live_server, open_page, volunteer, assert_accessible, assert_fits, tmp_path
):
    from expenses.models import ExpenseClaim
    from tests.factories import pdf_bytes

    BudgetFactory()
    receipt = tmp_path / "bus ticket.pdf"
    receipt.write_bytes(pdf_bytes())
    page = open_page(**PHONE)
    sign_in(page, live_server, volunteer)
    page.get_by_role("link", name="New expense").click()
    expect(page.get_by_label("Category")).to_have_value("")
    page.get_by_label("Date you paid").fill("")
    page.get_by_label("Category").select_option(label="Volunteer out-of-pocket expenses")
    page.get_by_label("Description").fill("Bus to the Oakfield session")
    page.get_by_label("Amount").fill("4.20")
    page.get_by_label("Receipt (PDF, JPEG or PNG, up to 10 MB)").set_input_files(str(receipt))
    page.get_by_role("button", name="Submit claim").click()

    expect(page).to_have_title(re.compile("^Error: "), timeout=15_000)
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(page.get_by_text("Your receipt bus ticket.pdf is kept")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    summary.get_by_role("link", name="Enter the date you paid.").click()
    expect(page.get_by_label("Date you paid")).to_be_focused()

    page.get_by_label("Date you paid").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Submit claim").click()
    expect(page.get_by_text("for £4.20 is submitted for approval.")).to_be_visible(timeout=15_000)
    claim = ExpenseClaim.objects.get()
    assert claim.receipt_label == "bus ticket.pdf"
    expect(page.get_by_role("link", name="Download the receipt")).to_be_visible()
    assert_accessible(page)
