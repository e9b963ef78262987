"""The outcomes report in a browser, as issue 15's journey asks: an evidence viewer (a
commissioner) finds it from the menu and reads it at desktop and phone width (axe-core
clean, nothing scrolls sideways, the charts load as images under the CSP), prints it
without the navigation, and downloads its CSV, suppressed and without feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import sign_in
from tests.programmes.test_outcomes_report import RANGE, data  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUERY = f"?from={RANGE['from']}&to={RANGE['to']}"


def test_an_evidence_viewer_reads_prints_and_downloads_the_report(
    live_server,
    open_page,
    evidence_viewer,
    data,  # noqa: F811
    assert_accessible,
    assert_fits,
):
    page = open_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_server, evidence_viewer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes report").click()
    expect(page.get_by_role("heading", name="Outcomes report", level=1)).to_be_visible()
    page.goto(live_server.url + "/reports/outcomes/" + QUERY)
    expect(page.get_by_role("heading", name="Outcomes report", level=1)).to_be_visible()
    expect(page.get_by_text("fewer than 5").first).to_be_visible()
    expect(page.get_by_text("A lovely group")).to_have_count(0)
    expect(page.get_by_role("heading", name="Referrals received, by source")).to_be_visible()
    assert_accessible(page)
    loaded = page.eval_on_selector_all(
        "figure.hope-chart img", "images => images.map(i => i.complete && i.naturalWidth > 0)"
    )
    assert loaded == [True] * 4
    # On paper: no navigation, filters or buttons; the tables stay tables.
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("link", name="Download CSV")).to_be_hidden()
    expect(page.get_by_label("Programme", exact=True)).to_be_hidden()
    display = page.eval_on_selector("table.hope-stack", "t => getComputedStyle(t).display")
    assert display == "table"
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "outcomes-2026-01-01-to-2026-06-30.csv"
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "fewer than 5" in csv_text and "lovely group" not in csv_text

    phone = open_page(**PHONE)
    sign_in(phone, live_server, evidence_viewer)
    phone.goto(live_server.url + "/reports/outcomes/" + QUERY)
    expect(phone.get_by_role("link", name="Download CSV")).to_be_visible()
    assert_fits(phone)
    assert_accessible(phone)
