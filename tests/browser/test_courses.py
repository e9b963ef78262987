"""A coordinator plans a course in the browser and finds it in the calendar (axe on each page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.factories import ProgrammeFactory, VenueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_plans_a_course_and_sees_it_in_the_calendar(
    live_server, page, coordinator, volunteer, assert_accessible
):
    ProgrammeFactory(name="HOPE for carers")
    VenueFactory(name="Riverside Community Centre", room_capacity=16)
    first_day = timezone.localdate() + timedelta(weeks=3)
    first_day += timedelta(days=(1 - first_day.weekday()) % 7)  # a Tuesday

    sign_in(page, live_server, coordinator)
    page.get_by_role("link", name="Courses").click()
    assert_accessible(page)
    page.get_by_role("link", name="Plan a course").first.click()
    page.get_by_label("Title").fill("Carers – Riverside Tuesdays")
    page.get_by_label("Programme").select_option(label="HOPE for carers")
    page.get_by_label("Venue").select_option(label="Riverside Community Centre")
    page.get_by_label("Date of the first session").fill(first_day.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Published").check()
    page.get_by_label("Places").fill("20")
    page.get_by_role("button", name="Show the dates").click()
    expect(
        page.get_by_role("alert").get_by_role("link", name=re.compile("at most 14 participants"))
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Places").fill("12")
    page.get_by_role("button", name="Show the dates").click()
    planned = page.get_by_role("region", name="Planned dates")
    expect(planned.get_by_role("listitem")).to_have_count(6)
    assert_accessible(page)
    page.get_by_role("button", name="Create course").click()

    expect(page.get_by_role("heading", name="Carers – Riverside Tuesdays")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(7)  # header + six sessions
    assert_accessible(page)

    page.get_by_role("link", name="Calendar").click()
    page.goto(f"{live_server.url}/calendar/?view=week&date={first_day.isoformat()}")
    expect(page.get_by_role("link", name="Carers – Riverside Tuesdays")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Month").click()
    expect(page.get_by_role("link", name="Carers – Riverside Tuesdays").first).to_be_visible()
    assert_accessible(page)

    for link in ["Programmes", "Closure dates"]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
        page.get_by_role("link", name=link, exact=True).click()
        assert_accessible(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Venues").click()
    assert_accessible(page)
    page.get_by_role("link", name="Riverside Community Centre").click()
    expect(page.get_by_text("£25.00")).to_be_visible()
    assert_accessible(page)

    # A volunteer reads the course and venue, without the hire cost.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, volunteer)
    page.get_by_role("link", name="Courses").click()
    page.get_by_role("link", name="Carers – Riverside Tuesdays").click()
    expect(page.get_by_role("link", name="Cancel course…")).to_have_count(0)
    page.get_by_role("link", name="Riverside Community Centre").click()
    expect(page).to_have_url(re.compile(r"/venues/\d+/"))
    expect(page.get_by_text("£25.00")).to_have_count(0)
    assert_accessible(page)
