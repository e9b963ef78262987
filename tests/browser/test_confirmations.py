"""On a phone: a coordinator cancels a course through the page that asks first; a
facilitator claims a session by mistake and undoes it (axe and no sideways scrolling)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from facilitators.models import SessionClaim
from programmes.models import CourseStatus
from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    TrainingFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 20_000  # ms: the machine may be busy


def test_coordinator_cancels_a_course_after_reading_what_will_happen(
    live_server, open_page, coordinator, assert_accessible, assert_fits
):
    course = CourseFactory(
        title="Carers – Riverside Tuesdays",
        programme=ProgrammeFactory(sessions_per_course=6),
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=10),
    )
    sessions = list(course.sessions.order_by("number"))
    for session in sessions[:2]:
        SessionClaimFactory(session=session, facilitator=FacilitatorProfileFactory())

    page = open_page(**PHONE)
    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/courses/{course.pk}/")
    page.get_by_role("link", name="Cancel course…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cancel “Carers – Riverside Tuesdays”?", timeout=WAIT
    )
    expect(
        page.get_by_text("6 sessions will be cancelled and 2 facilitators told.")
    ).to_be_visible()
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    assert_accessible(page)
    assert_fits(page)
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED  # reading the page changed nothing

    page.get_by_role("button", name="Cancel the course").click()
    expect(page.get_by_text("is cancelled, with 6 future sessions")).to_be_visible(timeout=WAIT)
    assert_accessible(page)
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED


def test_facilitator_claims_by_mistake_and_undoes_it(
    live_server, open_page, workforce_facilitator, assert_accessible, assert_fits
):
    programme = ProgrammeFactory(name="HOPE for carers")
    TrainingFactory(profile=workforce_facilitator.facilitator_profile, programme=programme)
    CourseFactory(
        programme=programme,
        title="Carers – Riverside Tuesdays",
        # Two days away: inside the notice period, where releasing is no longer allowed.
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=2),
    )

    page = open_page(**PHONE)
    sign_in(page, live_server, workforce_facilitator)
    page.goto(f"{live_server.url}/sessions/open/")
    page.get_by_role("button", name="Claim session 1 of Carers – Riverside Tuesdays").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("You are running", timeout=WAIT)
    assert_accessible(page)
    assert_fits(page)
    status.get_by_role("button", name="Undo this claim").click()
    expect(page.get_by_text("Undone: you no longer hold session 1")).to_be_visible(timeout=WAIT)
    assert_accessible(page)
    assert_fits(page)
    assert not SessionClaim.objects.held().exists()
