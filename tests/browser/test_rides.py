"""The journey of issue 14, on a 390 px phone: a driver takes a ride from the board; the
participant's reminder names the driver; after the session the driver turns the ride into
a mileage claim, and finance approves it. axe-clean, no sideways scrolling, under the
CSP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from expenses.models import ExpenseClaim
from hope.models import Message
from hope.reminders import reminder_due_at
from programmes.models import Ride
from programmes.notices import plan_reminders
from programmes.services.participants import place_request
from tests.browser.conftest import PHONE
from tests.browser.helpers import nav, sign_in
from tests.factories import BudgetFactory, CourseFactory, ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_driver_takes_a_ride_the_participant_hears_who_and_the_ride_becomes_a_paid_claim(
    live_server, open_page, coordinator, volunteer, finance_lead, assert_accessible, assert_fits
):
    volunteer.full_name = "Val Singh"
    volunteer.save(update_fields=["full_name"])
    BudgetFactory()
    # The first session is the day after tomorrow, at 10:00: Alice's reminder (two days
    # ahead) is due once the ride is taken.
    start = (timezone.localtime() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    course = CourseFactory(title="Living well", first_start=start)
    alice = ParticipantFactory(
        full_name="Alice Jones",
        needs_transport=True,
        pickup_postcode="NG4 2RL",
        pickup_notes="Blue door; uses a walking frame",
        mobile="07700 900123",
    )
    place_request(participant=alice, course=course, by=coordinator)
    session = course.sessions.get(number=1)

    # Val takes the ride on the board, and only then sees the address.
    page = open_page(**PHONE)
    sign_in(page, live_server, volunteer)
    page.get_by_role("button", name="Menu").click()
    nav(page, "Rides")
    card = (
        page.locator("li.card")
        .filter(has_text="Alice, from NG4")
        .filter(has_text=f"{session.start:%a} {timezone.localtime(session.start):%-d %b}")
    )
    expect(card).not_to_contain_text("2RL")
    assert_accessible(page)
    assert_fits(page)
    card.get_by_role("button", name=re.compile("^Take this ride")).click()
    expect(page.get_by_text(re.compile("The ride is yours: Alice"))).to_be_visible()
    expect(page.get_by_text("NG4 2RL")).to_be_visible()
    expect(page.get_by_text("Blue door; uses a walking frame")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    page.get_by_label("Pick-up time").fill("09:40")
    page.get_by_role("button", name="Save pick-up time").click()
    expect(page.get_by_text(re.compile("Pick-up at 09:40"))).to_be_visible()
    ride = Ride.objects.get(session=session)
    assert ride.driver == volunteer

    # Alice's reminder says who collects her, and when. Planned as of the moment it is due
    # (this morning at 10:00) if that is still to come: before 10:00 it would not be yet.
    due = reminder_due_at(session.start, alice.reminder_days)
    assert plan_reminders(now=max(timezone.now(), due)) == 1
    reminder = Message.objects.get(kind="participant_reminder", to_address=alice.email)
    assert "Val will collect you at 09:40 and drive you home afterwards." in reminder.body_text

    # After the session, Val claims the mileage from the ride; finance approves it.
    with time_machine.travel(session.end + timedelta(hours=2), tick=True):
        page = open_page(**PHONE)
        sign_in(page, live_server, volunteer)
        page.goto(live_server.url + "/rides/mine/")
        page.get_by_role("link", name="Claim mileage for your rides").click()
        assert_accessible(page)
        assert_fits(page)
        page.get_by_role("button", name=re.compile("^Claim mileage for")).click()
        expect(page.get_by_label("Purpose")).to_have_value(
            re.compile("Driving HOPE participants: Living well session 1")
        )
        assert_accessible(page)
        assert_fits(page)
        page.get_by_label("From (postcode)").fill("ng5 1aa")
        page.get_by_label("Miles").fill("12")
        page.get_by_role("button", name="Submit claim").click()
        # 12 × 45p + 12 × 1 passenger × 5p = £5.40 + £0.60
        expect(
            page.get_by_text(re.compile(r"Your claim #\d+ for £6\.00 is submitted"))
        ).to_be_visible()
        claim = ExpenseClaim.objects.get(claimant=volunteer)
        assert list(claim.ride_links.values_list("ride", flat=True)) == [ride.pk]

        finance = open_page(**PHONE)
        sign_in(finance, live_server, finance_lead)
        finance.goto(live_server.url + f"/expenses/{claim.pk}/")
        expect(finance.get_by_role("rowheader", name=f"#{ride.pk}")).to_be_visible()
        assert_accessible(finance)
        assert_fits(finance)
        finance.goto(live_server.url + "/finance/")
        finance.get_by_role("button", name=re.compile("^Approve claim")).click()
        expect(
            finance.get_by_text(re.compile(r"claim #\d+ for £6\.00 is approved"))
        ).to_be_visible()
        assert_accessible(finance)
        assert_fits(finance)
