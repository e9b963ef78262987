"""The evidence reports' filters, from the query string: bounded dates, known ids and
choices only; anything else is a message next to the field, never a 500."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.http import HttpRequest
from django.utils import timezone

from hope.formkit import DATE_WIDGET, Form, ListSelect, NamedChoiceField
from programmes.measures import Measure
from programmes.models import LARGEST_CHANGE, Delivery, Programme, ReferralSource
from programmes.reports import ReportRange
from venues.models import Venue

# A report over more than this is a different question (and a slow one).
LONGEST_RANGE = timedelta(days=366 * 10)


class ReportFilterForm(Form):
    """``from`` and ``to`` (the pages' query string) are Python words, so those two fields
    are added by name below the class."""

    programme = NamedChoiceField(
        Programme.objects.order_by("name"), required=False, empty_label="All programmes"
    )
    venue = NamedChoiceField(
        Venue.objects.order_by("name"), required=False, empty_label="All venues"
    )
    delivery = forms.ChoiceField(
        label="Delivery",
        choices=[("", "In person and online"), *Delivery.choices],
        required=False,
        widget=ListSelect,
    )
    source = forms.ChoiceField(
        label="Referred by",
        choices=[("", "Any source"), *ReferralSource.choices],
        required=False,
        widget=ListSelect,
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


def report_filter_form(request: HttpRequest) -> ReportFilterForm:
    """The filters from the query string; with none, the last twelve months (shown in
    the date boxes, so the page says what it covers)."""
    if not request.GET:
        today = timezone.localdate()
        return ReportFilterForm(
            {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()}
        )
    return ReportFilterForm(request.GET)


class MeaningfulChangeForm(Form):
    """Each measure's meaningful change, in points (one decimal place), no more than the
    scale could change by."""

    def __init__(self, *args, current: dict[str, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        for measure, label in Measure.choices:
            largest = LARGEST_CHANGE[measure]
            short = label.split(" (")[0]
            self.fields[measure] = forms.DecimalField(
                label=f"{short}: meaningful change (points)",
                min_value=Decimal("0.1"),
                max_value=largest,
                max_digits=4,
                decimal_places=1,
                initial=current[measure],
                help_text=f"An improvement of at least this many points counts (0.1 to {largest}).",
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
                error_messages={
                    "required": f"Enter the meaningful change for {short}, like 3.",
                    "invalid": f"Enter the meaningful change for {short} as a number, like 3.",
                    "min_value": f"Enter a meaningful change for {short} of at least 0.1.",
                    "max_value": f"Enter a meaningful change for {short} of {largest} or less.",
                    "max_digits": f"Enter the meaningful change for {short} with at most one "
                    "decimal place.",
                    "max_decimal_places": f"Enter the meaningful change for {short} with at "
                    "most one decimal place.",
                    "max_whole_digits": f"Enter a meaningful change for {short} of {largest} or "
                    "less.",
                },
            )
