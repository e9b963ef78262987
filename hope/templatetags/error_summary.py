"""The error summary at the top of every page that shows a form with errors (GOV.UK's
pattern), found in the page's own context so no view or template has to remember it."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms, template
from django.forms.formsets import BaseFormSet

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    text: str
    field_id: str = ""  # the input the link jumps to; empty for an error about the whole form


def _forms_in(value) -> list:
    """The forms and formsets a context value holds: itself, or those in a list of them
    (a page with one form per row). Never iterates anything else (a queryset would query).

    It asks ``type()``, not ``isinstance()``: isinstance reads ``__class__``, which makes a
    lazy value work itself out, and the context's lazy CSRF token would then set a CSRF
    cookie on every page, the publicly cached ones (/find/) included."""
    if issubclass(type(value), forms.BaseForm | BaseFormSet):
        return [value]
    if issubclass(type(value), list | tuple):
        return [item for item in value if issubclass(type(item), forms.BaseForm | BaseFormSet)]
    return []


def _field_id(bound_field) -> str:
    if bound_field.is_hidden:
        return ""
    # Radio buttons and checkbox lists have no single input: link to the first one.
    return bound_field.id_for_label or (f"{bound_field.auto_id}_0" if bound_field.auto_id else "")


def _form_errors(form: forms.BaseForm) -> list[SummaryError]:
    found = [SummaryError(str(error)) for error in form.non_field_errors()]
    for bound_field in form:
        found += [SummaryError(str(error), _field_id(bound_field)) for error in bound_field.errors]
    return found


def _errors_of(item) -> list[SummaryError]:
    if not item.is_bound:
        return []
    if isinstance(item, BaseFormSet):
        found = [SummaryError(str(error)) for error in item.non_form_errors()]
        for form in item.forms:
            found += _form_errors(form)
        return found
    return _form_errors(item)


@register.simple_tag(takes_context=True)
def page_errors(context) -> list[SummaryError]:
    """Every error of every bound form or formset in the page's context, in the order the
    view gave them (each form once, however many names it has)."""
    seen: set[int] = set()
    errors: list[SummaryError] = []
    for value in context.flatten().values():
        for item in _forms_in(value):
            if id(item) in seen:
                continue
            seen.add(id(item))
            errors += _errors_of(item)
    return errors
