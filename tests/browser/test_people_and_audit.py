"""Coordinators and finance leads manage people on a phone, and read the audit trail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hope.roles import Role
from tests.browser.conftest import PHONE
from tests.browser.helpers import nav_more, sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_changes_roles_and_deactivates_on_a_phone(
    live_server, open_page, coordinator, assert_accessible, assert_fits
):
    person = UserFactory(roles=[Role.VOLUNTEER], full_name="Vera Volunteer")
    page = open_page(**PHONE)
    sign_in(page, live_server, coordinator)
    page.goto(live_server.url + "/people/")
    assert_accessible(page)
    assert_fits(page)
    page.get_by_role("link", name="Vera Volunteer").click()
    expect(page.get_by_role("heading", name="Vera Volunteer", level=1)).to_be_visible()
    # A coordinator is not offered the Finance lead role at all.
    expect(page.get_by_label("Finance lead")).to_have_count(0)
    expect(page.get_by_text("Only a finance lead or an administrator")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)

    page.get_by_label("Facilitator", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("alert").get_by_role("link", name="Choose workforce or lived experience")
    ).to_be_visible()
    expect(page).to_have_title(re.compile("^Error: "))
    assert_accessible(page)
    page.get_by_label("Lived experience").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Vera Volunteer's account is saved.")).to_be_visible()

    page.get_by_role("link", name="Deactivate this account").click()
    expect(page.get_by_text("out on every device")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    # By keyboard: focus the button and press Enter.
    page.get_by_role("button", name="Deactivate Vera Volunteer").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("is deactivated and was signed out everywhere")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Menu").click()
    nav_more(page, "Audit")
    expect(page.get_by_text(f"Gave the Facilitator role to {person.email}")).to_be_visible()
    expect(page.get_by_text(f"Deactivated the account of {person.email}")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)


def test_finance_lead_grants_the_finance_role_and_reads_the_money_trail(
    live_server, page, finance_lead, assert_accessible
):
    UserFactory(roles=[Role.VOLUNTEER], full_name="Fred Future")
    sign_in(page, live_server, finance_lead)
    nav_more(page, "People")
    page.get_by_role("link", name="Fred Future").click()
    expect(page.get_by_text("Also holds Volunteer, which you cannot change")).to_be_visible()
    page.get_by_label("Finance lead").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Fred Future's account is saved.")).to_be_visible()
    nav_more(page, "Audit")
    expect(page.get_by_text(re.compile("Gave the Finance lead role to"))).to_be_visible()
    page.get_by_label("Containing").fill("Finance lead")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(re.compile("Gave the Finance lead role to"))).to_be_visible()
    assert_accessible(page)
