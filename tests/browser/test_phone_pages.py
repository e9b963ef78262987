"""Every page each role can open, and every page open to someone signed out, on a 390 px
phone and on a desktop: nothing scrolls sideways, the page's main actions are on screen,
and axe-core finds nothing serious.

The pages come from the permission matrix (each GET row the role may open), so a new page
is visited as soon as it is classified there. Say what its main action is in
``PRIMARY_ACTIONS``; pages that are not HTML go in ``NOT_PAGES``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import evaluate_settled, sign_in
from tests.factories import BudgetFactory, ClosureDateFactory, CourseFactory, TrainingFactory
from tests.samples import make_samples
from tests.test_permission_matrix import MATRIX, MORE_CASES, OK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_SIZE = {"width": 390, "height": 844}
DESKTOP_SIZE = {"width": 1280, "height": 800}

# Downloads, feeds and images: not pages to lay out.
NOT_PAGES = {
    "healthz",
    "ping",
    "facilitators:feed",
    "expenses:claim_receipt",
    "expenses:spend_attachment",
    "expenses:export",
    "expenses:chart",
    "expenses:costs_export",
    "expenses:costs_chart",
    "programmes:outcomes_export",
    "programmes:outcomes_chart",
}

# The buttons or links a person comes to each page for, by URL name (or by "name role"
# where roles differ; a MORE_CASES row by its own key first). Each must be visible and
# inside the screen's width at 390 px. A page with a form names the button that sends it;
# a page that asks first names the button that does it.
PRIMARY_ACTIONS: dict[str, str | tuple[str, ...]] = {
    # Signed out.
    "account_login": "Sign in",
    "account_reset_password": "Send the link",
    "invitation_accept anonymous": "Create my account",
    "programmes:find": "Ask for a place on any course",  # its filters fold away
    "programmes:find_course": "Ask for a place on this course",
    "programmes:find_refer": "Send my request",
    "programmes:find_refer_any": "Send my request",
    # Everyone's own account.
    "notice_preferences": "Save",
    "account_change_password": "Change Password",
    "account_email": "Add Email",
    "account_reauthenticate": "Confirm",
    "mfa_reauthenticate": "Confirm",
    "people": "Invite someone",
    "person_detail": "Save",
    "person_deactivate": "Deactivate",
    "audit_trail": "Show",
    "programmes:course_list coordinator": "Plan a course",
    "programmes:course_create": "Show the dates",
    "programmes:course_detail coordinator": ("Move", "Cancel course"),
    "programmes:session_edit": "Save",
    "programmes:programme_create": "Save",
    "programmes:programme_edit": "Save",
    "programmes:referral_create": "Save referral",
    "programmes:participant_edit": "Save",
    "venues:venue_create": "Save",
    "venues:venue_edit": "Save",
    "facilitators:my_profile": "Save",
    "facilitators:session_detail coordinator": "Assign",
    "expenses:claim_detail volunteer": "Submit claim",
    "expenses:claim_edit": "Submit claim",
    "expenses:budget_edit": "Save",
    "expenses:rates": "Save",
    # The pages that ask first: the button that does it.
    "programmes:course_cancel, the page that asks first": "Cancel the course",
    "programmes:session_cancel, the page that asks first": "Cancel session",
    "facilitators:release, the page that asks first": "Release the session",
    "programmes:closure_delete, the page that asks first": "Remove the closure",
    "facilitators:training_delete, the page that asks first": "Remove the training",
    "expenses:claim_delete, the page that asks first volunteer": "Delete the draft",
    "expenses:reject, the page that asks first": "Reject the claim",
    "programmes:course_edit": "Save",
    "programmes:calendar": "Next",
    "programmes:closure_list": "Remove",
    "programmes:referral_list": "Record a referral",
    "programmes:participant_detail": "Change details",
    "programmes:register": "Present",
    "venues:venue_list coordinator": "Add a venue",
    "facilitators:cover_gaps": "Choose who",
    "facilitators:assign, the page to choose who": "Assign",
    "facilitators:board": "Claim",
    "facilitators:mine workforce": "Release",
    "facilitators:facilitator_list": "Invite a facilitator",
    "facilitators:facilitator_edit": "Remove",
    "expenses:claim_list": "New expense",
    "expenses:claim_create": "Submit claim",
    "expenses:claim_from_rides": "Claim mileage for",
    "expenses:dashboard": ("Approve", "Reject"),
    "expenses:budget_list": "Add budget",
    "expenses:spend_list": "Record",
    "expenses:costs_report": "Download CSV",
    "team_settings": "Save",
    "programmes:outcomes_report": "Show the report",
    "programmes:meaningful_change": "Save",
    "invite": "Send invitation",
    "programmes:ride_board volunteer": "Take this ride",
    "programmes:ride_board coordinator": "Give rides to drivers",
    "programmes:rides_unmet": "Assign",
    # The sample ride is the volunteer's; the other is nobody's yet.
    "programmes:ride_detail volunteer": "Save pick-up time",
    "programmes:ride_detail of a ride nobody holds volunteer": "Take this ride",
    "programmes:ride_detail coordinator": "Give the ride to this driver",
    "programmes:ride_release volunteer": "Give back the ride",
    "programmes:ride_release coordinator": "Take the driver off",
}

# Further views of a page, by URL name: (query string, its main action).
VARIANTS: dict[str, list[tuple[str, str]]] = {
    "programmes:calendar": [("?view=month", "Next")],
}


def pages_for(role: str, samples) -> list[tuple[str, str, str | tuple[str, ...] | None]]:
    """(URL name, path, main actions) of every HTML page the matrix lets ``role`` open."""
    cases = [(key, key, case) for key, case in MATRIX.items()]
    cases += [(key, name, case) for key, (name, case) in MORE_CASES.items()]
    pages = []
    for key, name, case in cases:
        if case.method != "get" or case.expect[role] != OK or name in NOT_PAGES:
            continue
        kwargs = {k: samples.get(v, v) for k, v in case.kwargs.items()}
        path = reverse(name, kwargs=kwargs)
        action = next(
            (
                PRIMARY_ACTIONS[choice]
                for choice in (f"{key} {role}", key, f"{name} {role}", name)
                if choice in PRIMARY_ACTIONS
            ),
            None,
        )
        pages.append((name, path, action))
        pages += [(name, path + query, also) for query, also in VARIANTS.get(name, [])]
    return pages


def problems_on(page, actions: str | tuple[str, ...] | None) -> list[str]:
    """What is wrong with the page as a phone shows it."""
    found = []
    overflow = evaluate_settled(
        page,
        "() => document.documentElement"
        " ? document.documentElement.scrollWidth - window.innerWidth : null",
    )
    if overflow > 0:
        found.append(f"scrolls sideways by {overflow}px")
    if isinstance(actions, str):
        actions = (actions,)
    main = page.locator("main")
    for action in actions or ():
        target = (
            main.get_by_role("button", name=action).or_(main.get_by_role("link", name=action)).first
        )
        box = target.bounding_box() if target.count() else None
        if not box or not target.is_visible():
            found.append(f"no visible {action!r}")
        elif box["x"] < 0 or box["x"] + box["width"] > PHONE_SIZE["width"]:
            found.append(f"{action!r} is off screen at x={box['x']:.0f}")
    return found


@pytest.mark.parametrize(
    "role", ["anonymous", "volunteer", "workforce", "lived", "finance", "coordinator", "evidence"]
)
def test_every_page_fits_a_phone_and_passes_axe(
    live_server, browser, personas, role, axe, csp_violations
):
    from tests.browser.conftest import AXE_OPTIONS, watch_csp

    samples = make_samples(personas, budget=BudgetFactory())
    # Something to assign on the cover page, and a closure at one venue.
    soon = samples.rows["participants_course"]
    TrainingFactory(profile=personas["lived"].facilitator_profile, programme=soon.programme)
    ClosureDateFactory(venue=samples.rows["venue"])
    context = browser.new_context(viewport=PHONE_SIZE)
    page = context.new_page()
    watch_csp(page, csp_violations)
    if role != "anonymous":  # the signed-out pages: sign-in, password reset, invitation
        sign_in(page, live_server, personas[role])
    failures = []
    for name, path, action in pages_for(role, samples):
        page.set_viewport_size(PHONE_SIZE)
        page.goto(live_server.url + path)
        for size in (PHONE_SIZE, DESKTOP_SIZE):
            # The same page, widened: the layout answers to the width alone (CSS), so
            # there is no need to load it twice.
            page.set_viewport_size(size)
            found = problems_on(page, action) if size is PHONE_SIZE else []
            results = axe.run(page, options=AXE_OPTIONS)
            found += [
                f"axe {v['id']} ({v['impact']}): "
                + "; ".join(node["target"][0] for node in v["nodes"][:3])
                for v in results.response["violations"]
                if v["impact"] in {"serious", "critical"}
            ]
            failures += [f"{path} ({name}) at {size['width']}px: {f}" for f in found]
    context.close()
    assert not failures, f"{role}:\n" + "\n".join(failures)
    assert not csp_violations, "CSP violations:\n" + "\n".join(csp_violations)


def test_board_filters_fold_away_on_a_phone_and_stay_open_on_a_desktop(
    live_server, open_page, workforce_facilitator
):
    phone = open_page(viewport=PHONE_SIZE)
    sign_in(phone, live_server, workforce_facilitator)
    phone.goto(live_server.url + "/sessions/open/")
    expect(phone.get_by_label("Programme")).to_be_hidden()
    phone.get_by_text("Filters", exact=True).click()
    expect(phone.get_by_label("Programme")).to_be_visible()
    # A filter in use keeps them open, and says so.
    phone.goto(live_server.url + "/sessions/open/?from=2026-01-01")
    expect(phone.get_by_text("Filters (in use)")).to_be_visible()
    expect(phone.get_by_label("From")).to_be_visible()
    phone.set_viewport_size(DESKTOP_SIZE)
    phone.goto(live_server.url + "/sessions/open/")
    expect(phone.get_by_label("Programme")).to_be_visible()


def test_the_month_on_a_phone_is_a_list_of_days_reached_by_keyboard(
    live_server, open_page, coordinator
):
    course = CourseFactory(title="Living well", first_start=timezone.now() + timedelta(days=2))
    day = timezone.localtime(course.sessions.get(number=1).start)
    phone = open_page(viewport=PHONE_SIZE)
    sign_in(phone, live_server, coordinator)
    phone.goto(f"{live_server.url}/calendar/?view=month&date={day:%Y-%m-%d}")
    expect(phone.get_by_role("table")).to_be_hidden()  # the grid is for wide screens
    heading = phone.get_by_role("heading", name=f"{day:%A} {day.day} {day:%B}")
    expect(heading).to_be_visible()
    expect(phone.get_by_text("No facilitators yet").first).to_be_visible()
    link = phone.get_by_role("link", name="Living well").first
    for _ in range(60):  # Tab through the page until the session's link has focus
        phone.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("The session's link cannot be reached with Tab")
    phone.set_viewport_size(DESKTOP_SIZE)
    expect(phone.get_by_role("table")).to_be_visible()
