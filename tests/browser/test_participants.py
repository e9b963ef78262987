"""A coordinator records a referral and works a participant's record on a phone; a
facilitator reads their course's first names. axe-clean, no sideways scrolling, under the CSP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programmes.models import Participant, PlaceStatus, Score
from programmes.services.participants import place_request
from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.factories import CourseFactory, ParticipantFactory, ReferralFactory, SessionClaimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_records_a_referral_and_works_the_record_on_a_phone(
    live_server, open_page, coordinator, assert_accessible, assert_fits
):
    course = CourseFactory(title="Carers – Riverside Tuesdays")
    ReferralFactory(
        participant__full_name="Long-Waiting Person",
        received_on=timezone.localdate() - timedelta(days=12),
        referrer="Social prescribing team, Northgate Primary Care Network, Riverside Surgery",
        course=course,
    )
    page = open_page(**PHONE)
    sign_in(page, live_server, coordinator)
    page.goto(live_server.url + "/referrals/")
    expect(page.get_by_role("link", name="Long-Waiting Person")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)

    page.get_by_role("link", name="Record a referral").click()
    page.get_by_label("Full name").fill("Margaret Okafor")
    page.get_by_label("Mobile number").fill("07700 90012")  # one digit short
    page.get_by_label("Text message").check()
    page.get_by_label("Access needs").fill("Hearing loop")
    page.get_by_label("Agrees to be contacted").check()
    page.get_by_label("Referred by").select_option(label="GP")
    page.get_by_label("Referrer's name and team").fill("Dr Patel, Riverside Surgery")
    page.get_by_label("Course they asked for").select_option(str(course.pk))
    page.get_by_label("Enrol them on this course now").check()
    page.get_by_role("button", name="Save referral").click()

    expect(page).to_have_title(re.compile("^Error: Record a referral"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Enter a UK mobile number")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter the date they agreed")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    summary.get_by_role("link", name="Enter a UK mobile number").click()
    expect(page.get_by_label("Mobile number")).to_be_focused()
    page.get_by_label("Mobile number").fill("07700 900123")
    page.get_by_label("Date they agreed to be contacted").fill(timezone.localdate().isoformat())
    page.get_by_label("How they agreed to be contacted").select_option(label="Online form")
    page.get_by_role("button", name="Save referral").click()

    expect(page.get_by_role("heading", name="Margaret Okafor", level=1)).to_be_visible()
    expect(page.get_by_text("They are enrolled on “Carers – Riverside Tuesdays”.")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)

    # Withdraw asks first, saying what will happen.
    page.locator("summary", has_text="Withdraw").click()
    expect(page.get_by_text("Their place is offered to the first person")).to_be_visible()
    assert_fits(page)

    page.locator("summary", has_text="Record SWEMWBS").click()
    page.get_by_label("When").select_option(label="First session")
    for n in range(1, 8):
        page.get_by_label(f"Item {n}", exact=True).fill("6" if n == 4 else "3")
    page.get_by_role("button", name="Save SWEMWBS score").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_role("alert").get_by_role("link", name="Item 4")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    page.get_by_label("Item 4", exact=True).fill("3")
    page.get_by_role("button", name="Save SWEMWBS score").click()
    expect(page.get_by_text("SWEMWBS (first session) saved: total 21.")).to_be_visible()
    assert Score.objects.get().total == 21

    page.goto(live_server.url + "/referrals/?status=all")
    row = page.get_by_role("row").filter(has_text="Long-Waiting Person")
    row.get_by_label(re.compile("Status of the referral")).select_option(label="Contacted")
    row.get_by_role("button", name=re.compile("Save")).click()
    expect(page.get_by_text("is now “Contacted”")).to_be_visible()
    assert_fits(page)

    page.goto(live_server.url + f"/courses/{course.pk}/participants/")
    expect(page.get_by_role("link", name="Margaret Okafor")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    person = Participant.objects.get(full_name="Margaret Okafor")
    assert person.places.get().status == PlaceStatus.ENROLLED


def test_facilitator_reads_first_names_and_access_needs_on_a_phone(
    live_server, open_page, coordinator, workforce_facilitator, assert_accessible, assert_fits
):
    course = CourseFactory(title="Pain – Thursdays", first_start=timezone.now() + timedelta(days=4))
    SessionClaimFactory(
        session=course.sessions.first(), facilitator=workforce_facilitator.facilitator_profile
    )
    person = ParticipantFactory(full_name="Margaret Okafor", access_needs="Hearing loop")
    place_request(participant=person, course=course, by=coordinator)
    page = open_page(**PHONE)
    sign_in(page, live_server, workforce_facilitator)
    page.goto(live_server.url + f"/courses/{course.pk}/")
    page.get_by_role("link", name=re.compile("^Participants")).click()
    expect(page.get_by_role("rowheader", name="Margaret")).to_be_visible()
    expect(page.get_by_text("Hearing loop")).to_be_visible()
    expect(page.get_by_text("Okafor")).to_have_count(0)
    assert_accessible(page)
    assert_fits(page)
