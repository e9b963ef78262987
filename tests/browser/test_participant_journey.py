"""The journey of issue 12: a coordinator records referrals until the waiting list starts;
a facilitator takes the register on a 390 px phone; a place comes free, is offered and is
accepted. axe-clean, no sideways scrolling, under the CSP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programmes.models import Attendance, Mark, Participant, PlaceStatus
from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.factories import CourseFactory, SessionClaimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = ["Ada Okafor", "Bea Lindqvist", "Cal Mensah"]


def record_referral(page, live_server, name: str, course) -> None:
    page.goto(live_server.url + "/referrals/new/")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(name.split()[0].lower() + "@example.org")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Agrees to be contacted").check()
    page.get_by_label("Date they agreed to be contacted").fill(timezone.localdate().isoformat())
    page.get_by_label("How they agreed to be contacted").select_option(label="Online form")
    page.get_by_label("Referred by").select_option(label="Practice nurse")
    page.get_by_label("Referrer's name and team").fill("Nurse Ade, Riverside Surgery")
    page.get_by_label("Course they asked for").select_option(str(course.pk))
    page.get_by_label("Enrol them on this course now").check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def test_referrals_fill_a_course_the_register_is_taken_and_a_freed_place_is_accepted(
    live_server,
    open_page,
    coordinator,
    workforce_facilitator,
    assert_accessible,
    assert_fits,
):
    # The first session began half an hour ago, so its register is open today.
    course = CourseFactory(
        title="Carers – Riverside Tuesdays",
        capacity=2,
        first_start=timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30),
    )
    first_session = course.sessions.get(number=1)
    SessionClaimFactory(
        session=first_session, facilitator=workforce_facilitator.facilitator_profile
    )

    page = open_page(**PHONE)
    sign_in(page, live_server, coordinator)
    for name in PEOPLE[:2]:
        record_referral(page, live_server, name, course)
        expect(
            page.get_by_text(re.compile("enrolled on “Carers – Riverside Tuesdays”"))
        ).to_be_visible()
    record_referral(page, live_server, PEOPLE[2], course)
    expect(page.locator(".alert-success")).to_contain_text("waiting list")
    assert_accessible(page)
    assert_fits(page)
    page.goto(live_server.url + f"/courses/{course.pk}/participants/")
    expect(page.get_by_role("heading", name=re.compile("Waiting list"))).to_be_visible()
    assert_accessible(page)
    assert_fits(page)

    # The facilitator holding session 1 takes the register on their phone.
    helper = open_page(**PHONE)
    sign_in(helper, live_server, workforce_facilitator)
    helper.goto(live_server.url + f"/sessions/{first_session.pk}/register/")
    for name, label in (("Ada", "Present"), ("Bea", "Sent apologies")):
        card = helper.locator("li.card").filter(has_text=name)
        card.get_by_role("button", name=label).click()
        expect(card.get_by_role("button", name=label)).to_have_attribute("aria-pressed", "true")
    assert_accessible(helper)
    assert_fits(helper)
    marks = dict(
        Attendance.objects.filter(session=first_session).values_list(
            "participant__full_name", "mark"
        )
    )
    assert marks == {"Ada Okafor": Mark.PRESENT, "Bea Lindqvist": Mark.APOLOGIES}

    # Bea withdraws; Cal, first on the waiting list, is offered the place and accepts.
    bea = Participant.objects.get(full_name="Bea Lindqvist")
    page.goto(live_server.url + f"/participants/{bea.pk}/")
    page.locator("summary", has_text="Withdraw").click()
    page.get_by_role("button", name="Yes, withdraw them").click()
    cal = Participant.objects.get(full_name="Cal Mensah")
    page.goto(live_server.url + f"/participants/{cal.pk}/")
    page.locator("summary", has_text="Accept offer").click()
    assert_fits(page)
    page.get_by_role("button", name="Yes, accept the place").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    assert cal.places.get().status == PlaceStatus.ENROLLED
    assert bea.places.get().status == PlaceStatus.WITHDRAWN
