"""Sign-in rules: two-factor sign-in for those who hold money and personal data, an idle
timeout for everyone, and at most 12 hours for a privileged sign-in.

Coordinators, finance leads, evidence viewers and admin staff must sign in with a second
factor (allauth's TOTP and recovery codes). Until they have set one up,
``SessionPolicyMiddleware`` lets them reach only the set-up pages. allauth itself asks for
the code at every sign-in once an authenticator exists.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse

from hope.roles import Role, role_names

SIGNED_IN_AT = "hope_signed_in_at"
HAS_SECOND_FACTOR = "hope_has_second_factor"
LAST_SEEN = "hope_last_seen"
# Writing the session on every request costs a query; a minute's precision is plenty.
LAST_SEEN_PRECISION = 60


# Evidence viewers too, though they see only anonymous, suppressed figures: they sign in
# from outside the team to the server that holds participants' records, so one leaked
# password should not be all that stands between the internet and that server; and the
# figures are the programme's evidence, not yet published (SECURITY.md).
MFA_ROLES = frozenset({Role.COORDINATOR, Role.FINANCE_LEAD, Role.EVIDENCE_VIEWER})


def mfa_required(user) -> bool:
    """Coordinators, finance leads, evidence viewers and anyone who can open the admin."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return bool(role_names(user) & MFA_ROLES)


def has_second_factor(user) -> bool:
    """An authenticator app is set up (one query, allauth's own)."""
    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP])


def mark_signed_in(session, user) -> None:
    """Called on every sign-in (``user_logged_in``), however it happened."""
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now
    session.pop(HAS_SECOND_FACTOR, None)  # asked afresh at every sign-in
    if mfa_required(user):
        if has_second_factor(user):
            session[HAS_SECOND_FACTOR] = True
        _cap_expiry(session, signed_in_at=now, now=now)


def _cap_expiry(session, *, signed_in_at: int, now: int) -> None:
    """ "Keep me signed in" lasts at most until the privileged limit, not for weeks."""
    if session.get_expire_at_browser_close():
        return
    # A little after the limit, so the middleware is the one to end it, saying why.
    ends_at = signed_in_at + settings.PRIVILEGED_SESSION_SECONDS + 5 * LAST_SEEN_PRECISION
    if session.get_expiry_age() > ends_at - now + LAST_SEEN_PRECISION:
        session.set_expiry(datetime.fromtimestamp(ends_at, tz=UTC))


def _allowed_while_setting_up(path: str) -> bool:
    allowed = [
        reverse("mfa_index"),
        reverse("account_logout"),
        reverse("account_reauthenticate"),
        reverse("accessibility"),
        reverse("healthz"),
        settings.STATIC_URL,
    ]
    return any(path.startswith(prefix) for prefix in allowed)


def _signed_out(request, message: str) -> HttpResponseRedirect:
    logout(request)
    messages.info(request, message)
    target = reverse("account_login")
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(target)


class SessionPolicyMiddleware:
    """After authentication and messages: ends idle and over-long sessions and holds
    privileged people at the two-factor set-up until they have a second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = int(time.time())
        idle = settings.SESSION_IDLE_SECONDS
        last_seen = session.get(LAST_SEEN, now)
        if idle and now - last_seen > idle:
            return _signed_out(
                request,
                f"You were signed out after {idle // 60} minutes without activity. "
                "Sign in again to carry on.",
            )
        privileged = mfa_required(user)
        if privileged:
            limit = settings.PRIVILEGED_SESSION_SECONDS
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            if now - signed_in_at >= limit:
                return _signed_out(
                    request,
                    f"For safety, coordinators, finance leads and evidence viewers sign in "
                    f"again after {limit // 3600} hours.",
                )
            # allauth applies "Keep me signed in" after the sign-in signal in some flows.
            _cap_expiry(session, signed_in_at=signed_in_at, now=now)
        if now - last_seen >= LAST_SEEN_PRECISION or LAST_SEEN not in session:
            session[LAST_SEEN] = now
        if (
            privileged
            and not session.get(HAS_SECOND_FACTOR)
            and not _allowed_while_setting_up(request.path)
        ):
            # Asked once a session: removing the authenticator ends every session anyway.
            if has_second_factor(user):
                session[HAS_SECOND_FACTOR] = True
            else:
                messages.warning(
                    request,
                    "Coordinators, finance leads, evidence viewers and administrators sign "
                    "in with a second step. Set up an authenticator app to carry on.",
                )
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


_SEALED = "sealed1:"


def _sealer():
    """Fernet keys from SECRET_KEY and SECRET_KEY_FALLBACKS, newest first, so rotating the
    secret key (with the old one kept as a fallback) keeps every authenticator working."""
    from cryptography.fernet import Fernet, MultiFernet
    from django.utils.crypto import salted_hmac

    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    keys = [
        Fernet(
            base64.urlsafe_b64encode(
                salted_hmac("hope.mfa", "key", secret=s, algorithm="sha256").digest()
            )
        )
        for s in secrets_
    ]
    return MultiFernet(keys)


class MFAAdapter(DefaultMFAAdapter):
    """Two rules on top of allauth's. Authenticator secrets are sealed in the database, so
    a copy of the database alone cannot make sign-in codes. People who must use two-factor
    sign-in cannot switch it off themselves; an administrator can reset it (they then set
    it up again at their next page)."""

    def encrypt(self, text: str) -> str:
        return _SEALED + _sealer().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_SEALED):
            return encrypted_text  # stored before sealing was introduced
        return _sealer().decrypt(encrypted_text.removeprefix(_SEALED).encode()).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and mfa_required(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


def end_sessions(user) -> int:
    """Sign the person out everywhere: every session they hold is deleted."""
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user=user))
    for user_session in sessions:
        user_session.end()
    return len(sessions)


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for ``secret`` now (or at ``at``)."""
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def give_authenticator(user, secret: str) -> None:
    """Set up an authenticator app with a known secret (demo accounts and tests only)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not has_second_factor(user):
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
