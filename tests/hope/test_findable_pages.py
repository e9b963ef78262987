"""Nobody is left guessing: coordinators find Settings and Closures in the menu, every
link on the home page leads somewhere that answers, and `rundev --addr` puts its address
into emails."""

from __future__ import annotations

import io
import re
import signal
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from hope.management.commands import rundev
from tests.factories import CourseFactory, ExpenseClaimFactory, SessionClaimFactory

pytestmark = pytest.mark.django_db


def main_nav(html: str) -> str:
    return re.search(r'<nav class="navbar.*?</nav>', html, re.S).group(0)


def test_coordinators_find_settings_and_closures_in_the_menu(client, personas):
    client.force_login(personas["coordinator"])
    nav = main_nav(client.get("/").content.decode())
    for url, name in [
        (reverse("team_settings"), "Settings"),
        (reverse("programmes:closure_list"), "Closures"),
        (reverse("message_log"), "Messages"),
        (reverse("programmes:programme_list"), "Programmes"),
    ]:
        assert re.search(rf'href="{url}"[^>]*>{name}</a>', nav), name
    # They sit under a "More" button the keyboard can reach.
    assert '<button class="nav-link dropdown-toggle" type="button"' in nav
    assert 'data-bs-toggle="dropdown"' in nav and ">More</button>" in nav


@pytest.mark.parametrize("persona", ["workforce", "lived", "volunteer", "finance"])
def test_others_do_not_see_coordinators_pages_in_the_menu(client, personas, persona):
    client.force_login(personas[persona])
    nav = main_nav(client.get("/").content.decode())
    for url in [reverse("team_settings"), reverse("programmes:closure_list")]:
        assert f'href="{url}"' not in nav


def test_the_current_page_is_marked_inside_the_more_menu(client, coordinator):
    client.force_login(coordinator)
    nav = main_nav(client.get(reverse("team_settings")).content.decode())
    assert f'href="{reverse("team_settings")}" aria-current="page">Settings</a>' in nav


@pytest.fixture
def something_everywhere(personas):
    """Enough data that every panel of the home page shows its links."""
    course = CourseFactory(first_start=timezone.now() + timedelta(days=3))
    SessionClaimFactory(
        session=course.sessions.first(),
        facilitator=personas["workforce"].facilitator_profile,
    )
    CourseFactory(status="draft")
    ExpenseClaimFactory(claimant=personas["volunteer"])
    return course


@pytest.mark.parametrize("persona", ["coordinator", "workforce", "lived", "volunteer", "finance"])
def test_every_link_on_the_home_page_answers_for_that_role(
    client, personas, persona, something_everywhere
):
    client.force_login(personas[persona])
    html = client.get("/").content.decode()
    links = sorted(
        {href for href in re.findall(r'href="([^"#][^"]*)"', html) if href.startswith("/")}
        - {href for href in re.findall(r'<link [^>]*href="([^"]*)"', html)}
    )
    assert len(links) > 5
    broken = {}
    for href in links:
        response = client.get(href.replace("&amp;", "&"))
        if response.status_code != 200:
            broken[href] = response.status_code
    assert broken == {}


def test_the_home_page_shows_a_facilitator_their_expenses(client, personas):
    ExpenseClaimFactory(claimant=personas["workforce"])
    client.force_login(personas["workforce"])
    html = client.get("/").content.decode()
    assert "1 draft claim to submit" in html
    assert f'href="{reverse("expenses:claim_create")}"' in html


def test_the_home_page_does_not_tell_a_coordinator_they_can_invite_finance_leads(
    client, coordinator
):
    client.force_login(coordinator)
    html = client.get("/").content.decode()
    assert "Invite facilitators, volunteers and finance leads" not in html
    assert "a finance lead invites finance leads" in html


class FakeProcess:
    pid = 0
    returncode = 0

    def poll(self):
        return 0  # stopped at once, so the command winds down after starting them

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def started(monkeypatch):
    """The environment each process rundev starts is given, by process name."""
    envs = []
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # keep pytest's Ctrl-C
    # rundev stops the local PostgreSQL and Redis as it ends: with DATABASE_URL / REDIS_URL
    # unset they are the suite's own, which every later test still needs.
    monkeypatch.setattr(rundev.localservices, "stop", lambda: None)
    monkeypatch.setattr(
        subprocess, "Popen", lambda cmd, env, **kwargs: envs.append(env) or FakeProcess()
    )
    return envs


@pytest.mark.parametrize(
    ("addr", "site_url"),
    [
        ("192.168.1.20:8001", "http://192.168.1.20:8001"),
        ("8002", "http://127.0.0.1:8002"),
        ("0.0.0.0:8000", "http://127.0.0.1:8000"),
    ],
)
def test_rundev_addr_is_the_address_in_emails(monkeypatch, started, addr, site_url):
    monkeypatch.delenv("SITE_URL", raising=False)
    call_command("rundev", addr=addr, stdout=io.StringIO(), stderr=io.StringIO())
    assert [env["SITE_URL"] for env in started] == [site_url] * 3  # web, worker, beat


def test_rundev_keeps_a_site_url_set_explicitly(monkeypatch, started):
    monkeypatch.setenv("SITE_URL", "https://hope.example.org")
    call_command("rundev", addr="127.0.0.1:8003", stdout=io.StringIO(), stderr=io.StringIO())
    assert {env["SITE_URL"] for env in started} == {"https://hope.example.org"}
    assert rundev.site_url_for("[::1]:8000") == "http://[::1]:8000"
