"""People read what changed on their rota on /messages/ (axe and 390 px on each page)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import nav, sign_in
from tests.factories import CourseFactory, ProgrammeFactory, SessionClaimFactory, TrainingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW = 20_000  # ms: a loaded machine renders slowly; the answer still has to come


def soon_course(programme):
    return CourseFactory(
        programme=programme,
        title="Carers – Riverside Fridays",
        first_start=timezone.now().replace(second=0, microsecond=0) + timedelta(days=3),
    )


def test_an_assigned_facilitator_reads_the_notice_on_messages(
    live_server,
    page,
    open_page,
    coordinator,
    workforce_facilitator,
    assert_accessible,
    assert_fits,
):
    programme = ProgrammeFactory(name="HOPE for carers")
    TrainingFactory(profile=workforce_facilitator.facilitator_profile, programme=programme)
    soon_course(programme)

    sign_in(page, live_server, coordinator)
    nav(page, "Cover")
    page.get_by_role(
        "link",
        name="Choose who steps in as workforce facilitator for Carers – Riverside Fridays, "
        "session 1",
    ).click()
    page.get_by_role(
        "button", name=f"Assign {workforce_facilitator.full_name} as workforce facilitator"
    ).click()
    expect(page.get_by_text(re.compile(r"assigned to .*, session 1,"))).to_be_visible(timeout=SLOW)

    phone = open_page(**PHONE)
    sign_in(phone, live_server, workforce_facilitator)
    phone.goto(live_server.url + "/accounts/2fa/")
    phone.get_by_role("link", name="Your messages").click()
    expect(phone.get_by_role("heading", name="Your messages", level=1)).to_be_visible(timeout=SLOW)
    notice = phone.get_by_text("You are down for Carers – Riverside Fridays session 1")
    expect(notice).to_be_visible(timeout=SLOW)
    notice.click()  # opens the message's text
    expect(
        phone.get_by_text(f"{coordinator.full_name} has put you in the workforce slot")
    ).to_be_visible(timeout=SLOW)
    assert_accessible(phone)
    assert_fits(phone)

    # They would rather hear once a day.
    phone.get_by_role("link", name="rota notices").click()
    phone.get_by_label("In one email each morning").check()
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Saved. In one email each morning.")).to_be_visible(timeout=SLOW)
    assert_accessible(phone)
    assert_fits(phone)


def test_the_asker_reads_who_took_their_session(
    live_server, open_page, workforce_facilitator, assert_accessible, assert_fits
):
    from facilitators.models import FacilitatorKind
    from hope.roles import Role
    from tests.factories import FacilitatorProfileFactory, UserFactory

    programme = ProgrammeFactory(name="HOPE for carers")
    asker = workforce_facilitator
    taker = FacilitatorProfileFactory(
        user=UserFactory(roles=[Role.FACILITATOR], full_name="Priya Shah"),
        kind=FacilitatorKind.WORKFORCE,
    ).user
    for person in (asker, taker):
        TrainingFactory(profile=person.facilitator_profile, programme=programme)
    session = soon_course(programme).sessions.order_by("number").first()
    SessionClaimFactory(session=session, facilitator=asker.facilitator_profile)

    page = open_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, asker)
    nav(page, "My sessions")
    page.get_by_role(
        "button", name="Ask for cover for Carers – Riverside Fridays session 1"
    ).click()
    expect(page.get_by_text("is on your colleagues' boards")).to_be_visible(timeout=SLOW)

    other = open_page(**PHONE)
    sign_in(other, live_server, taker)
    other.goto(live_server.url + "/messages/")
    expect(other.get_by_text("Cover wanted: Carers – Riverside Fridays session 1")).to_be_visible(
        timeout=SLOW
    )
    assert_accessible(other)
    assert_fits(other)
    other.goto(live_server.url + "/sessions/open/")
    other.get_by_role(
        # Browsers put a space or none before the hidden part of the name.
        "button",
        name=re.compile(r"^Cover this session\s*: Carers – Riverside Fridays, session 1$"),
    ).click()
    expect(other.get_by_text("session 1, ").and_(other.get_by_text("is now yours"))).to_be_visible(
        timeout=SLOW
    )

    page.goto(live_server.url + "/messages/")
    expect(
        page.get_by_text("Priya Shah took your session: Carers – Riverside Fridays session 1")
    ).to_be_visible(timeout=SLOW)
    assert_accessible(page)
