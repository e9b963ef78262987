"""Where the current request comes from, for the audit trail.

Services stay free of ``request``: a middleware records the client's address for the
length of one request, and ``audit_record`` reads it. Outside a request (Celery, the
shell, migrations) there is no address, and the audit line says so by leaving it empty.
"""

from __future__ import annotations

from contextvars import ContextVar

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

_client_ip: ContextVar[str | None] = ContextVar("hope_client_ip", default=None)


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


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
