"""Requests no page should have to think about."""

from __future__ import annotations

import re

from django.core.exceptions import BadRequest

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RefuseControlCharactersMiddleware:
    """A control character in the path, or a NUL in a query-string value, is a bad request
    (400), refused before any view can pass it to PostgreSQL, which cannot store NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _CONTROL.search(request.path) or any(
            "\x00" in value for _, values in request.GET.lists() for value in values
        ):
            raise BadRequest("The address contains characters that are not allowed.")
        return self.get_response(request)
