"""A person signs in, lands on their role's home page and signs out; axe-core on each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import second_step
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("persona", "panel"),
    [
        ("coordinator", "Coordinator"),
        ("workforce", "Facilitator (workforce)"),
        ("lived", "Facilitator (lived experience)"),
        ("volunteer", "Volunteer driver"),
        ("finance", "Finance lead"),
    ],
)
def test_person_signs_in_sees_their_home_and_signs_out(
    live_server, page, personas, assert_accessible, persona, panel
):
    person = personas[persona]
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if persona in ("coordinator", "finance"):
        expect(page.get_by_role("heading", name="Sign in: second step")).to_be_visible()
        assert_accessible(page)
        second_step(page, person)

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", name=panel, exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert_accessible(page)


def test_keyboard_user_can_skip_to_content(live_server, page, coordinator):
    page.goto(live_server.url + "/accounts/login/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()


def test_coordinator_invites_and_invitee_sets_password(
    live_server, page, coordinator, assert_accessible, mailoutbox
):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(coordinator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    second_step(page, coordinator)
    page.get_by_role("link", name="Invite someone").first.click()
    assert_accessible(page)

    # Submitting without choosing a kind for a facilitator: error next to the field.
    page.get_by_label("Email address").fill("newbie@example.org")
    page.get_by_label("Full name").fill("Nell Newbie")
    page.get_by_label("Facilitator", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    expect(
        page.get_by_role("alert").get_by_role("link", name="Choose workforce or lived experience")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Lived experience").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to newbie@example.org")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    link = re.search(r"https?://\S+/invitations/\S+/", mailoutbox[0].body).group(0)
    page.goto(live_server.url + link[link.index("/invitations/") :])
    assert_accessible(page)
    page.get_by_label("Choose a password").fill("a-long-walk-by-the-canal")
    page.get_by_label("Type the password again").fill("a-long-walk-by-the-canal")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Facilitator (lived experience)")).to_be_visible()
    assert_accessible(page)


def test_forgotten_password_page_and_accessibility_statement(live_server, page, assert_accessible):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accessibility statement")
    assert_accessible(page)
