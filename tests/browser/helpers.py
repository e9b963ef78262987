"""Steps every browser journey shares."""

import re
import time
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

_last_code: dict[str, str] = {}


def current_code(email: str) -> str:
    """The authenticator app's code, never one this person used already (allauth refuses
    a code twice within its 30 seconds)."""
    from hope.signin import totp_code
    from tests.factories import TOTP_SECRET

    code = totp_code(TOTP_SECRET)
    while code == _last_code.get(email):
        time.sleep(1)
        code = totp_code(TOTP_SECRET)
    _last_code[email] = code
    return code


def sign_in(page, live_server, user, password=None):
    """Sign in through the real form (and the second step, when asked) and wait for home."""
    from tests.factories import PASSWORD

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password or PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    second_step(page, user)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def second_step(page, user):
    """Type the authenticator code if allauth asks for one (coordinators, finance leads).
    Called just after "Sign in" is clicked: wait until the browser has left the sign-in
    page, or a loaded machine lets us look at the old page's address and skip the step."""
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        page.get_by_label("Code from your authenticator app").fill(current_code(user.email))
        page.get_by_role("button", name="Sign in", exact=True).click()


def _follow(page, link, hidden_link, openers=()) -> None:
    """Click a menu link and wait until the browser is on its page. Bootstrap opens and
    closes menus with transitions, and ignores a click while one is still moving; on a
    loaded machine a click can land then and go nowhere. So each try opens whichever of
    the menus (outermost first) is shut, waits a short while for the link to show and
    for the page to arrive, and tries again rather than waiting out one long timeout."""
    path = urlsplit(hidden_link.get_attribute("href")).path  # read while the menu is shut
    for _ in range(5):
        try:
            for opener in openers:
                if (
                    not link.is_visible()
                    and opener.is_visible()
                    and opener.get_attribute("aria-expanded") != "true"
                ):
                    opener.click(timeout=5_000)
            link.wait_for(state="visible", timeout=5_000)
            link.click(timeout=5_000)
            page.wait_for_url(lambda url: urlsplit(url).path == path, timeout=5_000)
            return
        except PlaywrightTimeoutError:
            continue
    expect(page).to_have_url(re.compile(re.escape(path)))


def _menu_link(page, name):
    """The navbar, one of its links, and the same link found even while its menu is shut."""
    main = page.get_by_role("navigation", name="Main")
    return (
        main,
        main.get_by_role("link", name=name, exact=True),
        main.get_by_role("link", name=name, exact=True, include_hidden=True),
    )


def _phone_menu(main):
    """The phone's "Menu" button (hidden on a wider screen, where it is skipped)."""
    return main.get_by_role("button", name="Menu", exact=True)


def nav(page, name):
    main, link, hidden_link = _menu_link(page, name)
    _follow(page, link, hidden_link, openers=(_phone_menu(main),))


def nav_more(page, name):
    """A page under the navbar's "More" menu (inside the phone's "Menu", when shut)."""
    main, link, hidden_link = _menu_link(page, name)
    more = main.get_by_role("button", name="More", exact=True)
    _follow(page, link, hidden_link, openers=(_phone_menu(main), more))


def settle(page) -> None:
    """Let a navigation a click started finish before the page is examined."""
    page.wait_for_load_state("load")


def evaluate_settled(page, script: str):
    """Evaluate once the page has a document: a click's navigation can swap it mid-call
    (a loaded machine makes that likely), which Chromium reports as a null document or a
    destroyed context."""
    for _ in range(20):
        settle(page)
        try:
            value = page.evaluate(script)
        except PlaywrightError as error:
            if "context was destroyed" not in str(error) and "null" not in str(error):
                raise
            value = None
        if value is not None:
            return value
        page.wait_for_timeout(250)
    raise AssertionError(f"{page.url} never settled enough to be examined")
