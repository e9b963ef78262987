"""A second look at the public pages and self-referral (issue 16): caching that must not
carry anyone's cookie, per-address limits that an IPv6 visitor cannot step round, and a
confirmation racing another."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from hope.models import TeamSettings
from hope.ratelimit import client_network
from hope.signin import LAST_SEEN
from programmes.models import (
    Programme,
    Referral,
    ReferralRequest,
    ReferralStatus,
)
from programmes.views import public as public_views
from tests.factories import CourseFactory
from tests.programmes.test_self_referral import emailed_link, form

pytestmark = pytest.mark.django_db


def test_the_cached_public_pages_set_no_cookie_for_a_visitor():
    """A page any shared cache may keep must not hand out a CSRF cookie (the same token to
    every visitor the cache serves); the error summary's look through the page's context
    used to create one."""
    course = CourseFactory()
    for url in (reverse("programmes:find"), reverse("programmes:find_course", args=[course.pk])):
        response = Client().get(url)
        assert "public" in response["Cache-Control"]
        assert not response.cookies, (url, response.cookies.output())


def test_a_signed_in_visitor_is_not_given_a_publicly_cacheable_page(coordinator):
    """Signed in, the response may renew the session cookie (the idle clock moves): a page
    that carries someone's session must never be marked for shared caches."""
    course = CourseFactory()
    client = Client()
    client.force_login(coordinator)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 120  # the idle clock is due to move
    session.save()
    for url in (reverse("programmes:find"), reverse("programmes:find_course", args=[course.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert "public" not in response["Cache-Control"], (url, response.cookies.output())
        assert "private" in response["Cache-Control"]


@override_settings(SELF_REFERRALS_PER_ADDRESS_HOUR=2, SELF_REFERRALS_PER_CONTACT_DAY=50)
def test_addresses_in_one_ipv6_network_share_the_per_address_limit():
    """Anyone with a home connection holds a whole IPv6 /64: counting each address alone
    would let one visitor send requests without end (allauth's limits count the /64 too)."""
    course = CourseFactory()
    url = reverse("programmes:find_refer", args=[course.pk])
    codes = [
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n}").post(url, form(email=f"p{n}@example.org"))
        for n in range(1, 4)
    ]
    assert [response.status_code for response in codes] == [302, 302, 429]
    assert ReferralRequest.objects.count() == 2
    # Another network is not held back.
    other = Client(REMOTE_ADDR="2001:db8:1:3::1").post(url, form(email="p9@example.org"))
    assert other.status_code == 302


@override_settings(SELF_REFERRAL_CONFIRMS_PER_ADDRESS_HOUR=2)
def test_confirmation_looks_from_one_ipv6_network_share_the_limit():
    url = reverse("programmes:find_confirm", args=["A" * 43])
    codes = [Client(REMOTE_ADDR=f"2001:db8:1:2::{n}").get(url).status_code for n in range(1, 4)]
    assert codes == [404, 404, 429]


def test_a_confirmation_that_loses_a_race_says_it_is_confirmed(client, monkeypatch):
    """Pressed twice at once (a double tap, or two tabs): the second finds the request
    already confirmed under the lock. It should say so, not that the link has expired and
    the form must be filled in again (which would make a second referral)."""
    course = CourseFactory()
    client.post(reverse("programmes:find_refer", args=[course.pk]), form())
    link = emailed_link()
    stale = ReferralRequest.objects.get()  # as the other tap saw it: still waiting
    assert client.post(link).status_code == 200  # the first tap confirms
    monkeypatch.setattr(public_views, "request_for_token", lambda token: stale)
    response = client.post(link)  # the second, which read the request before the first ended
    page = response.content.decode()
    assert response.status_code == 200, page
    assert "Already confirmed" in page and "Fill in the form again" not in page
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    "ip, counted",
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),  # IPv4 as the server saw it over IPv6
        (None, "unknown"),
    ],
)
def test_what_a_per_address_limit_counts(ip, counted):
    assert client_network(ip) == counted


def test_the_form_page_still_sets_its_csrf_cookie_and_a_real_post_passes():
    course = CourseFactory()
    client = Client(enforce_csrf_checks=True)
    url = reverse("programmes:find_refer", args=[course.pk])
    page = client.get(url)
    assert "csrftoken" in page.cookies and "no-cache" in page["Cache-Control"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert client.post(url, {**form(), "csrfmiddlewaretoken": token}).status_code == 302


@pytest.mark.parametrize("change", ["started", "unlisted"])
def test_automatic_enrolment_only_onto_a_course_still_on_the_public_pages(client, change):
    """The team's automatic enrolment is for courses the public pages offer. Confirmed up
    to two days after asking, the course may have begun (the person would have missed its
    first session) or been taken off the pages: a coordinator then decides."""
    team = TeamSettings.current()
    team.self_referrals_enrol = True
    team.save()
    course = CourseFactory(first_start=timezone.now() + timedelta(hours=2))
    client.post(reverse("programmes:find_refer", args=[course.pk]), form())
    link = emailed_link()
    later = timezone.now() + timedelta(hours=3 if change == "started" else 0)
    if change == "unlisted":
        Programme.objects.filter(pk=course.programme_id).update(is_listed=False)
    with time_machine.travel(later):
        assert "Request confirmed" in client.post(link).content.decode()
    referral = Referral.objects.get()
    assert referral.course == course and referral.status == ReferralStatus.NEW
    assert not referral.participant.places.exists()
