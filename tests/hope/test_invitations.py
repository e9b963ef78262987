from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from facilitators.models import FacilitatorProfile
from hope.models import AuditEvent, Invitation, User
from hope.roles import FacilitatorKind, Role, role_names
from hope.services import InvitationError, invitation_accept, invitation_create
from tests.concurrency import run_together
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a-long-walk-by-the-canal"


def invite_via_form(client, **overrides):
    data = {
        "email": "new.facilitator@example.org",
        "full_name": "Nia Facilitator",
        "roles": [Role.FACILITATOR],
        "facilitator_kind": FacilitatorKind.LIVED_EXPERIENCE,
        **overrides,
    }
    return client.post(reverse("invite"), data)


def test_coordinator_invites_and_the_email_is_sent_after_commit(
    client, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks() as callbacks:
        response = invite_via_form(client)
    assert response.status_code == 302
    assert len(mail.outbox) == 0  # nothing before the commit...
    for callback in callbacks:
        callback()
    invitation = Invitation.objects.get()
    assert invitation.roles == [Role.FACILITATOR]
    assert invitation.invited_by == coordinator
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.facilitator@example.org"]
    assert f"/invitations/{invitation.token}/" in message.body
    assert message.alternatives and "text/html" == message.alternatives[0][1]
    assert AuditEvent.objects.filter(action="invitation.created", actor=coordinator).exists()


def test_no_email_is_sent_when_the_transaction_rolls_back(
    coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        invitation_create(
            email="x@example.org", full_name="X", roles=[Role.VOLUNTEER], by=coordinator
        )
    # Nothing is sent until the commit runs the callbacks.
    assert len(mail.outbox) == 0
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter the email address in the right form"),
        ({"roles": []}, "roles", "Choose at least one role."),
        ({"facilitator_kind": ""}, "facilitator_kind", "Choose workforce or lived experience"),
        (
            {"roles": [Role.VOLUNTEER], "facilitator_kind": FacilitatorKind.WORKFORCE},
            "facilitator_kind",
            "Only facilitators have a kind",
        ),
        ({"email": "coordinator@example.org"}, "email", "already has an account"),
    ],
)
def test_bad_invitation_is_refused_at_the_field_and_saves_nothing(
    client, coordinator, overrides, field, message
):
    client.force_login(coordinator)
    response = invite_via_form(client, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message.split(":")[0] in response.content.decode().replace("&#x27;", "'")
    assert not Invitation.objects.exists()
    assert len(mail.outbox) == 0


def test_second_open_invitation_for_same_address_is_refused(client, coordinator):
    InvitationFactory(email="twice@example.org")
    client.force_login(coordinator)
    response = invite_via_form(client, email="Twice@Example.org")
    assert "already has an open invitation" in response.context["form"].errors["email"][0]
    assert Invitation.objects.count() == 1


def test_invitee_sets_password_and_gets_roles_profile_and_verified_email(client):
    invitation = InvitationFactory(
        email="wf@example.org",
        roles=[Role.FACILITATOR, Role.VOLUNTEER],
        facilitator_kind=FacilitatorKind.WORKFORCE,
    )
    url = reverse("invitation_accept", args=[invitation.token])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"full_name": "Wren Field", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email="wf@example.org")
    assert user.full_name == "Wren Field"
    assert role_names(user) == {Role.FACILITATOR, Role.VOLUNTEER}
    assert FacilitatorProfile.objects.get(user=user).kind == FacilitatorKind.WORKFORCE
    assert EmailAddress.objects.get(user=user).verified
    invitation.refresh_from_db()
    assert invitation.accepted_user == user
    # Signed in straight away, and the link cannot be used twice.
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"password1": GOOD_PASSWORD, "password2": "different-one-here"},
            "password2",
            "do not match",
        ),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
    ],
)
def test_weak_or_mismatched_password_is_refused(client, data, field, message):
    invitation = InvitationFactory()
    url = reverse("invitation_accept", args=[invitation.token])
    response = client.post(url, {"full_name": "Someone", **data})
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not User.objects.filter(email=invitation.email).exists()


def test_expired_revoked_or_forged_links_are_refused(client):
    expired = InvitationFactory(expires_at=timezone.now() - timedelta(minutes=1))
    revoked = InvitationFactory(revoked_at=timezone.now())
    for token in [expired.token, revoked.token, "forged-but-well-formed-token"]:
        response = client.get(reverse("invitation_accept", args=[token]))
        assert response.status_code == 404
        assert "not valid" in response.content.decode()
    assert User.objects.count() == 2  # only the two inviting coordinators


def test_resend_replaces_the_link_and_withdraw_closes_it(
    client, coordinator, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(invited_by=coordinator)
    old_token = invitation.token
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.token != old_token
    assert len(mail.outbox) == 1 and invitation.token in mail.outbox[0].body
    client.post(reverse("invitation_revoke", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client.logout()
    assert client.get(reverse("invitation_accept", args=[invitation.token])).status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"invitation.resent", "invitation.revoked"} <= actions


def test_public_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "walk-in@example.org", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert not User.objects.filter(email="walk-in@example.org").exists()
    assert "by invitation" in response.content.decode()


def test_people_page_runs_a_fixed_number_of_queries(
    client, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)

    def load():
        with django_assert_max_num_queries(9):
            assert client.get(reverse("people")).status_code == 200

    UserFactory.create_batch(3, roles=[Role.VOLUNTEER])
    InvitationFactory.create_batch(2, invited_by=coordinator)
    load()
    UserFactory.create_batch(40, roles=[Role.VOLUNTEER, Role.FINANCE_LEAD])
    InvitationFactory.create_batch(20, invited_by=coordinator)
    load()


@pytest.mark.django_db(transaction=True)
def test_double_submitted_invitation_creates_one_account():
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    invitation = InvitationFactory(invited_by=coordinator)
    results = run_together(
        [
            lambda: invitation_accept(
                token=invitation.token, full_name="Twin", password=GOOD_PASSWORD
            )
        ]
        * 8
    )
    assert all(isinstance(r, User | InvitationError) for r in results), results
    outcomes = ["refused" if isinstance(r, InvitationError) else "created" for r in results]
    assert sorted(outcomes) == ["created"] + ["refused"] * 7
    assert User.objects.filter(email=invitation.email).count() == 1


def test_database_refuses_facilitator_without_kind(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(roles=[Role.FACILITATOR], facilitator_kind="")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(roles=["Wizard"])


def test_invitation_emails_go_through_the_outbox_and_show_on_the_message_log(
    client, coordinator, django_capture_on_commit_callbacks
):
    from hope.models import Message, MessageStatus

    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        invite_via_form(client)
    message = Message.objects.get(kind="invitation")
    assert message.to_address == "new.facilitator@example.org" and message.recipient is None
    assert message.status == MessageStatus.SENT
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert Message.objects.filter(kind="invitation").count() == 2  # a resend is a new email
    assert f"/invitations/{invitation.token}/" in mail.outbox[-1].body
    log = client.get(reverse("message_log"))
    rows = [(m.kind, m.to_address) for m in log.context["page"]]
    assert rows == [("invitation", "new.facilitator@example.org")] * 2
