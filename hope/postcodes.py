"""UK postcodes: one rule for every postcode field (venues, pick-ups, mileage journeys).

People type them in any case and spacing ("ls14ap", " LS1  4ap "); we keep them one way,
"LS1 4AP" — outward code, one space, inward code — so they match and read the same
everywhere. Only the shape is checked (Royal Mail's list is not ours to copy), and only
ASCII letters and digits: "ＬＳ１ ４ＡＰ" is not a postcode a driver can look up.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

# Outward code (area, district, optional sub-district letter) and inward code (sector and
# unit), e.g. LS1 4AP, SW1A 1AA, M1 1AE, EC1V 9LT; plus GIR 0AA, Girobank's own.
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?|GIR)([0-9][A-Z]{2})", re.ASCII)

POSTCODE_MESSAGE = "Enter a real postcode, like LS1 4AP."


def uk_postcode(value: str) -> str:
    """ "LS1 4AP" from "ls14ap" or " ls1  4ap "; ValidationError for anything else."""
    match = _POSTCODE.fullmatch("".join(value.split()).upper())
    if not match:
        raise ValidationError(POSTCODE_MESSAGE, code="invalid")
    return f"{match[1]} {match[2]}"


class PostcodeField(forms.CharField):
    """A UK postcode, normalised when the form is cleaned (so it is saved that way)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "postal-code")
        self.widget.attrs.setdefault("autocapitalize", "characters")
        self.widget.attrs.setdefault("spellcheck", "false")

    def to_python(self, value):
        # Strip the spaces before max_length is checked: "LS1    4AP" is still a postcode.
        value = super().to_python(value)
        return " ".join(value.split()) if value else value

    def clean(self, value):
        value = super().clean(value)
        return uk_postcode(value) if value else value
