"""A plain field written by hope.formkit.bootstrap_field reads as crispy-bootstrap5 writes
it: label, required mark, classes, aria attributes, errors by the field and help text."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.forms.utils import flatatt
from django.template import Context, Template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from hope.formkit import DATE_WIDGET, Form, ListSelect, bootstrap_field


def _same_markup(html: str) -> str:
    """HTML as a browser shows it: whitespace between tags dropped, runs of it one space."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


class EveryKind(Form):
    name = forms.CharField(label="Full name", max_length=20, help_text="As on their letters.")
    note = forms.CharField(label="Note <for the driver>", required=False)
    email = forms.EmailField(label="Email address", required=False)
    count = forms.IntegerField(label="How many", min_value=1, required=False)
    score = forms.CharField(
        label="PAM score",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "size": 6, "data-step": 0, "spellcheck": False}
        ),
        help_text="0 to 100, <em>one</em> decimal place.",
    )
    when = forms.ChoiceField(
        label="When",
        choices=[("", "Choose…"), ("first", "First session"), ("last", "Last & final")],
        widget=ListSelect,
    )
    level = forms.ChoiceField(label="Level", choices=[("1", "One"), ("2", "Two")], required=False)
    day = forms.DateField(label="Date received", widget=DATE_WIDGET, required=False)
    story = forms.CharField(
        label="Their story",
        widget=forms.Textarea(attrs={"rows": 3, "class": "hope-wide"}),
        required=False,
        help_text="No health details.",
    )
    secret = forms.CharField(label="Password", widget=forms.PasswordInput, required=False)
    agree = forms.BooleanField(label="They agree", required=False)
    pick = forms.ChoiceField(
        label="Pick", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, required=False
    )
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        self.add_error("note", "Shorten the note.")
        self.add_error("note", mark_safe("Second <b>message</b>"))
        return cleaned


FORMS = {
    "blank": lambda: EveryKind(auto_id="score-1-%s"),
    "initial": lambda: EveryKind(initial={"name": 'O\'Brien "Jo" <b>', "when": "last"}),
    "with errors": lambda: EveryKind(
        data={
            "name": "x" * 30,
            "email": "not an address",
            "count": "0",
            "when": "never",
            "day": "31/02/2026",
            "story": "<script>",
            "secret": "s3cret",
            "score": "",
        },
        auto_id="feedback-9-%s",
    ),
    "valid but one": lambda: EveryKind(
        data={"name": "Ann", "score": "12.5", "when": "first", "level": "2", "agree": "on"}
    ),
}


def _form(shape: str) -> EveryKind:
    form = FORMS[shape]()
    form.is_valid()
    return form


@pytest.mark.parametrize("shape", FORMS)
def test_each_field_reads_as_crispy_writes_it(shape):
    ours, theirs = _form(shape), _form(shape)
    for name in ours.fields:
        # Each from its own form: crispy adds its classes to the widget as it renders.
        assert _same_markup(bootstrap_field(ours[name])) == _same_markup(
            as_crispy_field(theirs[name])
        ), name


def test_errors_are_shown_by_their_field_and_named_for_screen_readers():
    form = _form("with errors")
    html = str(bootstrap_field(form["email"]))
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="feedback-9-email_error"' in html
    assert 'class="emailinput form-control is-invalid"' in html
    assert '<div id="feedback-9-email_error" class="invalid-feedback">' in html
    assert (
        '<strong><span class="visually-hidden">Error:</span> Enter the email address in the '
        "right form, like name@example.org.</strong>" in html
    )
    name = str(bootstrap_field(form["name"]))
    assert 'aria-describedby="feedback-9-name_helptext feedback-9-name_error"' in name
    note = str(bootstrap_field(form["note"]))
    assert '<p id="error_2_feedback-9-note">' in note
    assert "Second <b>message</b>" in note


def test_the_template_filter_writes_the_same():
    form = _form("with errors")
    html = Template("{% load hope_tags %}{{ form.when|as_field }}").render(Context({"form": form}))
    assert html == str(bootstrap_field(_form("with errors")["when"]))
    assert 'class="select form-select is-invalid"' in html


LISTS = {
    "plain": [("", "Choose…"), ("first", "First session"), ("last", "Last & <final>")],
    "numbers and none": [(None, "None in particular"), (1, "One"), (10, "Ten"), (2, "Two")],
    "repeated value": [("a", "A"), ("a", "A again"), ("b", "B")],
}


def _django_options(widget, name, value, attrs) -> str:
    """The options as Django's own optgroups give them, in ListSelect's markup."""
    context = widget.get_context(name, value, attrs)["widget"]
    options = "".join(
        f'\n  <option value="{conditional_escape(str(option["value"]))}"'
        f"{flatatt(option['attrs'])}>{conditional_escape(option['label'])}</option>"
        for _, group, _ in context["optgroups"]
        for option in group
    )
    return f'<select name="{name}"{flatatt(context["attrs"])}>{options}\n</select>'


@pytest.mark.parametrize("choices", LISTS)
@pytest.mark.parametrize("value", [None, "", "a", "1", 10, "last", ["a", "b"]])
@pytest.mark.parametrize("multiple", [False, True])
def test_a_list_select_writes_the_options_django_chooses(choices, value, multiple):
    widget = (forms.SelectMultiple if multiple else forms.Select)(choices=LISTS[choices])
    ours = type("Ours", (ListSelect,), {"allow_multiple_selected": multiple})(
        choices=LISTS[choices], attrs={"class": "form-select"}
    )
    widget.attrs = {"class": "form-select"}
    attrs = {"id": "id_when", "required": True}
    assert str(ours.render("when", value, attrs)) == _django_options(widget, "when", value, attrs)
