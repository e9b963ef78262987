"""A coordinator on a phone fills a gap from the cover page, by keyboard alone: the count
on the cover page, the page to choose who, Assign, and back (axe on each page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hope.roles import Role
from tests.browser.conftest import PHONE
from tests.browser.helpers import nav, sign_in
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SESSION = "Carers – Riverside Fridays, session 1"


def tab_to(page, target, *, most: int = 80) -> None:
    """Press Tab until ``target`` has the focus (as someone without a mouse would)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


def test_a_coordinator_on_a_phone_chooses_who_steps_in_by_keyboard(
    live_server, open_page, coordinator, assert_accessible, assert_fits
):
    programme = ProgrammeFactory(name="HOPE for carers")
    course = CourseFactory(
        programme=programme,
        title="Carers – Riverside Fridays",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=3),
    )
    lived = FacilitatorProfileFactory(kind="lived_experience")
    SessionClaimFactory(session=course.sessions.get(number=1), facilitator=lived)
    for name, note in (("Priya O'Neill", "Tuesday and Friday mornings"), ("Sam Lee", "")):
        profile = FacilitatorProfileFactory(
            user=UserFactory(roles=[Role.FACILITATOR], full_name=name), availability_note=note
        )
        TrainingFactory(profile=profile, programme=programme)

    phone = open_page(**PHONE)
    sign_in(phone, live_server, coordinator)
    nav(phone, "Cover")
    row = phone.get_by_role("row").filter(has_text=SESSION)
    expect(row).to_contain_text("2 free to step in")
    assert_fits(phone)
    assert_accessible(phone)

    choose = phone.get_by_role(
        "link", name=f"Choose who steps in as workforce facilitator for {SESSION}"
    )
    tab_to(phone, choose)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Choose who steps in", level=1)).to_be_visible()
    expect(phone.get_by_role("heading", name="Workforce facilitator")).to_be_visible()
    expect(phone.get_by_text("Availability: Tuesday and Friday mornings")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)

    assign = phone.get_by_role("button", name="Assign Priya O'Neill as workforce facilitator")
    tab_to(phone, assign)
    phone.keyboard.press("Enter")

    expect(phone).to_have_url(re.compile(r"/cover/$"))
    expect(phone.get_by_text(re.compile(r"Priya O'Neill assigned to Carers"))).to_be_visible()
    expect(phone.get_by_role("row").filter(has_text=SESSION)).to_have_count(0)
    assert_fits(phone)
    assert_accessible(phone)
