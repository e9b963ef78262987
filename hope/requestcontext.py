"""Where the current request comes from, and who made it, for the audit trail.

Services stay free of ``request``: a middleware records the client's address and the
request for the length of one request; ``audit_record`` reads the address, and receivers
of model signals (which carry no request) read who is signed in. Outside a request
(Celery, the shell, migrations) there is neither, and the audit line leaves them empty.
"""

from __future__ import annotations

from contextvars import ContextVar

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

_client_ip: ContextVar[str | None] = ContextVar("hope_client_ip", default=None)
_request: ContextVar[object | None] = ContextVar("hope_request", default=None)


def client_ip(request) -> str | None:
    """The client's address, by the same rule as allauth's rate limits.

    Behind proxies, ``TRUSTED_PROXY_COUNT`` (settings) says how many of the rightmost
    X-Forwarded-For entries our own proxies added; without it the header is ignored,
    because anyone can send one.
    """
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        # No address, or fewer X-Forwarded-For entries than TRUSTED_PROXY_COUNT (a request
        # that did not come through our proxies): the line is written without an address.
        return None


def current_ip() -> str | None:
    return _client_ip.get()


def current_user():
    """The person signed in on the current request, or None (no request, or signed out).

    For changes seen only as a model signal (an administrator deleting someone's
    authenticator in the admin), which carry no ``request``. The authentication
    middleware runs after ours and sets ``request.user`` on the same object.
    """
    user = getattr(_request.get(), "user", None)
    return user if user is not None and user.is_authenticated else None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        request_token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(request_token)
            _client_ip.reset(token)
