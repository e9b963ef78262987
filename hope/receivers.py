"""Sign-in and two-factor events onto the audit trail; connected in HopeConfig.ready()."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from hope.audit import audit_record
from hope.models import AuditArea, User
from hope.requestcontext import client_ip, current_user
from hope.signin import end_sessions, mark_signed_in


def on_signed_in(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    mark_signed_in(request.session, user)
    audit_record(
        actor=user, action="signin.succeeded", target=user, summary=f"{user.email} signed in"
    )
    # allauth tracks sessions it creates itself; sign-ins elsewhere (accepting an
    # invitation) are tracked here, so deactivating a person ends every session.
    if client_ip(request) is not None:
        from allauth.usersessions.models import UserSession

        UserSession.objects.create_from_request(request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only a known address is named: people sometimes type a password into the email box.
    email = str(credentials.get("email") or credentials.get("username") or "")
    person = User.objects.filter(email__iexact=email).first() if email else None
    audit_record(
        actor=None,
        action="signin.failed",
        target=person,
        area=AuditArea.ACCOUNTS,
        summary=(
            f"Failed sign-in for {person.email}"
            if person
            else "Failed sign-in for an address with no account"
        ),
    )


def on_second_factor_failed(sender, request, user, **kwargs) -> None:
    audit_record(
        actor=None,
        action="signin.second_step_failed",
        target=user,
        summary=f"Wrong two-factor code for {user.email}",
    )


def on_authenticator_saved(sender, instance: Authenticator, created: bool, **kwargs) -> None:
    if created:
        audit_record(
            actor=instance.user,
            action="mfa.added",
            target=instance.user,
            summary=f"{instance.user.email} added {instance.get_type_display().lower()}",
        )


def on_authenticator_deleted(sender, instance: Authenticator, **kwargs) -> None:
    audit_record(
        # Whoever is signed in: the person themselves, or an administrator resetting it.
        actor=current_user(),
        action="mfa.removed",
        target=instance.user,
        summary=f"{instance.get_type_display()} removed for {instance.user.email}",
    )
    if instance.type == Authenticator.Type.TOTP:
        # Signed in with a second factor that no longer exists (an administrator reset
        # it after a lost phone): those sessions end, and the next sign-in starts afresh.
        user = instance.user
        transaction.on_commit(lambda: end_sessions(user))


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    audit_record(
        actor=user,
        action="mfa.reset",
        target=user,
        summary=f"{user.email} made new {authenticator.get_type_display().lower()}",
    )


def on_person_saving(sender, instance: User, **kwargs) -> None:
    instance._hope_deactivating = (
        instance.pk is not None
        and not instance.is_active
        and User.objects.filter(pk=instance.pk, is_active=True).exists()
    )


def on_person_saved(sender, instance: User, **kwargs) -> None:
    if getattr(instance, "_hope_deactivating", False):
        # Deactivated, through the app, the admin or the shell: their sessions go too,
        # once the change is committed (a rolled-back change signs nobody out).
        instance._hope_deactivating = False
        transaction.on_commit(lambda: end_sessions(instance))


def connect() -> None:
    pre_save.connect(on_person_saving, sender=User, dispatch_uid="hope_person_saving")
    post_save.connect(on_person_saved, sender=User, dispatch_uid="hope_person_saved")
    user_logged_in.connect(on_signed_in, dispatch_uid="hope_signed_in")
    user_login_failed.connect(on_sign_in_failed, dispatch_uid="hope_sign_in_failed")
    authentication_failed.connect(on_second_factor_failed, dispatch_uid="hope_mfa_failed")
    authenticator_reset.connect(on_authenticator_reset, dispatch_uid="hope_mfa_reset")
    post_save.connect(on_authenticator_saved, sender=Authenticator, dispatch_uid="hope_mfa_add")
    post_delete.connect(
        on_authenticator_deleted, sender=Authenticator, dispatch_uid="hope_mfa_removed"
    )
