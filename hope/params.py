"""Reading values from query strings and hidden fields without ever raising.

Everything here is hostile until it has passed: only ASCII digits make a number (Python's
int() also takes "١٢" and " 12 ", and str.isdigit() says yes to "²", which int() refuses),
numbers stay inside PostgreSQL's integer range, and dates inside the years the app works
with, so nothing downstream overflows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

# The years any date typed into the app may fall in (forms say so in words; filters
# quietly ignore anything outside).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
LARGEST_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def int_or_none(value: str | None, *, largest: int = LARGEST_ID) -> int | None:
    """A whole number from 1 to ``largest`` written in ASCII digits, or None."""
    if not value or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= largest else None


def ids(values: Iterable[str]) -> list[int]:
    """The valid ids among several values (e.g. ticked checkboxes), without repeats."""
    return sorted({n for n in (int_or_none(v) for v in values) if n is not None})


def date_or_none(value: str | None) -> date | None:
    """An ISO date (2026-11-26) between FIRST_DAY and LAST_DAY, or None."""
    if not value or not _ISO_DATE.fullmatch(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None
