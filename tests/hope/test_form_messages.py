"""Every form says what to fix in words that name the field (GOV.UK's error pattern),
never Django's "This field is required."; and every page with a form error shows the
error summary and "Error:" in its title, whichever page it is."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from django import forms
from django.urls import reverse

from hope import formkit
from hope.formkit import FieldMessagesMixin, Form, is_django_default
from hope.roles import Role
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    InvitationFactory,
    ParticipantFactory,
    UserFactory,
)

APPS = ["hope", "venues", "programmes", "facilitators", "expenses"]


def _project_form_classes() -> list[type]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not re.search(r"\.(migrations|settings|wsgi|asgi|management)", module.name):
                importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    found = {
        cls
        for cls in below(forms.BaseForm)
        if cls.__module__.split(".")[0] in APPS
        and cls.__module__ != formkit.__name__
        # A shared base of model forms, with no model of its own
        and not (issubclass(cls, forms.ModelForm) and cls._meta.model is None)
    }
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _extra_arguments(form_class) -> dict:
    """What each form needs besides its data, made fresh."""
    user = UserFactory(roles=[Role.COORDINATOR])
    name = form_class.__name__
    if name == "InvitationForm":
        return {"by": user}
    if name == "AcceptInvitationForm":
        return {"invitation": InvitationFactory()}
    if name == "PersonForm":
        return {"person": UserFactory(), "by": user}
    if name == "AuditFilterForm":
        return {"areas": ["rota"]}
    if name == "SessionForm":
        return {"session": CourseFactory().sessions.first()}
    if name == "PlaceAddForm":
        return {"participant": ParticipantFactory()}
    if name == "ScoreForm":
        return {"measure": "swemwbs"}
    if name == "TrainingForm":
        return {"profile": FacilitatorProfileFactory()}
    if name == "MeaningfulChangeForm":
        from programmes.models import meaningful_changes

        return {"current": meaningful_changes()}
    if name == "PickupForm":
        from programmes.models import Ride
        from programmes.services.participants import place_request

        rider = ParticipantFactory(needs_transport=True, pickup_postcode="NG4 2RL")
        place_request(participant=rider, course=CourseFactory(), by=user)
        return {"ride": Ride.objects.filter(participant=rider).first()}
    if name in ("SecondStepForm", "SecondStepAgainForm"):
        return {"user": user}
    return {}


FORM_CLASSES = _project_form_classes()


def test_every_form_is_built_on_the_formkit_bases():
    assert len(FORM_CLASSES) > 20
    outside = [cls.__name__ for cls in FORM_CLASSES if not issubclass(cls, FieldMessagesMixin)]
    assert outside == []


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: cls.__name__)
def test_an_empty_form_says_what_to_enter_in_words_that_name_the_field(form_class):
    form = form_class(data={}, files={}, **_extra_arguments(form_class))
    form.is_valid()
    for name, errors in form.errors.items():
        for error in errors.as_data():
            assert not is_django_default(error.message), (name, str(error.message))
        for message in errors:
            assert "This field is required" not in message
            assert "Select a valid choice" not in message
            assert message[:1].isupper() and message.endswith("."), message


@pytest.mark.django_db
def test_typed_nonsense_is_refused_in_words_that_name_the_field(volunteer):
    from expenses.forms import ExpenseForm, MileageForm

    form = ExpenseForm(data={"spent_on": "31/02/2026", "amount": "ten", "category": "nope"})
    assert form.errors["spent_on"] == ["Enter the date you paid as a real date, like 27 3 2026."]
    assert form.errors["amount"] == ["Enter the amount as a number, like 12.5."]
    assert form.errors["category"] == ["Choose a category from the list."]
    assert form.errors["description"] == ["Enter what you paid for."]
    mileage = MileageForm(data={"miles": "twelve", "passengers": "9"})
    assert mileage.errors["miles"] == ["Enter the miles as a number, like 12.5."]
    assert mileage.errors["passengers"] == [
        "The number of passengers (0 if none) must be 8 or less."
    ]


def test_a_forms_own_message_is_kept():
    class Ask(Form):
        reason = forms.CharField(error_messages={"required": "Give a reason."})
        upload = forms.FileField(label="Receipt")
        agree = forms.BooleanField(label="I agree to the terms")

    form = Ask(data={}, files={})
    assert form.errors == {
        "reason": ["Give a reason."],
        "upload": ["Upload the receipt."],
        "agree": ["Tick I agree to the terms."],
    }


# --- The error summary, found on every page ------------------------------------------


def _summary_links(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="alert alert-danger hope-error-summary"', 1)[1].split("</div>")[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


@pytest.mark.django_db
def test_a_venue_with_errors_shows_the_summary_linking_to_each_field(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("venues:venue_create"), {"name": "", "postcode": "12345"})
    html = response.content.decode()
    assert re.search(r"<title>Error: [^<]*</title>", html)
    links = dict((text, anchor) for anchor, text in _summary_links(html))
    assert links["Enter the name."] == "id_name"
    assert links["Enter a real postcode, like LS1 4AP."] == "id_postcode"
    assert 'id="id_postcode"' in html
    assert '<span class="visually-hidden">Error:</span> Enter the name.' in html
    assert "js/error-summary.js" in html


@pytest.mark.django_db
def test_a_page_without_errors_has_no_summary_and_a_plain_title(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("venues:venue_create")).content.decode()
    assert "hope-error-summary" not in html and "<title>Error:" not in html
    assert "error-summary.js" not in html


@pytest.mark.django_db
def test_an_expense_with_errors_shows_the_summary_and_error_title(client, volunteer):
    client.force_login(volunteer)
    response = client.post(reverse("expenses:claim_create"), {"action": "submit"})
    html = response.content.decode()
    assert "<title>Error: Expense claim" in html
    assert ("id_spent_on", "Enter the date you paid.") in _summary_links(html)
    assert ("id_category", "Choose a category.") in _summary_links(html)


@pytest.mark.django_db
def test_a_filter_form_unbound_shows_no_error(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("audit_trail")).content.decode()
    assert "hope-error-summary" not in html
