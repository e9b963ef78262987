from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_home_goes_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("account_login")


@pytest.mark.parametrize(
    ("persona", "heading", "absent"),
    [
        ("coordinator", "Invite someone", "Finance lead"),
        ("workforce", "Facilitator (workforce)", "Invite someone"),
        ("lived", "Facilitator (lived experience)", "Invite someone"),
        ("volunteer", "Volunteer driver", "Invite someone"),
        ("finance", "Finance lead", "Invite someone"),
        ("evidence", "Evidence reports", "Coming up"),
    ],
)
def test_home_shows_each_role_what_it_needs(client, personas, persona, heading, absent):
    client.force_login(personas[persona])
    html = client.get("/").content.decode()
    assert heading in html
    assert absent not in html


def test_person_without_a_role_is_told_what_to_do(client, outsider):
    client.force_login(outsider)
    assert "Your account has no role yet" in client.get("/").content.decode()


def test_people_link_only_for_coordinators(client, personas):
    client.force_login(personas["coordinator"])
    assert 'href="/people/"' in client.get("/").content.decode()
    client.force_login(personas["volunteer"])
    assert 'href="/people/"' not in client.get("/").content.decode()


def test_base_page_is_accessible_english_and_self_hosted(client, coordinator):
    client.force_login(coordinator)
    html = client.get("/").content.decode()
    assert '<html lang="en-GB">' in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert "cdn" not in html.lower()


def test_bootstrap_is_served_by_the_app(live_server):
    import urllib.request

    with urllib.request.urlopen(  # noqa: S310 - our own live server
        f"{live_server.url}/static/bootstrap/css/bootstrap.min.css"
    ) as response:
        assert response.status == 200
        assert b"Bootstrap" in response.read(400)


def test_styled_404_and_403(client, volunteer):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    client.force_login(volunteer)
    response = client.get(reverse("people"))
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_styled_500(db, settings):
    settings.ROOT_URLCONF = "tests.hope.urls_boom"
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_non_staff_cannot_use_the_admin_sign_in(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/admin/login/").status_code == 403


def test_sign_in_is_rate_limited(client, coordinator):
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": coordinator.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(url, {"login": coordinator.email, "password": "wrong"})
    assert "Too many failed login attempts" in response.content.decode()


def test_unverified_email_cannot_sign_in_outside_debug(client):
    from tests.factories import PASSWORD, UserFactory

    person = UserFactory(verified_email=False)
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_an_email(client, coordinator, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": coordinator.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_home_runs_a_fixed_number_of_queries(client, personas, django_assert_max_num_queries):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from hope.roles import Role
    from programmes.models import Arranged, Ride
    from programmes.services.participants import place_request
    from programmes.services.rides import ride_arrange, ride_take
    from tests.factories import (
        CourseFactory,
        InvitationFactory,
        ParticipantFactory,
        SessionClaimFactory,
        UserFactory,
    )

    coordinator = personas["coordinator"]
    counts = []
    for persona in ("coordinator", "workforce"):
        client.force_login(personas[persona])
        for extra in (2, 30):
            InvitationFactory.create_batch(extra, invited_by=coordinator)
            for _ in range(extra // 2):
                session = CourseFactory().sessions.first()
                SessionClaimFactory(session=session)
            # Rides wanted (two in the fortnight for each rider), one held by a new
            # driver, one arranged.
            driver = UserFactory(roles=[Role.VOLUNTEER], is_driver=True)
            riders = CourseFactory(first_start=timezone.now() + timedelta(days=1, hours=extra))
            for _ in range(extra // 2 + 1):
                person = ParticipantFactory(needs_transport=True, pickup_postcode="NG4 2RL")
                place_request(participant=person, course=riders, by=coordinator)
            held, arranged = Ride.objects.filter(session__course=riders).unmet()[:2]
            ride_take(ride=held, driver=driver, by=driver)
            ride_arrange(ride=arranged, how=Arranged.TAXI, by=coordinator)
            client.get("/")  # warm up: the team settings row is created on first use
            # A coordinator's: the figures and the choice of driver worked out (cache
            # cleared), then remembered; three for the rides wanted (the soonest with
            # how many in all, the drivers, the audit line).
            for remembered in (False, True):
                if not remembered:
                    cache.clear()
                with django_assert_max_num_queries(14) as captured:
                    assert client.get("/").status_code == 200
                counts.append(len(captured.captured_queries))
    # Per persona: [worked out, remembered] at 2 and at 30.
    assert counts[0:2] == counts[2:4] and counts[4:6] == counts[6:8], counts


def test_ping_is_the_floor_a_signed_in_request_costs(client, personas, django_assert_num_queries):
    """`make bench` measures every page against /ping/: the session, the person and
    their roles, nothing else."""
    client.force_login(personas["finance"])
    client.get("/ping/")  # the first request of a session also records when it was seen
    with django_assert_num_queries(3):
        response = client.get("/ping/")
    assert response.status_code == 200
    assert response.content == b"Signed in.\n"
    client.logout()
    assert client.get("/ping/").status_code == 302
