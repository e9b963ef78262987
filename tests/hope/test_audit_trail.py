"""One audit trail: append-only, complete, read by the right people, with the client's
address even behind proxies."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from expenses.services import expense_approve, expense_mark_paid, expense_reject, expense_submit
from hope.audit import audit_record
from hope.models import AuditArea, AuditEvent, Invitation
from hope.roles import Role, role_names
from tests.factories import (
    PASSWORD,
    BudgetFactory,
    ExpenseClaimFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DB_REFUSAL = (InternalError, ProgrammingError, IntegrityError)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


# --- Append-only ---------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_the_trail(coordinator):
    event = audit_record(actor=coordinator, action="test.event", summary="Something happened")
    with pytest.raises(DB_REFUSAL, match="cannot be changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="Nothing happened")
    with pytest.raises(DB_REFUSAL, match="cannot be deleted"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DB_REFUSAL), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM hope_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).summary == "Something happened"


def test_only_the_retention_job_may_delete_and_a_deleted_person_is_forgotten(coordinator):
    event = audit_record(actor=coordinator, action="test.event", summary="Something happened")
    other = UserFactory()
    audit_record(actor=other, action="test.event", summary="Kept")
    other.delete()  # the one change allowed: who it was becomes empty
    assert AuditEvent.objects.filter(summary="Kept", actor=None).exists()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hope.audit_purge = 'on'")
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_cannot_add_change_or_delete_lines(client, coordinator):
    coordinator.is_staff = coordinator.is_superuser = True
    coordinator.save()
    event = audit_record(actor=coordinator, action="test.event", summary="Something happened")
    client.force_login(coordinator)
    change_url = reverse("admin:hope_auditevent_change", args=[event.pk])
    page = client.get(change_url).content.decode()
    assert 'name="_save"' not in page
    assert client.post(change_url, {"summary": "Edited"}).status_code == 403
    delete_url = reverse("admin:hope_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:hope_auditevent_add")).status_code == 403


# --- What is recorded ----------------------------------------------------------------


def test_sign_ins_are_recorded_with_the_address_and_unknown_addresses_unnamed(client, volunteer):
    client.post(reverse("account_login"), {"login": volunteer.email, "password": "wrong-one"})
    client.post(
        reverse("account_login"), {"login": "typed-my-password@example.org", "password": "x"}
    )
    client.post(reverse("account_login"), {"login": volunteer.email, "password": PASSWORD})
    failed = list(AuditEvent.objects.filter(action="signin.failed").order_by("pk"))
    assert failed[0].summary == f"Failed sign-in for {volunteer.email}"
    assert "typed-my-password" not in failed[1].summary
    success = AuditEvent.objects.get(action="signin.succeeded")
    assert success.actor == volunteer and success.ip_address == "127.0.0.1"
    assert {e.area for e in [*failed, success]} == {AuditArea.ACCOUNTS}


def test_two_factor_changes_are_recorded(client, volunteer):
    from hope.signin import give_authenticator

    give_authenticator(volunteer, "JBSWY3DPEHPK3PXP")
    assert {"mfa.added"} <= set(actions())
    from allauth.mfa.models import Authenticator

    Authenticator.objects.filter(user=volunteer).delete()
    assert "mfa.removed" in actions()


def test_an_administrator_resetting_a_second_factor_is_named_on_the_trail(client, coordinator):
    """Before: the line said "no one signed in", so who reset it was lost."""
    from allauth.mfa.models import Authenticator

    admin = UserFactory(roles=[], is_staff=True, is_superuser=True)
    totp = Authenticator.objects.get(user=coordinator, type=Authenticator.Type.TOTP)
    client.force_login(admin)
    response = client.post(
        reverse("admin:mfa_authenticator_delete", args=[totp.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="mfa.removed", target_id=str(coordinator.pk))
    assert event.actor == admin and event.ip_address == "127.0.0.1"
    page = client.get(reverse("audit_trail")).content.decode()
    assert f"{admin.full_name} ({admin.email})" in page


def test_claim_decisions_are_on_the_money_trail(volunteer, finance_lead):
    BudgetFactory()
    first = expense_submit(claim=ExpenseClaimFactory(claimant=volunteer), by=volunteer)
    second = expense_submit(claim=ExpenseClaimFactory(claimant=volunteer), by=volunteer)
    expense_approve(claim=first, by=finance_lead)
    expense_mark_paid(claim=first, by=finance_lead, paid_on=timezone.localdate(), reference="BACS1")
    expense_reject(claim=second, by=finance_lead, reason="Personal: my hospital parking")
    money = AuditEvent.objects.filter(area=AuditArea.MONEY)
    assert {"expense.approved", "expense.paid", "expense.rejected"} <= set(
        money.values_list("action", flat=True)
    )
    assert not AuditEvent.objects.filter(summary__contains="hospital").exists()


def test_rate_and_budget_changes_record_old_and_new_values(client, finance_lead):
    client.force_login(finance_lead)
    client.post(
        reverse("expenses:rates"),
        {
            "car_rate": "0.50",
            "car_rate_after": "0.25",
            "threshold_miles": "10000",
            "passenger_rate": "0.05",
            "claim_limit": "500.00",
        },
    )
    event = AuditEvent.objects.get(action="rates.changed")
    assert "0.45 → 0.50" in event.summary and event.area == AuditArea.MONEY


# --- Roles and separation of duties -----------------------------------------------------


def test_a_coordinator_cannot_make_themselves_or_an_alias_a_finance_lead(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("person_detail", args=[coordinator.pk]),
        {"roles": [Role.COORDINATOR, Role.FINANCE_LEAD]},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["roles"] == ["Choose the roles from the list."]
    assert role_names(type(coordinator).objects.get(pk=coordinator.pk)) == {Role.COORDINATOR}

    response = client.post(
        reverse("invite"),
        {"email": "alias@example.org", "full_name": "Alias", "roles": [Role.FINANCE_LEAD]},
    )
    assert response.status_code == 200
    assert not Invitation.objects.filter(email="alias@example.org").exists()
    page = client.get(reverse("invite")).content.decode()
    assert "Only a finance lead or an administrator can make someone a finance lead" in page


def test_the_service_refuses_a_finance_grant_whatever_the_form(coordinator, volunteer):
    from hope.services import InvitationError, PersonError, invitation_create, person_update

    with pytest.raises(PersonError, match="Only a finance lead"):
        person_update(person=volunteer, roles=[Role.FINANCE_LEAD], is_driver=False, by=coordinator)
    with pytest.raises(InvitationError, match="Only a finance lead"):
        invitation_create(
            email="alias@example.org", full_name="A", roles=[Role.FINANCE_LEAD], by=coordinator
        )


def test_a_finance_lead_grants_finance_lead_and_it_is_on_the_money_trail(
    client, finance_lead, volunteer
):
    client.force_login(finance_lead)
    response = client.post(
        reverse("person_detail", args=[volunteer.pk]), {"roles": [Role.FINANCE_LEAD]}
    )
    assert response.status_code == 302
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    # The finance lead could not touch the Volunteer role, so it stays.
    assert role_names(volunteer) == {Role.VOLUNTEER, Role.FINANCE_LEAD}
    event = AuditEvent.objects.get(action="role.granted")
    assert event.area == AuditArea.MONEY and event.actor == finance_lead


def test_coordinators_change_other_roles_and_each_change_is_recorded(
    client, coordinator, volunteer
):
    client.force_login(coordinator)
    client.post(
        reverse("person_detail", args=[volunteer.pk]),
        {"roles": [Role.FACILITATOR], "facilitator_kind": "workforce", "is_driver": "on"},
    )
    volunteer = type(volunteer).objects.get(pk=volunteer.pk)
    assert role_names(volunteer) == {Role.FACILITATOR}
    assert volunteer.facilitator_profile.kind == "workforce"
    summaries = set(AuditEvent.objects.values_list("summary", flat=True))
    assert f"Gave the Facilitator role to {volunteer.email}" in summaries
    assert f"Took away the Volunteer role from {volunteer.email}" in summaries


def test_the_admin_applies_the_same_rule_and_records_role_changes(client, coordinator, volunteer):
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_user", "view_user"])
    )
    client.force_login(coordinator)
    url = reverse("admin:hope_user_change", args=[volunteer.pk])
    data = {
        "email": volunteer.email,
        "full_name": volunteer.full_name,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    finance = Group.objects.get(name=Role.FINANCE_LEAD)
    volunteer_group = Group.objects.get(name=Role.VOLUNTEER)
    response = client.post(url, {**data, "groups": [volunteer_group.pk, finance.pk]})
    assert response.status_code == 200
    assert "Only a finance lead or an administrator" in response.content.decode()
    assert role_names(type(volunteer).objects.get(pk=volunteer.pk)) == {Role.VOLUNTEER}

    response = client.post(url, {**data, "groups": [], "is_active": ""})
    assert response.status_code == 302
    recorded = set(actions())
    assert {"role.removed", "person.deactivated"} <= recorded


def test_deactivating_through_the_app_asks_first_then_records_it(client, coordinator, volunteer):
    client.force_login(coordinator)
    page = client.get(reverse("person_deactivate", args=[volunteer.pk])).content.decode()
    assert "sign " in page and "out on every device" in page
    assert type(volunteer).objects.get(pk=volunteer.pk).is_active
    client.post(reverse("person_deactivate", args=[volunteer.pk]))
    assert not type(volunteer).objects.get(pk=volunteer.pk).is_active
    assert "person.deactivated" in actions()
    response = client.post(reverse("person_deactivate", args=[coordinator.pk]), follow=True)
    assert "cannot deactivate your own account" in response.content.decode()


def test_invitations_and_resends_are_rate_limited_per_inviter(client, coordinator, settings):
    settings.INVITATIONS_PER_HOUR = 3
    client.force_login(coordinator)
    for n in range(2):
        client.post(
            reverse("invite"),
            {"email": f"new{n}@example.org", "full_name": "New", "roles": [Role.VOLUNTEER]},
        )
    client.post(reverse("invitation_resend", args=[Invitation.objects.first().pk]))
    response = client.post(
        reverse("invite"),
        {"email": "one-too-many@example.org", "full_name": "New", "roles": [Role.VOLUNTEER]},
    )
    assert "the most allowed" in response.content.decode()
    assert not Invitation.objects.filter(email="one-too-many@example.org").exists()
    # Another coordinator is not held back by this one's count.
    other = UserFactory(roles=[Role.COORDINATOR])
    client.force_login(other)
    client.post(
        reverse("invite"),
        {"email": "one-too-many@example.org", "full_name": "New", "roles": [Role.VOLUNTEER]},
    )
    assert Invitation.objects.filter(email="one-too-many@example.org").exists()


# --- Reading the trail ------------------------------------------------------------------


def test_each_role_reads_its_own_parts(client, coordinator, finance_lead, volunteer):
    audit_record(actor=coordinator, action="course.created", summary="Rota line")
    audit_record(
        actor=finance_lead, action="rates.changed", area=AuditArea.MONEY, summary="Money line"
    )
    audit_record(
        actor=coordinator, action="invitation.created", area=AuditArea.ACCOUNTS, summary="Acc"
    )

    def lines(user, **query):
        client.force_login(user)
        response = client.get(reverse("audit_trail"), query)
        return {event.summary for event in response.context["page"]}

    assert {"Rota line", "Acc"} <= lines(coordinator)
    assert "Money line" not in lines(coordinator)
    assert "Money line" in lines(finance_lead)
    assert not {"Rota line", "Acc"} & lines(finance_lead)
    assert lines(coordinator, area="money") == lines(coordinator)  # not theirs: ignored
    assert lines(coordinator, q="rota") == {"Rota line"}
    client.force_login(volunteer)
    assert client.get(reverse("audit_trail")).status_code == 403
    assert AuditEvent.objects.filter(
        action="personal_data.viewed", summary="Opened the audit trail", actor=finance_lead
    ).exists()


def test_viewing_lists_of_people_is_recorded(client, coordinator):
    client.force_login(coordinator)
    for name in ["people", "message_log", "facilitators:facilitator_list"]:
        client.get(reverse(name))
    viewed = set(
        AuditEvent.objects.filter(action="personal_data.viewed").values_list("summary", flat=True)
    )
    assert viewed >= {
        "Opened the list of people",
        "Opened the message log",
        "Opened the list of facilitators",
    }


def test_the_audit_page_runs_a_fixed_number_of_queries(
    client, coordinator, django_assert_max_num_queries
):
    client.force_login(coordinator)
    counts = []
    for size in (5, 200):
        for n in range(size):
            audit_record(actor=coordinator, action="x", summary=f"Line {n}")
        client.get(reverse("audit_trail"))
        with django_assert_max_num_queries(12) as captured:
            client.get(reverse("audit_trail"), {"since": "2000-01-01", "q": "1"})
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --- Behind a proxy ---------------------------------------------------------------------


def _fail_sign_in(client, address: str):
    return client.post(
        reverse("account_login"),
        {"login": "nobody@example.org", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",  # the proxy
        HTTP_X_FORWARDED_FOR=address,
    )


def test_behind_a_trusted_proxy_rate_limits_and_audit_use_the_client_address(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    for _ in range(3):
        _fail_sign_in(client, "203.0.113.7")
    assert "Too many failed" in _fail_sign_in(client, "203.0.113.7").content.decode()
    assert "Too many failed" not in _fail_sign_in(client, "198.51.100.4").content.decode()
    addresses = set(AuditEvent.objects.values_list("ip_address", flat=True))
    assert addresses == {"203.0.113.7", "198.51.100.4"}


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip"}
    for n in range(3):
        _fail_sign_in(client, f"203.0.113.{n}")  # a client inventing addresses
    assert "Too many failed" in _fail_sign_in(client, "198.51.100.4").content.decode()
    assert set(AuditEvent.objects.values_list("ip_address", flat=True)) == {"10.0.0.2"}


def test_staff_who_are_not_administrators_cannot_make_administrators(client, coordinator):
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_user", "view_user", "view_invitation"])
    )
    client.force_login(coordinator)
    page = client.get(reverse("admin:hope_user_change", args=[coordinator.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    # Invitations are read-only in the admin, and their links are never shown.
    invitation = Invitation.objects.create(
        email="x@example.org", full_name="X", roles=[Role.VOLUNTEER], invited_by=coordinator
    )
    page = client.get(reverse("admin:hope_invitation_change", args=[invitation.pk]))
    assert invitation.token not in page.content.decode()
    assert client.get(reverse("admin:hope_invitation_add")).status_code == 403


def test_the_admin_keeps_the_apps_rules_for_facilitators_and_deactivation(client, coordinator):
    coordinator.is_staff = coordinator.is_superuser = True
    coordinator.save()
    client.force_login(coordinator)
    person = UserFactory(roles=[Role.VOLUNTEER])
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    facilitator = Group.objects.get(name=Role.FACILITATOR)
    response = client.post(
        reverse("admin:hope_user_change", args=[person.pk]), {**data, "groups": [facilitator.pk]}
    )
    assert "where you choose workforce or lived experience" in response.content.decode()
    own = {**data, "email": coordinator.email, "full_name": coordinator.full_name}
    own["is_active"] = ""
    response = client.post(reverse("admin:hope_user_change", args=[coordinator.pk]), own)
    assert "cannot deactivate your own account" in response.content.decode()


def test_an_old_invitation_cannot_make_a_finance_lead_on_a_coordinators_word(client, coordinator):
    from hope.services import InvitationError, invitation_accept

    invitation = Invitation.objects.create(
        email="alias@example.org", full_name="A", roles=[Role.FINANCE_LEAD], invited_by=coordinator
    )
    with pytest.raises(InvitationError, match="Ask a finance lead"):
        invitation_accept(token=invitation.token, full_name="A", password=PASSWORD)
