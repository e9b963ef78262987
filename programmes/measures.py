"""Outcome measures: which exist, and how a set of answers becomes a score.

SWEMWBS and WEMWBS are used unaltered under their owners' free licence for NHS use
(© NHS Health Scotland, University of Warwick and University of Edinburgh); PAM is
licensed (Insignia Health), so only its score and level are entered, never its questions.
Totals are computed here, on the server, from the items; nothing out of range is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models


class Measure(models.TextChoices):
    SWEMWBS = "swemwbs", "SWEMWBS (short Warwick-Edinburgh Mental Wellbeing Scale)"
    WEMWBS = "wemwbs", "WEMWBS (Warwick-Edinburgh Mental Wellbeing Scale)"
    PAM = "pam", "PAM (Patient Activation Measure): score and level"


class Timepoint(models.TextChoices):
    FIRST = "first", "First session"
    LAST = "last", "Last session"
    FOLLOW_UP = "follow_up", "Follow-up"


ITEMS = {Measure.SWEMWBS: 7, Measure.WEMWBS: 14}
ITEM_RANGE = (1, 5)  # "none of the time" to "all of the time"

# SWEMWBS raw total (7-35) to its metric score, from the scale's conversion table.
SWEMWBS_METRIC = {
    7: "7.00", 8: "9.51", 9: "11.25", 10: "12.40", 11: "13.33", 12: "14.08", 13: "14.75",
    14: "15.32", 15: "15.84", 16: "16.36", 17: "16.88", 18: "17.43", 19: "17.98",
    20: "18.59", 21: "19.25", 22: "19.98", 23: "20.73", 24: "21.54", 25: "22.35",
    26: "23.21", 27: "24.11", 28: "25.03", 29: "26.02", 30: "27.03", 31: "28.13",
    32: "29.31", 33: "30.70", 34: "32.55", 35: "35.00",
}  # fmt: skip


class ScoreError(ValueError):
    """The answers cannot make a score; the message says which and how to fix it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Scored:
    items: list[int]
    total: Decimal
    metric: Decimal | None = None
    level: int | None = None


def score_items(measure: str, items: list) -> Scored:
    """SWEMWBS or WEMWBS from every item's answer, 1 to 5."""
    expected = ITEMS.get(measure)
    if expected is None:
        raise ScoreError(f"{measure} is not scored from items.")
    answers = []
    for number, raw in enumerate(items, start=1):
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ScoreError(
                f"Item {number}: enter a number from 1 to 5.", f"item_{number}"
            ) from None
        if not ITEM_RANGE[0] <= value <= ITEM_RANGE[1]:
            raise ScoreError(f"Item {number}: enter a number from 1 to 5.", f"item_{number}")
        answers.append(value)
    if len(answers) != expected:
        raise ScoreError(f"Enter all {expected} answers (1 to 5 each).")
    total = sum(answers)
    metric = Decimal(SWEMWBS_METRIC[total]) if measure == Measure.SWEMWBS else None
    return Scored(items=answers, total=Decimal(total), metric=metric)


def score_pam(score, level) -> Scored:
    """PAM's activation score (0-100, one decimal place) and level (1-4), as reported."""
    try:
        total = Decimal(str(score).strip())
    except InvalidOperation:
        raise ScoreError("Enter the PAM score, from 0 to 100.", "pam_score") from None
    if not total.is_finite() or not Decimal("0") <= total <= Decimal("100"):
        raise ScoreError("Enter the PAM score, from 0 to 100.", "pam_score")
    if total != total.quantize(Decimal("0.1")):
        raise ScoreError("Enter the PAM score with at most one decimal place.", "pam_score")
    try:
        level = int(str(level).strip())
    except ValueError:
        raise ScoreError("Choose the PAM level, 1 to 4.", "pam_level") from None
    if not 1 <= level <= 4:
        raise ScoreError("Choose the PAM level, 1 to 4.", "pam_level")
    return Scored(items=[], total=total, level=level)
