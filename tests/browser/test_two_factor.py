"""Two-factor sign-in in the browser, and the CSP that every browser test runs under."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from hope.roles import Role
from hope.signin import totp_code
from tests.browser.conftest import PHONE
from tests.browser.helpers import nav
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_finance_lead_is_held_at_set_up_until_two_factor_is_on(
    live_server, open_page, assert_accessible, assert_fits
):
    person = UserFactory(roles=[Role.FINANCE_LEAD], second_factor=False)
    page = open_page(**PHONE)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # allauth asks for the password again before anyone changes how they sign in.
    expect(page.get_by_text("Set up an authenticator app to carry on")).to_be_visible()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    # Any other page sends them back here.
    page.goto(live_server.url + "/finance/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    secret = page.get_by_label("Secret for your app").input_value()
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("alert").get_by_role("link", name="Incorrect code")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()

    # allauth shows the recovery codes next; then the finance pages open.
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/finance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Finance")
    # Their account page, reached from the menu, says it is on.
    nav(page, re.compile(r"^Account"))
    expect(page.get_by_text("On: signing in takes your password and a code")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)


def test_a_violation_of_the_policy_is_caught(live_server, page, csp_violations):
    """Proves the guard the other browser tests rely on: Chromium enforces our CSP, and
    the page fixture sees what it refuses."""
    page.goto(live_server.url + "/accounts/login/")
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.inlineRan = true';
            document.body.appendChild(script);
            const image = document.createElement('img');
            image.src = 'https://third-party.example/pixel.png';
            document.body.appendChild(image);
        }"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.inlineRan === undefined")
    assert any("script-src" in v for v in csp_violations), csp_violations
    assert any("img-src" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # expected here; anywhere else they fail the test
