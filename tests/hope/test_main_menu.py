"""The main menu (hope/nav.py): each role's links in order, the current page marked, a
working Sign out, and links that follow the path the site is served under."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse, set_script_prefix

pytestmark = pytest.mark.django_db


def menu_links(html: str) -> tuple[list[str], list[str]]:
    """The labels in the bar and under More."""
    nav = re.search(r'<div class="collapse navbar-collapse" id="main-nav">.*?</div>', html, re.S)
    nav = nav.group(0)
    more = re.search(r'<ul class="dropdown-menu".*?</ul>', nav, re.S)
    item = r'class="dropdown-item"[^>]*>([^<]+)</a>'
    more_labels = re.findall(item, more.group(0)) if more else []
    return re.findall(r'class="nav-link"[^>]*>([^<]+)</a>', nav), more_labels


REPORTS = ["Outcomes report", "Cost report"]


@pytest.mark.parametrize(
    ("persona", "bar", "more"),
    [
        (
            "coordinator",
            ["Home", "Courses", "Calendar", "Venues", "Referrals", "Cover", "Facilitators"],
            ["Programmes", "Rides wanted", "Closures", "Messages", "Settings", *REPORTS]
            + ["People", "Audit"],
        ),
        (
            "workforce",
            ["Home", "Courses", "Calendar", "Venues", "Open sessions", "My sessions", "Expenses"],
            [],
        ),
        # The volunteer persona drives.
        (
            "volunteer",
            ["Home", "Courses", "Calendar", "Venues", "Rides", "My rides", "Expenses"],
            [],
        ),
        (
            "finance",
            ["Home", "Courses", "Calendar", "Venues", "Finance"],
            [*REPORTS, "People", "Audit"],
        ),
        ("evidence", ["Home", *REPORTS], []),
    ],
)
def test_each_role_sees_its_own_links(client, personas, persona, bar, more):
    client.force_login(personas[persona])
    got_bar, got_more = menu_links(client.get("/").content.decode())
    assert got_bar == bar
    assert got_more == more


def test_only_drivers_find_the_rides(client, volunteer):
    volunteer.is_driver = False
    volunteer.save()
    client.force_login(volunteer)
    bar, _ = menu_links(client.get("/").content.decode())
    assert bar == ["Home", "Courses", "Calendar", "Venues", "Expenses"]


def test_the_page_shown_is_marked_current_and_only_it(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("facilitators:cover_gaps")).content.decode()
    assert html.count('aria-current="page"') == 1
    assert f'href="{reverse("facilitators:cover_gaps")}" aria-current="page">Cover</a>' in html


def test_sign_out_from_the_menu_signs_out(client, coordinator):
    client.force_login(coordinator)
    html = client.get("/").content.decode()
    action = re.search(r'<form method="post" action="([^"]+)" class="d-inline">', html).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    client.post(action, {"csrfmiddlewaretoken": token})
    assert "_auth_user_id" not in client.session


def test_links_follow_the_path_the_site_is_served_under(client, coordinator):
    # The routes are reversed once a process; a site served under /hope (SCRIPT_NAME)
    # must not be given the links reversed for another prefix, nor the other way round.
    # (Django's handler sets the prefix from SCRIPT_NAME; the test client does not.)
    client.force_login(coordinator)
    client.get("/")
    set_script_prefix("/hope/")
    try:
        html = client.get("/").content.decode()
    finally:
        set_script_prefix("/")
    assert 'class="navbar-brand" href="/hope/"' in html
    assert 'href="/hope/cover/">Cover</a>' in html
    assert 'href="/hope/accessibility/"' in html
    plain = client.get("/").content.decode()
    assert 'href="/cover/">Cover</a>' in plain
