"""What rows written in Python share: links to one object per row, the route reversed
once per page, and the CSRF field of each row's forms."""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString


def csrf_input(token: str) -> SafeString:
    """The hidden field ``{% csrf_token %}`` writes, for forms built outside a template;
    ``token`` from ``django.middleware.csrf.get_token(request)``."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


class RowLink:
    """``RowLink("programmes:participant_detail")(pk)`` is the URL of that page for ``pk``.
    The route (one integer argument) is reversed once and each row's URL formatted from
    it: ``{% url %}`` in a 50-row table reversed the same route 50 times a request."""

    def __init__(self, name: str, *within) -> None:
        # ``within``: the route's leading arguments, the same for every row (the session
        # of a register's lines); the row's own id comes last.
        self._before, self._after = _around_id(get_script_prefix(), get_urlconf(), name, within)

    def __call__(self, pk: int) -> str:
        return f"{self._before}{int(pk)}{self._after}"


_PLACEHOLDER = 2_147_483_647


@lru_cache(maxsize=1024)
def _around_id(prefix: str, urlconf, name: str, within: tuple) -> tuple[str, str]:
    # Once a process for each route (a reverse() cost 0.2 ms, and pages make several a
    # request), keyed by the script prefix and URLconf reverse() would use, so a site
    # served under a path (SCRIPT_NAME) never gets another's links.
    url = reverse(name, args=[*within, _PLACEHOLDER])
    before, _, after = url.partition(str(_PLACEHOLDER))
    return before, after
