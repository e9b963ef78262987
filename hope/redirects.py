"""Going back where a form came from, without becoming an open redirect."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    """The form's ``next`` (POST, then GET) if it is a path on this site, else ``default``.

    Only paths ("/sessions/mine/") are taken: never another host, never a scheme, never a
    name that ``redirect()`` would try to reverse.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def redirect_back(request, default: str) -> HttpResponseRedirect:
    """Redirect to ``safe_next``; ``default`` is a URL (use ``reverse``), never a name."""
    return HttpResponseRedirect(safe_next(request, default))
