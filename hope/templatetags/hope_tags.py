from datetime import timedelta

from django import template

register = template.Library()


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
    """Decimal pounds as £1,234.50."""
    if value is None:
        return ""
    return f"£{value:,.2f}"


@register.filter
def get_count(counts: dict, key: str) -> int:
    return counts.get(key, 0)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, key)
