"""URL parts checked before any view sees them: a token is URL-safe base64 and nothing
else, so a NUL byte or a megabyte of text is a 404 rather than a database error."""

from django.urls import register_converter


class TokenConverter:
    regex = "[A-Za-z0-9_-]{16,86}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")
