"""The bases every form in the app is built on.

Each rule here holds for every field of its kind, so no form can forget it:

- A date a person types lies between 2000 and 2100 (beyond that, date arithmetic
  overflows and no HOPE course has ever run), and the browser is told the same with min
  and max.
- Every error message names its field and says how to fix it, GOV.UK's way ("Enter the
  date you paid", "Choose a category"), never Django's "This field is required.": any
  message still in Django's default words when the form is cleaned is reworded from the
  field's name. A form's own messages are kept. The name is the label, lower-cased, unless
  the form gives a better one in ``error_names`` ("the date you paid").
"""

from __future__ import annotations

import inspect
import re
from html import escape as html_escape

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import fields as model_fields
from django.forms import fields as form_fields
from django.forms import models as model_forms
from django.forms.utils import flatatt, pretty_name
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from hope.params import FIRST_DAY, LAST_DAY

DATE_RANGE_MESSAGE = "Enter a date between 1 January 2000 and 31 December 2100."
# The browser's own date picker, with the ISO value it expects.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ListSelect(forms.Select):
    """A ``<select>`` written out in Python, with the same markup as Django's template.
    Django renders each option through its own template: for a list of 45 venues that was
    5 ms of each request of a page that shows the list (the reports' filters)."""

    def render(self, name, value, attrs=None, renderer=None):
        # Read once, not by list(): a model choice list would count its rows first.
        choices = [choice for choice in self.choices]
        if any(isinstance(label, list | tuple) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        # Django's Select.optgroups, without a dict of attributes for each option: only the
        # first matching option is selected, unless the select takes several.
        values, chosen = self.format_value(value), False
        options = []
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            selected = (not chosen or self.allow_multiple_selected) and option_value in values
            chosen |= selected
            options.append(
                f'\n  <option value="{conditional_escape(option_value)}"'
                f"{' selected' if selected else ''}>{conditional_escape(label)}</option>"
            )
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            name,
            flatatt(attrs),
            mark_safe("".join(options)),  # noqa: S308 - each value and label escaped above
        )


def _attrs_html(attrs: dict) -> str:
    """A widget's attributes as Django's ``attrs.html`` writes them, in the same order:
    ``True`` as a bare name, ``False`` left out, anything else as ``name="value"``,
    escaped as the template escapes it (a value already safe kept as it is)."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


# Django's templates that are its input.html and nothing else.
_INPUT_TEMPLATES = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "number", "email", "url", "password", "search", "tel")
    + ("date", "datetime", "time", "color")
}


def _widget_html(bound: forms.BoundField, attrs: dict) -> str:
    """The field's widget with these extra ``attrs``, as ``BoundField.as_widget`` writes
    it. A plain ``<input>`` is written here in the markup of Django's ``input.html``;
    any other widget renders itself (``ListSelect`` already in Python)."""
    widget = bound.field.widget
    if widget.template_name not in _INPUT_TEMPLATES or bound.field.localize:
        return bound.as_widget(attrs=attrs)
    attrs = bound.build_widget_attrs(attrs, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    value = (
        "" if context["value"] is None else f' value="{conditional_escape(str(context["value"]))}"'
    )
    return (
        f'<input type="{conditional_escape(context["type"])}" '
        f'name="{conditional_escape(context["name"])}"{value}{_attrs_html(context["attrs"])}>'
    )


def _is_plain(widget: forms.Widget) -> bool:
    """A widget crispy-bootstrap5 shows as a label, the control, errors and help text:
    text-like inputs, selects and text areas (not checkboxes, radios, files, hidden or
    several widgets in one)."""
    return not widget.is_hidden and (
        isinstance(widget, forms.Select | forms.Textarea)
        or (
            isinstance(widget, forms.widgets.Input)
            and not isinstance(widget, forms.CheckboxInput | forms.FileInput)
        )
    )


def bootstrap_field(bound: forms.BoundField) -> SafeString:
    """``{{ field|as_crispy_field }}`` for a plain field (``_is_plain``) of a form without
    a crispy helper, written here with crispy-bootstrap5's markup (``field.html`` and
    ``help_text_and_errors.html``, and our templates/bootstrap5/layout/field_errors_block.html
    with GOV.UK's hidden "Error:"): the label and its required mark, the control with its
    classes, ``aria-invalid`` and ``aria-describedby``, each error by the field and the help
    text. Crispy's templates cost about half a millisecond a field (the participant
    record shows ten). Any other field goes to crispy itself."""
    widget = bound.field.widget
    if not _is_plain(widget) or getattr(bound.form, "helper", None) is not None:
        return as_crispy_field(bound)
    errors = bound.errors
    # Crispy's class for the control: the widget's own classes, its class name (after
    # CRISPY_CLASS_CONVERTERS), then Bootstrap's, as crispy_field adds them.
    name = type(widget).__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    classes = widget.attrs.get("class", "")
    if not classes:
        classes = name
    elif name not in classes:
        classes += f" {name}"
    bootstrap = "form-select" if isinstance(widget, forms.Select) else "form-control"
    for extra in (bootstrap, "is-invalid") if errors else (bootstrap,):
        if extra not in classes.split():
            classes += f" {extra}"
    required = bound.field.required
    auto_id = bound.auto_id
    label = ""
    if bound.label:
        id_for_label = bound.id_for_label
        # The spaces around the words stand for crispy's line breaks (no difference on screen).
        label = '<label{} class="form-label{}"> {}{} </label>'.format(
            f' for="{conditional_escape(id_for_label)}"' if id_for_label else "",
            " requiredField" if required else "",
            conditional_escape(str(bound.label)),
            '<span class="asteriskField">*</span>' if required else "",
        )
    errors_html = ""
    if errors:
        errors_html = '<div id="{}_error" class="invalid-feedback">{}</div>'.format(
            conditional_escape(str(errors.field_id)),
            "".join(
                f'<p id="error_{number}_{conditional_escape(str(auto_id))}">'
                f'<strong><span class="visually-hidden">Error:</span> '
                f"{conditional_escape(str(error))}</strong></p>"
                for number, error in enumerate(errors, start=1)
            ),
        )
    help_html = ""
    if bound.help_text:
        # Crispy writes help text as it is (``|safe``): the forms' own words.
        help_html = '<div {}class="form-text">{}</div>'.format(
            f'id="{conditional_escape(auto_id)}_helptext" ' if auto_id else "", bound.help_text
        )
    css = bound.css_classes()
    return mark_safe(  # noqa: S308 - every value escaped above; help text as crispy writes it
        '<div id="div_{}" class="mb-3{}">{}{}{}{}</div>'.format(
            conditional_escape(str(auto_id)),
            f" {conditional_escape(css)}" if css else "",
            label,
            _widget_html(bound, {"class": classes}),
            errors_html,
            help_html,
        )
    )


def option_list(choices, selected=None) -> SafeString:
    """The ``<option>``s of a hand-written filter's ``<select>`` from (value, label)
    pairs, ``selected`` marked: a template loop over 45 venues cost a millisecond."""
    # The standard library's escape, which Django's wraps (the same five characters),
    # without the lazy-text wrapper each call pays: a hundred drivers on the home page.
    return mark_safe(  # noqa: S308 - every value and label escaped
        "".join(
            f'<option value="{html_escape(str(value))}"{" selected" if value == selected else ""}>'
            f"{html_escape(str(label))}</option>"
            for value, label in choices
        )
    )


class NamedChoiceIterator(model_forms.ModelChoiceIterator):
    """A model choice list as (pk, name) pairs from one plain query, for models shown by
    their ``name``: no model instance per choice (a long list's instances cost a page
    more than its query)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")

    def __len__(self) -> int:
        return self.queryset.count() + (self.field.empty_label is not None)


class NamedChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` listed through ``NamedChoiceIterator`` in a ``ListSelect``;
    the chosen value is still checked against the queryset and cleaned to its object."""

    iterator = NamedChoiceIterator
    widget = ListSelect


class BoundedInputMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.validators += [
                    MinValueValidator(FIRST_DAY, message=DATE_RANGE_MESSAGE),
                    MaxValueValidator(LAST_DAY, message=DATE_RANGE_MESSAGE),
                ]
                field.widget.attrs.setdefault("min", FIRST_DAY.isoformat())
                field.widget.attrs.setdefault("max", LAST_DAY.isoformat())


def _django_defaults() -> list:
    """Every message Django words for itself: form and model fields' and validators'."""
    found = []
    for module in (form_fields, model_forms, model_fields):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            found += getattr(cls, "__dict__", {}).get("default_error_messages", {}).values()
    for cls in (
        validators.MinValueValidator,
        validators.MaxValueValidator,
        validators.MinLengthValidator,
        validators.MaxLengthValidator,
        validators.StepValueValidator,
        validators.EmailValidator,
        validators.URLValidator,
        validators.RegexValidator,
        validators.ProhibitNullCharactersValidator,
    ):
        found.append(cls.message)
    found += validators.DecimalValidator.messages.values()
    return found


DJANGO_DEFAULTS = _django_defaults()
# Plural messages (``ngettext_lazy``) only have words once given their number: they are
# recognised by identity; the others by their words too (a copy made by ``gettext_lazy``).
_DEFAULT_WORDS = {str(message) for message in DJANGO_DEFAULTS} - {""}


def is_django_default(message) -> bool:
    return any(message is default for default in DJANGO_DEFAULTS) or (
        str(message) in _DEFAULT_WORDS
    )


# Labels that already read as part of a sentence ("Enter how they agreed") take no "the".
_NO_ARTICLE = re.compile(r"(the|a|an|your|their|who|how|what|when|where|which|why)\b", re.I)


def error_name_from_label(label: str) -> str:
    """ "Amount (£)" → "the amount"; "How they agreed" → "how they agreed"; an
    abbreviation keeps its capitals ("SWEMWBS item 1")."""
    label = re.sub(r"\s*\([^)]*\)\s*$", "", str(label)).rstrip(" ?:")
    if len(label) > 1 and label[:2].isupper():
        return label
    label = label[:1].lower() + label[1:]
    return label if _NO_ARTICLE.match(label) else f"the {label}"


def _is_choice(field: forms.Field) -> bool:
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField) or isinstance(
        field.widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple
    )


def field_message(field: forms.Field, code: str, name: str) -> str | None:
    """GOV.UK-style words for one of Django's error codes on ``field``, or None to keep
    Django's (an error we have no better words for)."""
    Name = capfirst(name)
    if code == "required":
        if isinstance(field, forms.FileField):
            return f"Upload {name}."
        if isinstance(field, forms.BooleanField):
            return f"Tick {name}."
        return f"Choose {name}." if _is_choice(field) else f"Enter {name}."
    if code in ("invalid", "invalid_date"):
        if isinstance(field, forms.DateTimeField):
            return f"Enter {name} as a real date and time, like 27 3 2026 14:30."
        if isinstance(field, forms.DateField):
            return f"Enter {name} as a real date, like 27 3 2026."
        if isinstance(field, forms.DurationField):
            return f"Enter {name} in hours, minutes and seconds, like 2:30:00."
        if isinstance(field, forms.TimeField):
            return f"Enter {name} as a time, like 14:30."
        # DecimalField and FloatField are IntegerFields to Django: ask them first.
        if isinstance(field, forms.DecimalField | forms.FloatField):
            return f"Enter {name} as a number, like 12.5."
        if isinstance(field, forms.IntegerField):
            return f"Enter {name} as a whole number, like 12."
        if isinstance(field, forms.EmailField):
            return f"Enter {name} in the right form, like name@example.org."
        if isinstance(field, forms.FileField):
            return f"Upload {name} as a file."
        return f"Enter {name} in the right form."
    if code in ("invalid_choice", "invalid_pk_value", "invalid_list"):
        return f"Choose {name} from the list."
    if code == "min_value":
        return f"{Name} must be %(limit_value)s or more."
    if code == "max_value":
        return f"{Name} must be %(limit_value)s or less."
    if code == "step_size":
        return f"Enter {name} in steps of %(limit_value)s."
    if code == "max_length":
        if isinstance(field, forms.FileField):
            return "Rename the file to %(max)d characters or fewer and upload it again."
        return f"{Name} must be %(limit_value)d characters or fewer."
    if code == "min_length":
        return f"{Name} must be %(limit_value)d characters or more."
    if code == "max_decimal_places":
        return f"Enter {name} with no more than %(max)s decimal places."
    if code in ("max_digits", "max_whole_digits"):
        return f"{Name} is too large."
    if code == "null_characters_not_allowed":
        return f"Remove the unusual characters from {name}."
    if code == "missing":
        return f"Upload {name}: no file was sent."
    if code == "empty":
        return f"The file for {name} is empty. Choose it again."
    if code == "contradiction":
        return f"Either upload a new file for {name} or tick to remove it, not both."
    if code == "unique":
        return f"{Name} is already in use: enter another."
    if code in ("blank", "null"):
        return f"Enter {name}."
    return None


class FieldMessagesMixin:
    """Rewords Django's own error messages so each names its field (see the module doc)."""

    # Field name → how the field is called in a sentence, where its label reads badly.
    error_names: dict[str, str] = {}

    def error_name(self, name: str) -> str:
        if name in self.error_names:
            return self.error_names[name]
        field = self.fields[name]
        return error_name_from_label(field.label if field.label is not None else pretty_name(name))

    def full_clean(self):
        super().full_clean()
        for name, errors in (getattr(self, "_errors", None) or {}).items():
            if name not in self.fields:
                continue
            for error in errors.data:
                if not isinstance(error, ValidationError) or not error.code:
                    continue
                if not is_django_default(error.message):
                    continue
                words = field_message(self.fields[name], error.code, self.error_name(name))
                if words is not None:
                    error.message = words


class Form(FieldMessagesMixin, BoundedInputMixin, forms.Form):
    pass


class ModelForm(FieldMessagesMixin, BoundedInputMixin, forms.ModelForm):
    pass
