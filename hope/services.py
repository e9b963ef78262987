"""Invitations: the only way a person gets an account."""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hope.audit import audit_record
from hope.models import AuditArea, AuditEvent, Invitation, User
from hope.outbox import message_create
from hope.roles import Role, has_role, is_coordinator
from hope.signals import roles_changed, roles_changing


class InvitationError(Exception):
    """The invitation cannot be created or used; the message is for the person."""


class TooManyInvitations(InvitationError):
    pass


def invitation_create(
    *,
    email: str,
    full_name: str,
    roles: list[str],
    facilitator_kind: str = "",
    is_driver: bool = False,
    by: User,
) -> Invitation:
    email = email.strip().lower()
    try:
        check_role_change(by=by, added=set(roles), removed=set())
    except PersonError as error:
        raise InvitationError(str(error)) from None
    if User.objects.filter(email__iexact=email).exists():
        raise InvitationError("This person already has an account.")
    try:
        with transaction.atomic():
            _check_invitation_rate(by)
            invitation = Invitation.objects.create(
                email=email,
                full_name=full_name.strip(),
                roles=sorted(set(roles)),
                facilitator_kind=facilitator_kind if Role.FACILITATOR in roles else "",
                is_driver=is_driver,
                invited_by=by,
            )
            audit_record(
                actor=by,
                action="invitation.created",
                target=invitation,
                summary=f"Invited {email} as {', '.join(invitation.role_labels())}",
            )
            _send_invitation(invitation, by=by)
    except IntegrityError:
        # Two coordinators inviting the same address at once: the partial unique
        # constraint lets one through.
        raise InvitationError(
            "This email address already has an open invitation; resend it from the list."
        ) from None
    return invitation


def _send_invitation(invitation: Invitation, *, by: User) -> None:
    """The invitation email, through the outbox like every message (it shows on
    /messages/). Keyed by the link's token: a resend has a new token, so a new email."""
    message_create(
        key=f"invitation:{invitation.pk}:{invitation.token[:16]}",
        kind="invitation",
        recipient=None,
        to_address=invitation.email,
        template="hope/email/invitation",
        context={
            "invitation": invitation,
            "accept_url": settings.SITE_URL + reverse("invitation_accept", args=[invitation.token]),
            "site_url": settings.SITE_URL,
        },
    )


def _check_invitation_rate(by: User) -> None:
    """At most INVITATIONS_PER_HOUR invitations and resends per person in an hour, counted
    from the audit trail. The inviter's row is locked so two tabs cannot both slip under."""
    User.objects.select_for_update().filter(pk=by.pk).first()
    sent = AuditEvent.objects.filter(
        actor=by,
        action__in=["invitation.created", "invitation.resent"],
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    if sent >= settings.INVITATIONS_PER_HOUR:
        raise TooManyInvitations(
            f"You have sent {sent} invitations in the last hour, the most allowed. Wait a "
            "while before sending more, or ask another coordinator."
        )


def may_manage_invitation(invitation: Invitation, by: User) -> bool:
    """Resending or withdrawing an invitation is for whoever could have sent it."""
    return set(invitation.roles) <= grantable_roles(by)


def _check_may_manage(invitation: Invitation, by: User) -> None:
    if not may_manage_invitation(invitation, by):
        raise InvitationError("Only someone who may give all its roles can change this invitation.")


def _lock_open_invitation(pk: int) -> Invitation:
    """Lock the row so a resend, a withdrawal and an acceptance cannot interleave."""
    invitation = Invitation.objects.select_for_update().get(pk=pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise InvitationError("This invitation has already been used or withdrawn.")
    return invitation


def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """A fresh link and expiry date; the old link stops working."""
    with transaction.atomic():
        _check_invitation_rate(by)
        invitation = _lock_open_invitation(invitation.pk)
        _check_may_manage(invitation, by)
        invitation.token = secrets.token_urlsafe(32)
        invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
        invitation.save(update_fields=["token", "expires_at", "updated_at"])
        audit_record(
            actor=by,
            action="invitation.resent",
            target=invitation,
            summary=f"Resent the invitation to {invitation.email}",
        )
        _send_invitation(invitation, by=by)
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    with transaction.atomic():
        invitation = _lock_open_invitation(invitation.pk)
        _check_may_manage(invitation, by)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=by,
            action="invitation.revoked",
            target=invitation,
            summary=f"Withdrew the invitation to {invitation.email}",
        )
    return invitation


def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the account, its roles and verified email address, in one transaction."""
    with transaction.atomic():
        # The row lock makes a double-submitted form (or two tabs) create one account.
        invitation = Invitation.objects.select_for_update().filter(token=token).first()
        if invitation is None or not invitation.can_be_accepted:
            raise InvitationError(
                "This invitation link is no longer valid. Ask your coordinator for a new one."
            )
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationError("An account with this email address already exists.")
        # Checked again now: an invitation made before the rule, or altered outside the
        # app, must not make anyone a finance lead on the word of someone who is not one.
        inviter = invitation.invited_by
        if Role.FINANCE_LEAD in invitation.roles and (
            inviter is None or Role.FINANCE_LEAD not in grantable_roles(inviter)
        ):
            raise InvitationError(
                "This invitation can no longer be used. Ask a finance lead for a new one."
            )
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            full_name=full_name.strip(),
            is_driver=invitation.is_driver,
        )
        user.groups.set(Group.objects.filter(name__in=invitation.roles))
        roles_changed.send(
            sender=User,
            person=user,
            added=set(invitation.roles),
            removed=set(),
            facilitator_kind=invitation.facilitator_kind,
        )
        # Following the emailed link proves the address, so no second verification mail.
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user", "updated_at"])
        audit_record(
            actor=user,
            action="invitation.accepted",
            target=invitation,
            summary=f"{invitation.email} accepted the invitation and set a password",
        )
        audit_role_changes(
            person=user, added=set(invitation.roles), removed=set(), by=invitation.invited_by
        )
    return user


# --- Roles and accounts ------------------------------------------------------------------


class PersonError(Exception):
    """The change to a person's account cannot be made; the message is for the person."""


FINANCE_ONLY_MESSAGE = (
    "Only a finance lead or an administrator can give or take away the Finance lead role."
)


def grantable_roles(by: User) -> set[str]:
    """The roles ``by`` may give or take away (separation of duties: nobody who is not
    a finance lead can make anyone, themselves or an alias, a finance lead)."""
    if by.is_superuser:
        return set(Role.values)
    roles = set()
    if is_coordinator(by):
        roles |= {Role.COORDINATOR, Role.FACILITATOR, Role.VOLUNTEER, Role.EVIDENCE_VIEWER}
    if has_role(by, Role.FINANCE_LEAD):
        roles.add(Role.FINANCE_LEAD)
    return roles


def check_role_change(*, by: User, added: set[str], removed: set[str]) -> None:
    refused = (set(added) | set(removed)) - grantable_roles(by)
    if Role.FINANCE_LEAD in refused:
        raise PersonError(FINANCE_ONLY_MESSAGE)
    if refused:
        raise PersonError(
            "Only a coordinator or an administrator can change the roles "
            + ", ".join(sorted(refused))
            + "."
        )


def audit_role_changes(*, person: User, added: set[str], removed: set[str], by) -> None:
    """One line per role given or taken away; the Finance lead role on the money trail."""
    for verb, roles in (("granted", added), ("removed", removed)):
        for role in sorted(roles):
            audit_record(
                actor=by,
                action=f"role.{verb}",
                target=person,
                area=AuditArea.MONEY if role == Role.FINANCE_LEAD else AuditArea.ACCOUNTS,
                summary=f"{'Gave' if verb == 'granted' else 'Took away'} the {role} role "
                f"{'to' if verb == 'granted' else 'from'} {person.email}",
            )


def check_person_change(
    *,
    person: User,
    by: User,
    added: set[str] = frozenset(),
    removed: set[str] = frozenset(),
    facilitator_kind: str = "",
    deactivating: bool = False,
) -> None:
    """Every rule for changing someone's account, for the app and the admin alike. The
    apps add theirs through ``roles_changing`` (e.g. a facilitator needs a kind)."""
    check_role_change(by=by, added=added, removed=removed)
    if added or removed:
        roles_changing.send(
            sender=User,
            person=person,
            added=set(added),
            removed=set(removed),
            facilitator_kind=facilitator_kind,
        )
    if deactivating:
        if person.pk == by.pk:
            raise PersonError("You cannot deactivate your own account. Ask another coordinator.")
        if person.is_superuser and not by.is_superuser:
            raise PersonError("Only an administrator can deactivate an administrator.")
        if not (is_coordinator(by) or by.is_superuser):
            raise PersonError("Only a coordinator or an administrator can deactivate accounts.")


def person_update(
    *,
    person: User,
    roles: list[str],
    is_driver: bool,
    facilitator_kind: str = "",
    by: User,
) -> User:
    """Change someone's roles and driver flag, within what ``by`` may grant."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        current = set(person.groups.values_list("name", flat=True))
        wanted = set(roles)
        added, removed = wanted - current, current - wanted
        check_person_change(
            person=person, by=by, added=added, removed=removed, facilitator_kind=facilitator_kind
        )
        person.groups.set(Group.objects.filter(name__in=wanted))
        person._hope_roles = None
        roles_changed.send(
            sender=User,
            person=person,
            added=added,
            removed=removed,
            facilitator_kind=facilitator_kind,
        )
        audit_role_changes(person=person, added=added, removed=removed, by=by)
        if person.is_driver != is_driver:
            person.is_driver = is_driver
            person.save(update_fields=["is_driver"])
            audit_record(
                actor=by,
                action="person.changed",
                target=person,
                summary=f"{person.email} is {'now' if is_driver else 'no longer'} a volunteer "
                "driver",
            )
    return person


def audit_active_change(*, person: User, active: bool, by, where: str = "") -> None:
    audit_record(
        actor=by,
        action="person.reactivated" if active else "person.deactivated",
        target=person,
        summary=f"{'Reactivated' if active else 'Deactivated'} the account of {person.email}"
        + where,
    )


def person_set_active(*, person: User, active: bool, by: User) -> User:
    """Deactivate (signed out everywhere, cannot sign in; records stay) or reactivate."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        check_person_change(person=person, by=by, deactivating=True)
        if person.is_active == active:
            return person
        person.is_active = active
        person.save(update_fields=["is_active"])  # ends their sessions (hope.receivers)
        audit_active_change(person=person, active=active, by=by)
    return person
