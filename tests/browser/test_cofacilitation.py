"""Facilitators claim sessions; the coordinator sees the cover change (axe on each page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import nav, sign_in
from tests.factories import CourseFactory, ProgrammeFactory, TrainingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_facilitators_claim_and_the_coordinator_sees_cover(
    live_server, page, coordinator, workforce_facilitator, lived_facilitator, assert_accessible
):
    programme = ProgrammeFactory(name="HOPE for carers")
    for person in (workforce_facilitator, lived_facilitator):
        TrainingFactory(profile=person.facilitator_profile, programme=programme)
    CourseFactory(
        programme=programme,
        title="Carers – Riverside Tuesdays",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=3),
    )

    # The lived-experience facilitator takes the whole course in one click.
    sign_in(page, live_server, lived_facilitator)
    nav(page, "Open sessions")
    expect(page.get_by_role("heading", name="Carers – Riverside Tuesdays")).to_be_visible()
    assert_accessible(page)
    page.get_by_role(
        "button", name="Claim all 6 open sessions of Carers – Riverside Tuesdays"
    ).click()
    expect(
        page.get_by_text("You are running Carers – Riverside Tuesdays – ", exact=False)
    ).to_contain_text("sessions 1, 2, 3, 4, 5 and 6")
    nav(page, "My sessions")
    expect(
        page.get_by_role("listitem").filter(has_text="Carers – Riverside Tuesdays, session")
    ).to_have_count(6)
    assert_accessible(page)
    page.get_by_role("link", name="Add your sessions to your own calendar").click()
    assert ".ics" in page.get_by_label("Calendar address").input_value()
    assert_accessible(page)
    sign_out(page)

    # The workforce facilitator claims one session.
    sign_in(page, live_server, workforce_facilitator)
    nav(page, "Open sessions")
    page.get_by_role("button", name="Claim session 1 of Carers – Riverside Tuesdays").click()
    expect(
        page.get_by_text(
            re.compile(r"You are running Carers – Riverside Tuesdays – .*, session 1, ")
        )
    ).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    # The coordinator sees one session paired and five missing their workforce facilitator.
    sign_in(page, live_server, coordinator)
    nav(page, "Courses")
    expect(page.get_by_role("cell", name="1 of 6 paired")).to_be_visible()
    page.get_by_role("link", name="Carers – Riverside Tuesdays").click()
    expect(page.get_by_text("Paired", exact=True)).to_have_count(1)
    expect(
        page.get_by_text("Lived-experience slot filled — needs a workforce facilitator", exact=True)
    ).to_have_count(5)
    assert_accessible(page)
    nav(page, "Cover")
    # Sessions 2 to 4 fall within the next 28 days.
    expect(page.get_by_role("cell", name="Workforce", exact=True)).to_have_count(3)
    assert_accessible(page)
    # One could step in to each: the workforce facilitator, free at those times.
    expect(page.get_by_text("1 free to step in")).to_have_count(3)
    page.get_by_role(
        "link",
        name="Choose who steps in as workforce facilitator for Carers – Riverside Tuesdays, "
        "session 2",
    ).click()
    expect(page.get_by_role("heading", name="Choose who steps in", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_role(
        "button", name=f"Assign {workforce_facilitator.full_name} as workforce facilitator"
    ).click()
    expect(page).to_have_url(re.compile(r"/cover/$"))
    expect(
        page.get_by_text(re.compile(r"assigned to Carers – Riverside Tuesdays – .*, session 2, "))
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Workforce", exact=True)).to_have_count(2)
    nav(page, "Courses")
    page.get_by_role("link", name="Carers – Riverside Tuesdays").click()
    page.get_by_role("link", name="2 (session details)").click()
    expect(page.get_by_role("cell", name="assigned by")).to_be_visible()
    assert_accessible(page)
    nav(page, "Facilitators")
    assert_accessible(page)
