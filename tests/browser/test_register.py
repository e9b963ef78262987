"""A facilitator takes the register on a phone: each tap saves without a reload, a flaky
connection is retried until the mark is saved (once), and the marks are there after a
reload. Under the strict CSP, with axe-core on the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from programmes.models import Attendance, Mark
from programmes.services.participants import place_request
from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.factories import CourseFactory, ParticipantFactory, SessionClaimFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARK_POST = re.compile(r".*/sessions/\d+/register/\d+/$")


def test_a_facilitator_takes_the_register_on_a_phone_without_a_reload(
    live_server, open_page, coordinator, workforce_facilitator, assert_accessible, assert_fits
):
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    course = CourseFactory(title="Carers – Riverside Tuesdays", first_start=start)
    session = course.sessions.get(number=1)
    SessionClaimFactory(session=session, facilitator=workforce_facilitator.facilitator_profile)
    people = {}
    for name in ("Alice Smithers", "Bea Jones", "Cal Brown", "Dan Evans"):
        people[name.split()[0]] = ParticipantFactory(
            full_name=name, access_needs="Large print" if name.startswith("Bea") else ""
        )
        place_request(participant=people[name.split()[0]], course=course, by=coordinator)

    page = open_page(**PHONE)
    sign_in(page, live_server, workforce_facilitator)
    page.goto(live_server.url + reverse("facilitators:mine"))
    page.get_by_role(
        "link", name="Take the register for Carers – Riverside Tuesdays session 1"
    ).click()
    expect(page.get_by_role("heading", name="Register: session 1", level=1)).to_be_visible()
    expect(page.get_by_text("Access needs: Large print")).to_be_visible()
    expect(page.get_by_text("Smithers")).to_have_count(0)  # first names only
    assert_accessible(page)
    assert_fits(page)
    # Survives only while the page is never reloaded.
    page.evaluate("() => { window.hopeSamePage = 'still here'; }")

    def line(first_name):
        return page.locator("li.card").filter(
            has=page.get_by_role("heading", name=first_name, exact=True)
        )

    def expect_saved(first_name, label):
        expect(line(first_name).get_by_role("button", name=label)).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(line(first_name).get_by_role("status")).to_have_text("Saved")

    # Big enough to tap: at least 44 by 44 CSS pixels, three side by side.
    for label in ("Present", "Did not attend", "Sent apologies"):
        box = line("Alice").get_by_role("button", name=label).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (label, box)

    line("Alice").get_by_role("button", name="Present").tap()
    expect_saved("Alice", "Present")
    expect(line("Alice").get_by_text("1 of 6 sessions attended.")).to_be_visible()
    expect(line("Alice").get_by_role("button", name="Sent apologies")).to_have_attribute(
        "aria-pressed", "false"
    )

    # By keyboard, on a line whose first try never reaches the server.
    aborted = []

    def fail_first(route):
        if not aborted:
            aborted.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(MARK_POST, fail_first)
    line("Bea").get_by_role("button", name="Sent apologies").focus()
    page.keyboard.press("Enter")
    expect(line("Bea").get_by_role("status")).to_have_text("Not saved yet — retrying")
    expect_saved("Bea", "Sent apologies")
    page.unroute(MARK_POST)

    # A flaky connection: the mark reaches the server, but its answer is lost on the
    # way back. The page sends it again; the server saves it once.
    answer_lost_at = []

    def lose_first_answer(route):
        if not answer_lost_at:
            route.fetch()
            answer_lost_at.append(timezone.now())
            route.abort()
        else:
            route.continue_()

    page.route(MARK_POST, lose_first_answer)
    line("Cal").get_by_role("button", name="Did not attend").tap()
    expect_saved("Cal", "Did not attend")
    page.unroute(MARK_POST)
    cal = Attendance.objects.get(participant=people["Cal"], session=session)
    assert cal.mark == Mark.ABSENT
    assert cal.marked_at <= answer_lost_at[0], "the retry saved the mark a second time"

    # Refused by the server (he left the course after the page was opened): said at once,
    # not retried, and the line keeps its state.
    Attendance.objects.filter(participant=people["Dan"]).update(expected=False)
    line("Dan").get_by_role("button", name="Present").tap()
    expect(line("Dan").get_by_role("status")).to_have_text(
        "Not saved: They are no longer on this course."
    )
    expect(line("Dan").get_by_role("button", name="Present")).to_have_attribute(
        "aria-pressed", "false"
    )

    # A change of mind: one tap moves the mark.
    line("Alice").get_by_role("button", name="Sent apologies").tap()
    expect_saved("Alice", "Sent apologies")
    expect(line("Alice").get_by_text("0 of 6 sessions attended.")).to_be_visible()

    assert page.evaluate("() => window.hopeSamePage") == "still here"
    assert_accessible(page)
    assert_fits(page)

    marks = dict(
        Attendance.objects.filter(session=session)
        .exclude(mark="")
        .values_list("participant_id", "mark")
    )
    assert marks == {
        people["Alice"].pk: Mark.APOLOGIES,
        people["Bea"].pk: Mark.APOLOGIES,
        people["Cal"].pk: Mark.ABSENT,
    }
    page.reload()
    for first_name, label in (
        ("Alice", "Sent apologies"),
        ("Bea", "Sent apologies"),
        ("Cal", "Did not attend"),
    ):
        expect(line(first_name).get_by_role("button", name=label)).to_have_attribute(
            "aria-pressed", "true"
        )
    expect(page.get_by_role("heading", name="Dan")).to_have_count(0)  # no longer expected
    assert page.evaluate("() => window.hopeSamePage") is None


def test_without_javascript_each_tap_is_a_plain_form_post(
    live_server, open_page, coordinator, workforce_facilitator
):
    """(No axe-core here: it runs as page script, which this browser has switched off.)"""
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    course = CourseFactory(first_start=start)
    session = course.sessions.get(number=1)
    SessionClaimFactory(session=session, facilitator=workforce_facilitator.facilitator_profile)
    person = ParticipantFactory(full_name="Alice Smithers")
    place_request(participant=person, course=course, by=coordinator)
    line = Attendance.objects.get(session=session)

    page = open_page(**PHONE, java_script_enabled=False)
    sign_in(page, live_server, workforce_facilitator)
    page.goto(live_server.url + reverse("programmes:register", args=[session.pk]))
    page.get_by_role("button", name="Did not attend").tap()
    expect(page.get_by_text("Alice: did not attend. Saved.")).to_be_visible()
    expect(page.get_by_role("button", name="Did not attend")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert page.url.endswith(f"/register/#line-{line.pk}")
    assert Attendance.objects.get(pk=line.pk).mark == Mark.ABSENT
