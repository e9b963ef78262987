from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from hope.formkit import bootstrap_field
from hope.nav import main_menu as _main_menu
from hope.nav import route as _route

register = template.Library()

PENNY = Decimal("0.01")


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The signed-in person's menu (hope/nav.py)."""
    return _main_menu(context)


@register.simple_tag
def route(name: str) -> str:
    """``{% url %}`` for a route without arguments, reversed once a process (hope/nav.py)."""
    return _route(name)


@register.filter
def duration_hm(value: timedelta | None) -> str:
    """2:30:00 as "2 h 30 min"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


@register.filter
def pounds(value) -> str:
    """Money as people read it: Decimal("7500") as £7,500.00, -12.5 as -£12.50; a
    value that is not a number (None, "") as nothing. Rounded to the penny, half up,
    in Decimal, so no float ever touches an amount."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    if not amount.is_finite():
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@register.filter
def get_count(counts: dict, key: str) -> int:
    return counts.get(key, 0)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, key)


@register.filter
def as_field(bound):
    """``|as_crispy_field``'s markup for a plain field, written in Python
    (``hope.formkit.bootstrap_field``)."""
    return bootstrap_field(bound)
