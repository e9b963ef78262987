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


# An outward code, as in _POSTCODE: area letters, then a district number of one or two
# digits, or one digit and a sub-district letter (SW1A). Four characters at most.
_DISTRICT = re.compile(r"([A-Z]{1,2})([0-9][0-9]?)([A-Z]?)", re.ASCII)


def postcode_district(postcode: str) -> str:
    """The outward code of a stored postcode ("NG4" of "NG4 2RL"): an area, not a door."""
    return postcode.split(" ")[0] if postcode else ""


def uk_district(value: str) -> str:
    """A postcode district as typed ("ng4", "NG4 2RL" too), as "NG4"; ValidationError
    otherwise."""
    text = "".join(value.split()).upper()
    full = _POSTCODE.fullmatch(text)
    if full:
        text = full[1]
    match = _DISTRICT.fullmatch(text)
    if not match or (len(match[2]) == 2 and match[3]):
        raise ValidationError("Enter a postcode district, like NG4 or LS1.", code="invalid")
    return text


def district_nearness(origin: str, district: str) -> tuple:
    """A sort key putting districts nearest ``origin`` first, without a map: the same
    district, then the same area by how far apart the district numbers are (NG4, then NG3
    and NG5), then other areas alphabetically. Rough, but Royal Mail numbered most areas
    outward from their centre, and it needs no outside data."""
    here, there = _DISTRICT.fullmatch(origin or ""), _DISTRICT.fullmatch(district or "")
    if not there:
        return (3, 0, district)
    if not here:
        return (2, 0, district)
    if here[1] != there[1]:
        return (2, 0, district)
    return (0 if district == origin else 1, abs(int(here[2]) - int(there[2])), district)
