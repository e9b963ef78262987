"""The journey of issue 16: someone not signed in finds a course on a 390 px phone, asks
for a place, confirms it from the emailed link, and a coordinator gives them the place.
Every public page at 320 px, the error summary by keyboard, the pages without JavaScript,
and on paper. axe-clean, no sideways scrolling, under the CSP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hope.channels import CHANNELS
from hope.models import Message
from programmes.models import (
    Delivery,
    Participant,
    PlaceStatus,
    Referral,
    ReferralRequest,
    ReferralSource,
    RequestStatus,
)
from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.factories import CourseFactory, ProgrammeFactory, VenueFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}
LINK = re.compile(r"https?://[^/\s]+(/find/confirm/[A-Za-z0-9_-]+/)")
NORTHGATE = "Living well – Northgate Tuesdays"
RIVERSIDE = "Carers – Riverside Thursdays"
ONLINE = "Living well online – Wednesday evenings"


def soon(days: int):
    return timezone.now().replace(second=0, microsecond=0) + timedelta(days=days)


@pytest.fixture
def courses():
    """Three listed courses: two towns and one online, with what the public pages show."""
    living_well = ProgrammeFactory(
        name="HOPE for long-term conditions",
        audience="Adults living with a long-term health condition, and those who care for them",
        what_to_expect="Bring a friend if you like. Tea and biscuits are on us.",
    )
    northgate = CourseFactory(
        title=NORTHGATE,
        programme=living_well,
        capacity=8,
        venue=VenueFactory(
            name="Northgate Community Centre",
            town="Northgate",
            address="Unit 4, The Old Co-operative Buildings\n14 Mill Lane\nNorthgate",
            postcode="NG4 2RL",
            accessibility_notes="The hearing loop is in the main hall.",
        ),
        first_start=soon(8),
    )
    riverside = CourseFactory(
        title=RIVERSIDE,
        programme=ProgrammeFactory(name="HOPE for carers", audience="Unpaid carers"),
        venue=VenueFactory(name="Riverside Library", town="Riverside", postcode="NG7 1AB"),
        first_start=soon(9),
    )
    online = CourseFactory(
        title=ONLINE,
        programme=ProgrammeFactory(name="HOPE online", delivery=Delivery.ONLINE),
        venue=None,
        first_start=soon(10),
    )
    return {"northgate": northgate, "riverside": riverside, "online": online}


def tab_to(page, target, most: int = 80) -> None:
    """Press Tab until ``target`` has the focus, as someone without a mouse would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"{target} cannot be reached with Tab on {page.url}")


def confirmation_link(email: str) -> str:
    """The path of the link in the confirmation email (its host is the site's, not the
    test server's)."""
    message = Message.objects.get(kind="selfreferral_confirm", to_address=email)
    return LINK.search(message.body_text)[1]


class KeepTexts:
    """GOV.UK Notify's stand-in: the texts stay in the outbox's rows."""

    def send(self, message):
        pass


def test_a_visitor_finds_a_course_asks_for_a_place_confirms_and_a_coordinator_enrols_them(
    live_server, open_page, courses, coordinator, assert_accessible, assert_fits
):
    course = courses["northgate"]
    page = open_page(**PHONE)

    def check(heading: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
        assert_fits(page)

    # Find: every listed course, then only those in one town.
    page.goto(live_server.url + "/find/")
    check("Find a course")
    expect(page.get_by_role("heading", name="3 courses")).to_be_visible()
    for title in (NORTHGATE, RIVERSIDE, ONLINE):
        expect(page.get_by_role("link", name=title)).to_be_visible()
    expect(page.get_by_label("Town")).to_be_hidden()  # folded away until asked for
    page.get_by_text("Choose courses by type, town or day").click()
    page.get_by_label("Town").select_option("Northgate")
    page.get_by_role("button", name="Show courses").click()
    page.wait_for_url(re.compile(r"town=Northgate"))
    check("Find a course")
    expect(page.get_by_role("heading", name="1 course", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=RIVERSIDE)).to_have_count(0)
    expect(page.get_by_label("Town")).to_have_value("Northgate")  # the filters stay open

    # The course.
    page.get_by_role("link", name=NORTHGATE).click()
    check(NORTHGATE)
    expect(page.get_by_text("Northgate Community Centre, Unit 4")).to_be_visible()
    expect(page.get_by_text("The hearing loop is in the main hall.")).to_be_visible()
    page.get_by_role("link", name="Ask for a place on this course").first.click()

    # The form, by keyboard.
    check("Ask for a place")
    expect(page.get_by_text(f"On {NORTHGATE}")).to_be_visible()
    tab_to(page, page.get_by_label("Your full name"))
    page.keyboard.type("Ada Okafor")
    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type("ada@example.org")
    email_choice = page.get_by_role("radio", name="Email")
    tab_to(page, email_choice)
    page.keyboard.press("Space")
    expect(email_choice).to_be_checked()
    tab_to(page, page.get_by_label("I would need a lift"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("Postcode to be collected from"))
    page.keyboard.type("ng4 2rl")
    page.get_by_label("How did you hear about HOPE?").select_option(
        label="A friend or family member"
    )
    consent = page.get_by_label("I agree that the HOPE team may keep these details")
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send my request"))
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/find/sent/$"))
    check("Check your email")
    # Nothing reaches the coordinators until the person confirms.
    assert not Referral.objects.exists()

    # The email's link, then the button.
    page.goto(live_server.url + confirmation_link("ada@example.org"))
    check("Confirm your request")
    expect(page.get_by_text(f"on {NORTHGATE} to the team")).to_be_visible()
    page.get_by_role("button", name="Confirm my request").click()
    check("Request confirmed")
    request = ReferralRequest.objects.get()
    assert request.status == RequestStatus.CONFIRMED
    referral = Referral.objects.select_related("participant").get()
    assert (referral.source, referral.course) == (ReferralSource.SELF, course)
    assert referral.participant.full_name == "Ada Okafor"
    assert referral.participant.pickup_postcode == "NG4 2RL"
    assert not referral.participant.places.exists()  # a coordinator gives the place

    # A coordinator, on their phone, gives the place from the queue.
    queue = open_page(**PHONE)
    sign_in(queue, live_server, coordinator)
    queue.goto(live_server.url + "/referrals/")
    row = queue.get_by_role("row", name=re.compile("Ada Okafor"))
    expect(row).to_contain_text("Self-referral")
    row.get_by_role("button", name=f"Give a place on {NORTHGATE} to Ada Okafor").click()
    expect(queue.locator(".alert-success")).to_contain_text(
        f"Ada Okafor: They are enrolled on “{NORTHGATE}”."
    )
    assert_accessible(queue)
    assert_fits(queue)
    place = Participant.objects.get(full_name="Ada Okafor").places.get()
    assert (place.course, place.status) == (course, PlaceStatus.ENROLLED)


def test_every_public_page_reads_at_320px_without_sideways_scrolling(
    live_server, open_page, courses, monkeypatch, assert_accessible, assert_fits
):
    # With texts set up, the form offers them and the code page can be seen too.
    monkeypatch.setitem(CHANNELS, "sms", KeepTexts())
    course = courses["northgate"]
    page = open_page(**NARROW)

    def check(heading: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
        assert_fits(page)

    page.goto(live_server.url + "/find/")
    page.get_by_text("Choose courses by type, town or day").click()
    expect(page.get_by_label("Nearest to your postcode")).to_be_visible()
    check("Find a course")
    # Nearest first: Riverside (NG7) before Northgate (NG4), online last.
    page.get_by_label("Nearest to your postcode").fill("NG7 3XY")
    page.get_by_role("button", name="Show courses").click()
    expect(page.get_by_role("heading", name="3 courses, nearest to NG7 first")).to_be_visible()
    expect(page.locator(".card h2")).to_have_text([RIVERSIDE, NORTHGATE, ONLINE])
    check("Find a course")
    page.get_by_label("Nearest to your postcode").fill("nowhere")
    page.get_by_role("button", name="Show courses").click()
    expect(page).to_have_title(re.compile("^Error: "))
    check("Find a course")

    page.goto(live_server.url + f"/find/{course.pk}/")
    check(NORTHGATE)
    page.goto(live_server.url + f"/find/{courses['online'].pk}/")
    check(ONLINE)

    page.goto(live_server.url + "/find/refer/")
    check("Ask for a place")
    # Every message at once: none given, then a mobile and postcode in the wrong form.
    page.get_by_role("button", name="Send my request").click()
    expect(page).to_have_title(re.compile("^Error: "))
    check("Ask for a place")
    page.get_by_label("Mobile number").fill("0123")
    page.get_by_role("radio", name="Text message").check()
    page.get_by_label("I would need a lift").check()
    page.get_by_label("Postcode to be collected from").fill("not a postcode")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("link", name=re.compile("Enter a UK mobile number"))).to_be_visible()
    check("Ask for a place")

    page.goto(live_server.url + f"/find/{course.pk}/refer/")
    check("Ask for a place")
    page.get_by_label("Your full name").fill("Bartholomew Featherstonehaugh-Okonkwo")
    page.get_by_label("Email address").fill(
        "bartholomew.featherstonehaugh-okonkwo@northgate-community-centre.example.org"
    )
    page.get_by_role("radio", name="Email").check()
    page.get_by_label("I agree that the HOPE team may keep these details").check()
    page.get_by_role("button", name="Send my request").click()
    check("Check your email")

    link = live_server.url + confirmation_link(
        "bartholomew.featherstonehaugh-okonkwo@northgate-community-centre.example.org"
    )
    page.goto(link)
    check("Confirm your request")
    page.get_by_role("button", name="Confirm my request").click()
    check("Request confirmed")
    page.goto(link)
    check("Already confirmed")

    # By text: the browser keeps the token, the phone gets the code.
    page.goto(live_server.url + f"/find/{course.pk}/refer/")
    page.get_by_label("Your full name").fill("Cal Mensah")
    page.get_by_label("Mobile number").fill("07700 900123")
    page.get_by_role("radio", name="Text message").check()
    page.get_by_label("I agree that the HOPE team may keep these details").check()
    page.get_by_role("button", name="Send my request").click()
    check("Confirm your request")
    page.get_by_label("The 6-digit code we texted you").fill("12345")
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page).to_have_title(re.compile("^Error: "))
    check("Confirm your request")
    text = Message.objects.get(kind="selfreferral_confirm", to_address="07700 900123")
    code = re.search(r"\b\d{6}\b", text.body_text)[0]
    page.get_by_label("The 6-digit code we texted you").fill(code)
    page.get_by_role("button", name="Confirm", exact=True).click()
    check("Request confirmed")

    page.goto(live_server.url + "/find/confirm/" + "x" * 43 + "/")
    check("This link has expired")
    page.goto(live_server.url + "/find/999999/")
    check("Course not found")
    page.goto(live_server.url + "/find/999999/refer/")
    check("Course not found")
    assert Referral.objects.count() == 2


def test_the_error_summary_takes_the_focus_and_its_links_reach_each_field(
    live_server, open_page, courses, monkeypatch
):
    monkeypatch.setitem(CHANNELS, "sms", KeepTexts())  # so how to contact them is a choice
    page = open_page(**PHONE)
    page.goto(live_server.url + f"/find/{courses['northgate'].pk}/refer/")
    page.get_by_label("Mobile number").fill("0123")
    page.get_by_label("I would need a lift").check()
    page.get_by_role("button", name="Send my request").click()
    summary = page.locator(".error-summary")
    # static/js/error-summary.js: the summary has the focus, so it is read out first.
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Error: Ask for a place"))
    # Each message links to its field, in the form's order: (the message, the input the
    # link reaches, the question asked and the message beside the field).
    fields = [
        ("Enter your full name", page.get_by_label("Your full name"), "id_full_name"),
        ("Enter a UK mobile number", page.get_by_label("Mobile number"), "id_mobile"),
        (
            "Choose how we should contact you",
            page.get_by_role("radio", name="Email"),
            "id_preferred_channel",
        ),
        (
            "Enter the postcode to be collected from",
            page.get_by_label("Postcode to be collected from"),
            "id_pickup_postcode",
        ),
        (
            "Tick to agree",
            page.get_by_label("I agree that the HOPE team may keep these details"),
            "id_consent_contact",
        ),
    ]
    links = summary.get_by_role("link")
    expect(links).to_have_count(len(fields))
    for n, (words, field, name) in enumerate(fields):
        link = links.nth(n)
        expect(link).to_contain_text(words)
        if n == 0:
            page.keyboard.press("Tab")  # the first link is the next stop after the summary
            expect(link).to_be_focused()
        else:
            link.focus()
        page.keyboard.press("Enter")
        expect(field).to_be_focused()
        # Its question and its message are on screen, not scrolled away above it.
        question = page.locator(f"label[for='{name}']").or_(
            page.locator("fieldset", has=field).locator("legend")
        )
        expect(question).to_be_in_viewport()
        expect(page.locator(f"#{name}-error")).to_be_in_viewport()
    # Typing goes into the field the link reached.
    summary.get_by_role("link", name=re.compile("Enter your full name")).focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Ada Okafor")
    expect(page.get_by_label("Your full name")).to_have_value("Ada Okafor")


def test_a_course_is_found_and_asked_for_without_javascript(live_server, open_page, courses):
    page = open_page(java_script_enabled=False, **PHONE)
    page.goto(live_server.url + "/find/")
    # The filters fold open and send without a script.
    page.get_by_text("Choose courses by type, town or day").click()
    page.get_by_label("Course", exact=True).select_option(label="HOPE for carers")
    page.get_by_role("button", name="Show courses").click()
    expect(page.get_by_role("heading", name="1 course", exact=True)).to_be_visible()
    page.get_by_role("link", name=RIVERSIDE).click()
    page.get_by_role("link", name="Ask for a place on this course").first.click()
    # A mistake is shown without a script too.
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter your full name")
    page.get_by_label("Your full name").fill("Dee Halloran")
    page.get_by_label("Email address").fill("dee@example.org")
    page.get_by_label("I agree that the HOPE team may keep these details").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(live_server.url + confirmation_link("dee@example.org"))
    page.get_by_role("button", name="Confirm my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request confirmed")
    referral = Referral.objects.select_related("participant").get()
    assert (referral.participant.full_name, referral.course) == (
        "Dee Halloran",
        courses["riverside"],
    )


def test_the_list_and_a_course_print_without_filters_or_buttons(live_server, open_page, courses):
    page = open_page()
    page.emulate_media(media="print")
    page.goto(live_server.url + "/find/?town=Northgate")  # filters in use: open on screen
    expect(page.get_by_role("heading", name="Find a course")).to_be_visible()
    expect(page.locator("details.filters")).to_be_hidden()
    expect(page.get_by_label("Town")).to_have_value("Northgate")
    expect(page.get_by_label("Town")).to_be_hidden()
    expect(page.get_by_role("button", name="Show courses", include_hidden=True)).to_be_hidden()
    ask = page.get_by_role("link", name="Ask for a place on any course", include_hidden=True)
    expect(ask).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    card = page.locator(".card")
    expect(card.get_by_role("heading", name=NORTHGATE)).to_be_visible()
    expect(card).to_contain_text("6 sessions from")
    expect(card.get_by_text("Northgate, in person")).to_be_visible()

    page.goto(live_server.url + f"/find/{courses['northgate'].pk}/")
    expect(page.get_by_role("heading", name=NORTHGATE, level=1)).to_be_visible()
    asks = page.get_by_role("link", name="Ask for a place on this course", include_hidden=True)
    expect(asks).to_have_count(2)
    for ask in asks.all():
        expect(ask).to_be_hidden()
    back = page.get_by_role("link", name="Back to all courses", include_hidden=True)
    expect(back).to_be_hidden()
    for heading in ("About the course", "What to expect", "Dates", "Where"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator(".dates li")).to_have_count(6)
    expect(page.get_by_text("Northgate Community Centre, Unit 4")).to_be_visible()
    expect(page.get_by_text("The hearing loop is in the main hall.")).to_be_visible()
    # On screen, the same page shows them.
    page.emulate_media(media="screen")
    expect(back).to_be_visible()
    expect(asks.first).to_be_visible()
