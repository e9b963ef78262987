"""Two-factor sign-in for those who hold money and personal data; session limits for all."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session as DjangoSession
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent
from hope.roles import Role
from hope.signin import totp_code
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who",
    [
        {"roles": [Role.COORDINATOR]},
        {"roles": [Role.FINANCE_LEAD]},
        {"roles": [Role.EVIDENCE_VIEWER]},
        {"roles": [Role.VOLUNTEER], "is_staff": True},
        {"roles": [], "is_superuser": True, "is_staff": True},
    ],
    ids=["coordinator", "finance", "evidence-viewer", "volunteer-with-admin", "superuser"],
)
def test_privileged_people_reach_only_the_set_up_until_they_have_a_second_factor(client, who):
    person = UserFactory(second_factor=False, **who)
    client.force_login(person)
    set_up = reverse("mfa_activate_totp")
    for url in [reverse("home"), reverse("programmes:course_list"), "/admin/", "/finance/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url == set_up, url
    # The set-up pages, signing out and the accessibility statement stay open.
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("accessibility")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_others_are_offered_two_factor_but_not_held(client, volunteer):
    client.force_login(volunteer)
    assert client.get(reverse("home")).status_code == 200
    assert "Two-factor sign-in" in client.get(reverse("mfa_index")).content.decode()


def test_sign_in_asks_a_coordinator_for_the_code(client, coordinator):
    response = client.post(
        reverse("account_login"), {"login": coordinator.email, "password": PASSWORD}
    )
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="signin.second_step_failed").exists()
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert client.session["_auth_user_id"] == str(coordinator.pk)
    assert AuditEvent.objects.filter(action="signin.succeeded", actor=coordinator).exists()


def test_a_coordinator_cannot_switch_two_factor_off(client, coordinator):
    from hope.signin import MFAAdapter

    totp = Authenticator.objects.get(user=coordinator, type=Authenticator.Type.TOTP)
    assert not MFAAdapter().can_delete_authenticator(totp)
    volunteer = UserFactory(roles=[Role.VOLUNTEER], second_factor=True)
    own = Authenticator.objects.get(user=volunteer, type=Authenticator.Type.TOTP)
    assert MFAAdapter().can_delete_authenticator(own)


def _sign_in(client, user, remember=False):
    data = {"login": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    client.post(reverse("account_login"), data)
    if client.session.get("_auth_user_id") is None:  # the second step
        client.post(reverse("mfa_authenticate"), {"code": totp_code(TOTP_SECRET)})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_idle_session_ends_after_the_configured_minutes(client, volunteer, settings):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _sign_in(client, volunteer, remember=True)
        traveller.shift(timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(timedelta(minutes=29))  # active 29 minutes ago: still in
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get(reverse("programmes:course_list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("account_login"))
    assert "next=%2Fcourses%2F" in response.redirect_chain[0][0]
    assert "after 30 minutes without activity" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_privileged_sign_in_lasts_at_most_twelve_hours_even_when_kept(
    client, coordinator, settings
):
    settings.SESSION_IDLE_SECONDS = 30 * 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _sign_in(client, coordinator, remember=True)
        assert client.session.get_expiry_age() <= 12 * 3600 + 5 * 60
        for n in range(12 * 3 - 1):  # busy all day: a request every 20 minutes
            traveller.shift(timedelta(minutes=20))
            response = client.get(reverse("home"))
            assert response.status_code == 200, (n, response.url)
        traveller.shift(timedelta(minutes=20))
        response = client.get(reverse("home"), follow=True)
    assert "sign in again after 12 hours" in response.content.decode()


def test_keep_me_signed_in_still_means_days_for_others(client, volunteer, settings):
    _sign_in(client, volunteer, remember=True)
    assert client.session.get_expiry_age() > 24 * 3600


def test_deactivating_a_person_ends_their_sessions(client, volunteer, coordinator):
    _sign_in(client, volunteer)
    assert client.get(reverse("home")).status_code == 200
    assert DjangoSession.objects.count() == 1
    volunteer.is_active = False
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        volunteer.save()
    assert DjangoSession.objects.count() == 0
    assert client.get(reverse("home")).status_code == 302


def test_authenticator_secrets_are_sealed_in_the_database(coordinator, settings):
    totp = Authenticator.objects.get(user=coordinator, type=Authenticator.Type.TOTP)
    codes = Authenticator.objects.get(user=coordinator, type=Authenticator.Type.RECOVERY_CODES)
    assert TOTP_SECRET not in str(totp.data) and totp.data["secret"].startswith("sealed1:")
    assert codes.data["seed"].startswith("sealed1:")
    # Rotating SECRET_KEY with the old one as a fallback keeps sign-in working.
    from allauth.mfa.utils import decrypt

    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" * 4, [old]
    assert decrypt(totp.data["secret"]) == TOTP_SECRET
    # Re-sealed with the new key, the old one is no longer needed.
    from django.core.management import call_command

    out = io.StringIO()
    call_command("reseal_authenticators", stdout=out)
    assert "Re-sealed 2 authenticators" in out.getvalue()
    settings.SECRET_KEY_FALLBACKS = []
    totp.refresh_from_db()
    assert decrypt(totp.data["secret"]) == TOTP_SECRET


def test_resetting_a_second_factor_ends_that_persons_sessions(client, coordinator):
    from django.test import TestCase

    _sign_in(client, coordinator)
    assert client.get(reverse("home")).status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP).delete()
    assert client.get(reverse("home")).status_code == 302
    assert not DjangoSession.objects.exists()


@pytest.mark.parametrize(("seconds_later", "accepted"), [(30, True), (-30, True), (90, False)])
def test_a_code_from_the_moment_before_or_after_still_works_but_no_older(
    client, coordinator, seconds_later, accepted
):
    """A code typed as the app moves on, or sent over a slow connection, is not refused."""
    import time_machine

    now = time.time()
    code = totp_code(TOTP_SECRET, at=now)
    client.post(reverse("account_login"), {"login": coordinator.email, "password": PASSWORD})
    with time_machine.travel(now + seconds_later, tick=False):
        client.post(reverse("mfa_authenticate"), {"code": code})
    assert ("_auth_user_id" in client.session) == accepted
