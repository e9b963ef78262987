from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone

from expenses.models import (
    Allocation,
    Budget,
    Category,
    DirectSpend,
    ExpenseClaim,
    ExpenseKind,
    PendingReceipt,
    Rates,
    financial_year_of,
)
from expenses.services import ExpenseError
from hope.formkit import DATE_WIDGET, Form, ModelForm
from hope.postcodes import PostcodeField
from hope.uploads import CheckedDocument, DocumentField, DocumentFormMixin
from programmes.access import staffed_sessions
from programmes.models import Course, CourseStatus

# A claim is usually for a course the claimant ran or spent on lately: those come first.
RECENT_DAYS = 90


def recent_course_ids(claimant, *, today=None) -> set[int]:
    """The courses ``claimant`` held a session of (through ``staffed_sessions``, so the
    facilitators' claims without importing them) from RECENT_DAYS ago to a fortnight
    ahead, or put on one of their own expense claims dated in the last RECENT_DAYS. Two
    queries."""
    today = today or timezone.localdate()
    now = timezone.now()
    held = staffed_sessions(claimant).filter(
        start__gte=now - timedelta(days=RECENT_DAYS), start__lt=now + timedelta(days=14)
    )
    ids = set(held.values_list("course_id", flat=True))
    ids.update(
        ExpenseClaim.objects.filter(
            claimant=claimant,
            course__isnull=False,
            spent_on__gte=today - timedelta(days=RECENT_DAYS),
        ).values_list("course_id", flat=True)
    )
    return ids


def check_spend_date(day, *, budget_years: set[int]) -> None:
    if day > timezone.localdate():
        raise forms.ValidationError("The date cannot be in the future.")
    if financial_year_of(day) not in budget_years:
        raise forms.ValidationError(
            "There is no budget for the financial year of this date. Check the date, or ask "
            "a finance lead to set up that year's budget."
        )


class SpendDateMixin:
    """The date of a spend: not in the future, and inside a financial year with a budget."""

    def clean_spent_on(self):
        day = self.cleaned_data["spent_on"]
        budget_years = set(Budget.objects.values_list("start_year", flat=True))
        check_spend_date(day, budget_years=budget_years)
        return day


class ServiceErrorMixin:
    """Shows a service's refusal next to the form's field it is about: the rule lives in
    the service, the form only puts its message in the right place."""

    # The claim's field a service names → this form's field that the person filled in.
    error_fields: dict[str, str] = {}

    def add_service_error(self, error: ExpenseError) -> None:
        field = self.error_fields.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error))


class ClaimantFormBase(ServiceErrorMixin, SpendDateMixin, ModelForm):
    """What the expense and the mileage form share: the date starts at today, and the
    course it was for is any but a draft (coordinators' work in progress), the
    claimant's own recent courses first."""

    def __init__(self, *args, claimant=None, **kwargs):
        super().__init__(*args, **kwargs)
        courses = Course.objects.exclude(status=CourseStatus.DRAFT).order_by("title", "pk")
        field = self.fields["course"]
        field.queryset = courses
        self.fields["spent_on"].initial = timezone.localdate()
        # The queryset still validates the answer; only the list shown is built here.
        recent = recent_course_ids(claimant) if claimant is not None else set()
        mine, others = [], []
        for course in courses.select_related("venue"):
            (mine if course.pk in recent else others).append((course.pk, course.label))
        grouped = [("Your recent courses", mine), ("Other courses", others)] if mine else others
        field.choices = [("", field.empty_label), *grouped]


class ExpenseForm(DocumentFormMixin, ClaimantFormBase):
    """An out-of-pocket expense, quick to fill in on a phone."""

    error_names = {
        "category": "a category",
        "description": "what you paid for",
    }

    receipt = DocumentField(label="Receipt (PDF, JPEG or PNG, up to 10 MB)", required=False)

    class Meta:
        model = ExpenseClaim
        fields = ["spent_on", "category", "description", "amount", "course", "receipt"]
        widgets = {
            "spent_on": DATE_WIDGET,
            "amount": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        }
        labels = {"spent_on": "Date you paid", "course": "Course it was for (optional)"}

    def __init__(self, *args, kept_receipt: PendingReceipt | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A receipt uploaded with an earlier try of this form (already the claimant's own:
        # the view looked it up by its token and the person).
        self.kept_receipt = kept_receipt
        # Nothing chosen for them: a guessed category would be approved unnoticed.
        self.fields["category"].choices = [("", "Choose a category")] + [
            c for c in Category.choices if c[0] != Category.VENUE_HIRE
        ]

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= Decimal("0"):
            raise forms.ValidationError("Enter an amount more than £0.00.")
        return amount

    def clean_receipt(self):
        receipt = self.cleaned_data["receipt"]
        # A new file replaces the kept one; "remove" removes it; otherwise the kept one
        # is the receipt they chose last time.
        if self.kept_receipt and receipt is not False and not isinstance(receipt, CheckedDocument):
            self.uses_kept_receipt = True
            return self.kept_receipt.document()
        self.uses_kept_receipt = False
        return receipt

    def new_receipt(self) -> CheckedDocument | None:
        """A receipt uploaded with this try that passed its checks (to keep for the next
        try when other fields did not)."""
        receipt = (getattr(self, "cleaned_data", None) or {}).get("receipt")
        if isinstance(receipt, CheckedDocument) and not getattr(self, "uses_kept_receipt", False):
            return receipt
        return None


class MileageForm(ClaimantFormBase):
    """Miles driven; the amount is worked out on the server from finance's rates."""

    # The amount comes from the miles and passengers: a refusal of it belongs by the miles.
    error_fields = {"amount": "miles"}
    error_names = {
        "spent_on": "the date of the journey",
        "start_postcode": "the postcode you set off from",
        "end_postcode": "the postcode you drove to",
        "miles": "the miles",
        "passengers": "the number of passengers (0 if none)",
        "purpose": "what the journey was for",
    }
    start_postcode = PostcodeField(label="From (postcode)")
    end_postcode = PostcodeField(label="To (postcode)")

    class Meta:
        model = ExpenseClaim
        fields = [
            "spent_on",
            "start_postcode",
            "end_postcode",
            "miles",
            "passengers",
            "purpose",
            "course",
        ]
        widgets = {
            "spent_on": DATE_WIDGET,
            "miles": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
        }
        labels = {"spent_on": "Date of the journey", "course": "Course it was for (optional)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].required = True
        self.fields["miles"].required = True
        self.fields["miles"].error_messages["max_value"] = (
            "Mileage over 1,000 miles cannot be claimed here."
        )
        self.fields["miles"].error_messages["min_value"] = "Enter the miles driven (more than 0)."

    def save(self, commit=True):
        self.instance.kind = ExpenseKind.MILEAGE
        self.instance.category = Category.DRIVERS
        self.instance.description = self.instance.mileage_description()
        return super().save(commit)


class RideMileageForm(MileageForm):
    """A mileage claim made from rides: the date and the passengers are the rides' (shown,
    not changed: ``mileage_claim_from_rides`` sets them and ``expense_save`` keeps them);
    the driver adds the miles and may correct the postcodes and the purpose."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spent_on"].disabled = True
        self.fields["spent_on"].help_text = "The day of the rides."
        self.fields["passengers"].disabled = True
        self.fields["passengers"].help_text = "The people on the rides, each counted once."
        self.fields["start_postcode"].help_text = "Where you set off from, usually home."
        self.fields["end_postcode"].help_text = "Where you drove to: the venue, to start with."


class RejectForm(ServiceErrorMixin, Form):
    reason = forms.CharField(
        label="Reason (the claimant sees it)",
        max_length=300,
        error_messages={"required": "Give a reason: the claimant will see it."},
    )


class PayForm(ServiceErrorMixin, Form):
    """The date's bounds (not in the future, not before the approval) are the service's."""

    error_names = {"paid_on": "the date it was paid"}

    paid_on = forms.DateField(label="Date paid", widget=DATE_WIDGET)
    reference = forms.CharField(label="Payment reference", max_length=60)


class BudgetForm(ServiceErrorMixin, ModelForm):
    error_names = {"start_year": "the year the financial year starts", "total": "the budget"}

    class Meta:
        model = Budget
        fields = ["start_year", "total"]


class BaseAllocationFormSet(BaseInlineFormSet):
    def allocations(self) -> dict[str, Decimal]:
        """Category → amount, from the rows filled in and not marked for deletion (the
        formset has already refused a category given twice)."""
        return {
            form.cleaned_data["category"]: form.cleaned_data["amount"]
            for form in self.forms
            if form.cleaned_data.get("category")
            and form.cleaned_data.get("amount") is not None
            and not self._should_delete_form(form)
        }


AllocationFormSet = inlineformset_factory(
    Budget,
    Allocation,
    form=ModelForm,
    formset=BaseAllocationFormSet,
    fields=["category", "amount"],
    extra=5,
    max_num=5,
    can_delete=True,
)


class DirectSpendForm(DocumentFormMixin, SpendDateMixin, ModelForm):
    error_names = {"spent_on": "the date it was paid", "category": "a category"}
    attachment = DocumentField(label="Invoice or receipt (PDF, JPEG or PNG)", required=False)

    class Meta:
        model = DirectSpend
        fields = [
            "spent_on",
            "category",
            "description",
            "amount",
            "venue",
            "covers_from",
            "covers_to",
            "attachment",
        ]
        widgets = {"spent_on": DATE_WIDGET, "covers_from": DATE_WIDGET, "covers_to": DATE_WIDGET}
        help_texts = {
            "venue": "For a venue invoice: the hire of the sessions it covers in the financial "
            "year of the date paid is then counted from this invoice instead of "
            "automatically. Sessions of an earlier year keep their hire in that year.",
        }

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= Decimal("0"):
            raise forms.ValidationError("Enter an amount more than £0.00.")
        return amount

    def clean(self):
        cleaned = super().clean()
        venue, start, end = (
            cleaned.get("venue"),
            cleaned.get("covers_from"),
            cleaned.get("covers_to"),
        )
        if venue and not (start and end):
            self.add_error("covers_from", "Give the dates of the sessions this invoice covers.")
        if start and end and end < start:
            self.add_error("covers_to", "The end date cannot be before the start date.")
        if venue and cleaned.get("category") != Category.VENUE_HIRE:
            self.add_error("category", "An invoice for a venue is venue hire.")
        return cleaned

    def validate_constraints(self):
        pass  # clean() explains the invoice rule in words


class RatesForm(ModelForm):
    error_names = {
        "car_rate": "the rate for the first miles",
        "car_rate_after": "the rate after the threshold",
        "threshold_miles": "the threshold",
        "passenger_rate": "the rate for each passenger",
        "claim_limit": "the largest single claim",
    }

    class Meta:
        model = Rates
        fields = ["car_rate", "car_rate_after", "threshold_miles", "passenger_rate", "claim_limit"]
