"""Steps every browser journey shares."""

from playwright.sync_api import expect


def sign_in(page, live_server, user, password=None):
    """Sign in through the real form and wait for the home page."""
    from tests.factories import PASSWORD

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
