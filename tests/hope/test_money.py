from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template


def shown(value) -> str:
    return Template("{% load hope_tags %}{{ value|pounds }}").render(Context({"value": value}))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("7500"), "£7,500.00"),
        (Decimal("1234567.89"), "£1,234,567.89"),
        (Decimal("0.005"), "£0.01"),  # half a penny rounds up, as a person would
        (Decimal("-12.5"), "-£12.50"),
        (Decimal("-0.001"), "£0.00"),
        (0, "£0.00"),
        ("45.10", "£45.10"),
        (None, ""),
        ("", ""),
        ("not money", ""),
    ],
)
def test_money_reads_like_money(value, text):
    assert shown(value) == text
