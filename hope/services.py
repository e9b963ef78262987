"""Invitations: the only way a person gets an account."""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from facilitators.models import FacilitatorProfile
from hope.audit import audit_record
from hope.models import Invitation, User
from hope.queue import enqueue_after_commit
from hope.roles import Role


class InvitationError(Exception):
    """The invitation cannot be created or used; the message is for the person."""


def invitation_create(
    *,
    email: str,
    full_name: str,
    roles: list[str],
    facilitator_kind: str = "",
    is_driver: bool = False,
    by: User,
) -> Invitation:
    from hope.tasks import send_invitation_email

    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvitationError("This person already has an account.")
    try:
        with transaction.atomic():
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
            enqueue_after_commit(send_invitation_email, invitation.pk)
    except IntegrityError:
        # Two coordinators inviting the same address at once: the partial unique
        # constraint lets one through.
        raise InvitationError(
            "This email address already has an open invitation; resend it from the list."
        ) from None
    return invitation


def _lock_open_invitation(pk: int) -> Invitation:
    """Lock the row so a resend, a withdrawal and an acceptance cannot interleave."""
    invitation = Invitation.objects.select_for_update().get(pk=pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise InvitationError("This invitation has already been used or withdrawn.")
    return invitation


def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """A fresh link and expiry date; the old link stops working."""
    from hope.tasks import send_invitation_email

    with transaction.atomic():
        invitation = _lock_open_invitation(invitation.pk)
        invitation.token = secrets.token_urlsafe(32)
        invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
        invitation.save(update_fields=["token", "expires_at", "updated_at"])
        audit_record(
            actor=by,
            action="invitation.resent",
            target=invitation,
            summary=f"Resent the invitation to {invitation.email}",
        )
        enqueue_after_commit(send_invitation_email, invitation.pk)
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    with transaction.atomic():
        invitation = _lock_open_invitation(invitation.pk)
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
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            full_name=full_name.strip(),
            is_driver=invitation.is_driver,
        )
        user.groups.set(Group.objects.filter(name__in=invitation.roles))
        if invitation.facilitator_kind:
            FacilitatorProfile.objects.create(user=user, kind=invitation.facilitator_kind)
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
    return user
