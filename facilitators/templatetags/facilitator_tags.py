from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from facilitators import mine
from hope.links import csrf_input

register = template.Library()


@register.simple_tag(takes_context=True)
def undo_form(context, claim, until, next="") -> SafeString:  # noqa: A002 - as the form names it
    """One claim's Undo form (``facilitators.mine.undo_form``), in a page's template."""
    token = context.get("csrf_token")
    csrf = csrf_input(str(token)) if token and str(token) != "NOTPROVIDED" else ""
    form = mine.undo_form(pks=[claim.pk], until=until, here=str(next or ""), csrf=csrf)
    return mark_safe(form)  # noqa: S308 - every value escaped by undo_form
