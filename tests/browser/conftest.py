"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded one)."""

from __future__ import annotations

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import helpers
from tests.browser.helpers import evaluate_settled, settle

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls made from the test body.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Expectations wait up to 15 s for the page (Playwright's default is 5 s): `make test` runs
# two pytest-xdist workers on two cores, so a page can take a few seconds to settle.
# An expectation met passes as soon as it is; only a failing one waits the longer time.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Only violations come back: the passes and the rest would be serialised for every node
# of the page, which is most of axe's time on a long page.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM) or shutil.which(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(
            f"CI=true but no Chromium at {CHROMIUM}: browser tests must run under CI."
        )
    skip = pytest.mark.skip(
        reason=f"No Chromium at {CHROMIUM}: `apt-get install -y chromium` "
        "(or set CHROMIUM_PATH) to run the browser tests."
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _codes_used_in_this_test_only():
    """allauth refuses a two-factor code used already, remembering it in the cache under
    the user's id. Each test has new people and an emptied cache (tests/conftest.py), so
    only a code used earlier in the same test must wait for the next one; remembering the
    codes of earlier tests made most coordinators' sign-ins wait up to 30 s for nothing."""
    helpers._last_code.clear()


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page; fail on any serious or critical violation."""

    def check(page):
        settle(page)
        results = axe.run(page, options=AXE_OPTIONS)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert not bad, f"axe-core on {page.url}:\n" + "\n".join(bad)

    return check


@pytest.fixture
def csp_violations():
    """Every Content-Security-Policy violation Chromium reports while the test runs."""
    return []


def watch_csp(page, csp_violations: list[str]) -> None:
    def on_console(message):
        if "Content Security Policy" in message.text:
            csp_violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)


@pytest.fixture
def page(page, csp_violations):
    """Playwright's page, under the app's real CSP: a violation fails the test."""
    watch_csp(page, csp_violations)
    yield page
    assert not csp_violations, "CSP violations:\n" + "\n".join(csp_violations)


@pytest.fixture
def open_page(browser, csp_violations):
    """A page in a context of its own (a phone, a second person), watched the same way."""
    contexts = []

    def make(**context_args):
        context = browser.new_context(**context_args)
        contexts.append(context)
        new = context.new_page()
        watch_csp(new, csp_violations)
        return new

    yield make
    for context in contexts:
        context.close()
    assert not csp_violations, "CSP violations:\n" + "\n".join(csp_violations)


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def assert_fits():
    """Nothing wider than the screen: no sideways scrolling at 390 px."""

    def check(page):
        overflow = evaluate_settled(
            page,
            "() => document.documentElement"
            " ? document.documentElement.scrollWidth - document.documentElement.clientWidth"
            " : null",
        )
        assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"

    return check
