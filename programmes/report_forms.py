"""The evidence reports' filters, from the query string: bounded dates, known ids and
choices only; anything else is a message next to the field, never a 500."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from hope.formkit import DATE_WIDGET, Form
from programmes.models import Delivery, Programme, ReferralSource
from programmes.reports import ReportRange
from venues.models import Venue

# A report over more than this is a different question (and a slow one).
LONGEST_RANGE = timedelta(days=366 * 10)


class ReportFilterForm(Form):
    """``from`` and ``to`` (the pages' query string) are Python words, so those two fields
    are added by name below the class."""

    programme = forms.ModelChoiceField(
        Programme.objects.order_by("name"), required=False, empty_label="All programmes"
    )
    venue = forms.ModelChoiceField(
        Venue.objects.order_by("name"), required=False, empty_label="All venues"
    )
    delivery = forms.ChoiceField(
        label="Delivery", choices=[("", "In person and online"), *Delivery.choices], required=False
    )
    source = forms.ChoiceField(
        label="Referred by", choices=[("", "Any source"), *ReferralSource.choices], required=False
    )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        if "from" in self.errors or "to" in self.errors:
            return cleaned
        end = cleaned.get("to") or today
        start = cleaned.get("from") or end - timedelta(days=365)
        if start > end:
            self.add_error("from", "Enter a start date on or before the end date.")
        elif end - start > LONGEST_RANGE:
            self.add_error("from", "Choose a range of ten years or less.")
        cleaned["from"], cleaned["to"] = start, end
        return cleaned

    def report_range(self) -> ReportRange:
        """The validated filters; call after ``is_valid()``."""
        data = self.cleaned_data
        return ReportRange(
            start=data["from"],
            end=data["to"],
            programme=data.get("programme"),
            venue=data.get("venue"),
            delivery=data.get("delivery") or "",
            source=data.get("source") or "",
        )


# First in the form, as on the page.
ReportFilterForm.base_fields = {
    "from": forms.DateField(
        label="From",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Enter the start date as a real date, like 1 4 2026."},
    ),
    "to": forms.DateField(
        label="To",
        widget=DATE_WIDGET,
        required=False,
        error_messages={"invalid": "Enter the end date as a real date, like 31 3 2027."},
    ),
    **ReportFilterForm.base_fields,
}
