"""/people/: found by name or email, a page at a time (issue 17: a county network's
hundreds of accounts were listed fifty at a time with no way to find one)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from hope.roles import Role
from hope.views import PEOPLE_PER_PAGE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_people_are_found_by_name_or_email_and_paged(client, coordinator):
    UserFactory(full_name="Priya Okafor", email="p.okafor@example.org", roles=[Role.VOLUNTEER])
    UserFactory(full_name="Sam Hill", email="treasurer@okafor-family.example", roles=[])
    for n in range(PEOPLE_PER_PAGE + 2):
        UserFactory(full_name=f"Volunteer {n:02}", roles=[Role.VOLUNTEER])
    client.force_login(coordinator)
    url = reverse("people")
    everyone = client.get(url).content.decode()
    assert f"{PEOPLE_PER_PAGE + 5} people with an account." in everyone
    assert "Page 1 of 2" in everyone
    found = client.get(url, {"q": "  OKAFOR "}).content.decode()
    assert "2 people found for “OKAFOR”." in found
    assert "Priya Okafor" in found and "Sam Hill" in found and "Volunteer 00" not in found
    assert "Page 1 of" not in found
    nobody = client.get(url, {"q": "nobody-by-this-name"}).content.decode()
    assert "0 people found" in nobody and "<table" not in nobody.split("people-heading")[1]


def test_the_search_keeps_its_words_across_pages_and_bounds_them(client, coordinator):
    for n in range(PEOPLE_PER_PAGE + 1):
        UserFactory(full_name=f"Driver {n:02}", roles=[Role.VOLUNTEER], is_driver=True)
    client.force_login(coordinator)
    url = reverse("people")
    first = client.get(url, {"q": "Driver"}).content.decode()
    assert 'href="?q=Driver&amp;page=2"' in first
    second = client.get(url, {"q": "Driver", "page": 2}).content.decode()
    assert f"Driver {PEOPLE_PER_PAGE:02}" in second
    for hostile in ("%", "_", "x" * 10_000, "<script>", "'; DROP TABLE hope_user; --", "\x00"):
        response = client.get(url, {"q": hostile})
        if hostile == "\x00":  # refused for every page by hope/middleware.py
            assert response.status_code == 400
            continue
        assert response.status_code == 200
        assert "<script>" not in response.content.decode().split("people-heading")[1]


def test_each_person_reads_with_their_roles(client, coordinator, workforce_facilitator):
    UserFactory(full_name="Dee Driver", roles=[Role.VOLUNTEER, Role.FINANCE_LEAD], is_driver=True)
    UserFactory(full_name="Nora Norole", roles=[])
    client.force_login(coordinator)
    page = client.get(reverse("people"), {"q": ""}).content.decode()
    rows = {  # by the name as read on the page (O'Brien is written O&#x27;Brien)
        html.unescape(re.sub(r"<[^>]+>", "", row.split("</th>")[0]).strip()): row
        for row in page.split("<tr>")[1:]
    }
    name = workforce_facilitator.full_name
    assert 'data-label="Roles">Facilitator (workforce)<' in rows[name]
    assert 'data-label="Roles">Finance lead, Volunteer (driver)<' in rows["Dee Driver"]
    assert 'data-label="Roles">No role<' in rows["Nora Norole"]
    assert 'data-label="Roles">Coordinator<' in rows[coordinator.full_name]
