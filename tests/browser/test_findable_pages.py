"""Coordinators reach the weekly pages (Settings, Closures…) from the menu by keyboard, on
a desktop and on a phone, and the cover badges wrap rather than run off a phone's screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import nav_more, sign_in
from tests.factories import CourseFactory, SessionClaimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_opens_settings_from_the_more_menu_by_keyboard(
    live_server, open_page, coordinator, assert_accessible
):
    page = open_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, coordinator)
    main = page.get_by_role("navigation", name="Main")
    # The bar stays on one line on a desktop.
    home = main.get_by_role("link", name="Home", exact=True).bounding_box()
    sign_out = main.get_by_role("button", name="Sign out").bounding_box()
    assert abs(home["y"] - sign_out["y"]) < 10
    more = main.get_by_role("button", name="More", exact=True)
    more.focus()
    page.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    settings = main.get_by_role("link", name="Settings", exact=True)
    expect(settings).to_be_visible()
    assert_accessible(page)
    # Bootstrap's menu moves focus with the arrow keys; Escape closes it.
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    for _ in range(5):  # Programmes, Rides wanted, Closures, Messages, Settings
        page.keyboard.press("ArrowDown")
    expect(settings).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("settings")
    assert_accessible(page)


def test_coordinator_finds_closures_on_a_phone_and_badges_fit(
    live_server, open_page, coordinator, lived_facilitator, assert_accessible, assert_fits
):
    course = CourseFactory(
        title="Carers", first_start=timezone.now().replace(second=0) + timedelta(days=3)
    )
    SessionClaimFactory(
        session=course.sessions.first(), facilitator=lived_facilitator.facilitator_profile
    )
    page = open_page(**PHONE)
    sign_in(page, live_server, coordinator)
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Menu").click()
    nav_more(page, "Closures")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closure")
    assert_accessible(page)
    assert_fits(page)
    page.goto(f"{live_server.url}/sessions/{course.sessions.first().pk}/")
    badge = page.get_by_text("Lived-experience slot filled — needs a workforce facilitator")
    expect(badge).to_be_visible()
    # The whole sentence wraps inside the screen (tables around it are the pages' own).
    box = badge.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
