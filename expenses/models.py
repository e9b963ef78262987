"""Budgets, expense and mileage claims, and direct spend. Money is Decimal pounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from hope.modelbase import TimeStamped
from hope.uploads import CheckedDocument, DocumentPath, DocumentType

ZERO = Decimal("0.00")


class Category(models.TextChoices):
    VENUE_HIRE = "venue_hire", "Venue hire"
    TRAINING = "training_resources", "Training resources"
    VOLUNTEER_EXPENSES = "volunteer_expenses", "Volunteer out-of-pocket expenses"
    DRIVERS = "volunteer_drivers", "Volunteer drivers"
    OTHER = "other", "Other"


def financial_year_of(day: date) -> int:
    """The UK financial year (1 April to 31 March) a day falls in, by its starting year."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_bounds(start_year: int) -> tuple[date, date]:
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def tax_year_of(day: date) -> int:
    """The tax year (6 April to 5 April) for mileage rates, by its starting year."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def tax_year_bounds(start_year: int) -> tuple[date, date]:
    return date(start_year, 4, 6), date(start_year + 1, 4, 5)


def miles_text(miles: Decimal | int) -> str:
    """10020 as "10,020" and 12.5 as "12.5": thousands separated, no needless ".0"."""
    miles = Decimal(miles)
    return f"{miles:,.0f}" if miles == miles.to_integral_value() else f"{miles:,.1f}"


def rate_text(rate: Decimal) -> str:
    """A rate a mile as people say it: "25p", or "£1.20" from a pound up."""
    return f"{rate * 100:.0f}p" if rate < 1 else f"£{rate:,.2f}"


def tax_year_miles_sentence(miles: Decimal, rates: Rates) -> str:
    """What a driver has claimed this tax year against the threshold, in plain words:
    "You have claimed 10,020 miles this tax year; miles past 10,000 are paid at 25p a mile." """
    claimed = f"You have claimed {miles_text(miles)} miles this tax year"
    threshold = miles_text(rates.threshold_miles)
    after = rate_text(rates.car_rate_after)
    if miles > rates.threshold_miles:
        return f"{claimed}; miles past {threshold} are paid at {after} a mile."
    return (
        f"{claimed}; the first {threshold} are paid at {rate_text(rates.car_rate)} a mile "
        f"and miles past {threshold} at {after}."
    )


def money_field(label: str, validators=(), **kwargs) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), *validators],
        **kwargs,
    )


class Budget(TimeStamped):
    start_year = models.PositiveSmallIntegerField(
        "financial year starting in",
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="2018 means 1 April 2018 to 31 March 2019.",
    )
    total = money_field("budget (£)")

    class Meta:
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0), name="expenses_budget_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_year}/{str(self.start_year + 1)[-2:]}"

    @property
    def bounds(self) -> tuple[date, date]:
        return financial_year_bounds(self.start_year)


class Allocation(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="allocations")
    category = models.CharField(max_length=30, choices=Category.choices)
    amount = money_field("allocation (£)")

    class Meta:
        ordering = ["category", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "category"], name="expenses_allocation_one_per_category"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="expenses_allocation_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="expenses_allocation_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Allocation #{self.pk}"


# Sane upper bounds for what finance may set (HMRC's own rates are 45p, 25p and 5p). They
# keep every mileage amount far inside the 12-digit money column, whatever is typed.
MAX_MILE_RATE = Decimal("2.00")
MAX_PASSENGER_RATE = Decimal("1.00")
MAX_CLAIM_LIMIT = Decimal("10000.00")
MAX_THRESHOLD_MILES = 100_000


def _at_most(limit, message: str) -> MaxValueValidator:
    return MaxValueValidator(limit, message=message)


@dataclass(frozen=True)
class MileageRates:
    """The parts of ``Rates`` a mileage claim is priced with, as kept on a claim."""

    car_rate: Decimal
    car_rate_after: Decimal
    passenger_rate: Decimal
    threshold_miles: int


class Rates(models.Model):
    """What finance sets: mileage rates (HMRC's approved amounts by default) and limits."""

    car_rate = money_field(
        "car, first miles (£ a mile)",
        default=Decimal("0.45"),
        validators=[_at_most(MAX_MILE_RATE, "Enter a rate of £2.00 a mile or less.")],
    )
    car_rate_after = money_field(
        "car, after the threshold (£ a mile)",
        default=Decimal("0.25"),
        validators=[_at_most(MAX_MILE_RATE, "Enter a rate of £2.00 a mile or less.")],
    )
    threshold_miles = models.PositiveIntegerField(
        "threshold (miles in a tax year)",
        default=10_000,
        validators=[_at_most(MAX_THRESHOLD_MILES, "Enter 100,000 miles or fewer.")],
    )
    passenger_rate = money_field(
        "each passenger (£ a mile)",
        default=Decimal("0.05"),
        validators=[_at_most(MAX_PASSENGER_RATE, "Enter a rate of £1.00 a mile or less.")],
    )
    claim_limit = money_field(
        "largest single claim (£)",
        default=Decimal("500.00"),
        validators=[_at_most(MAX_CLAIM_LIMIT, "Enter £10,000.00 or less.")],
        help_text="Claims above this are refused; finance records larger costs as direct spend.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "rates"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="expenses_rates_single_row"),
            models.CheckConstraint(
                condition=Q(car_rate__lte=MAX_MILE_RATE)
                & Q(car_rate_after__lte=MAX_MILE_RATE)
                & Q(passenger_rate__lte=MAX_PASSENGER_RATE)
                & Q(claim_limit__lte=MAX_CLAIM_LIMIT)
                & Q(threshold_miles__lte=MAX_THRESHOLD_MILES),
                name="expenses_rates_within_bounds",
            ),
        ]

    def __str__(self) -> str:
        return "Mileage rates and limits"

    @classmethod
    def current(cls) -> Rates:
        return cls.objects.get_or_create(pk=1)[0]


class ExpenseKind(models.TextChoices):
    EXPENSE = "expense", "Out-of-pocket expense"
    MILEAGE = "mileage", "Mileage"


class ExpenseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"


# Claims that count towards a volunteer's tax-year miles and towards spend.
LIVE_STATUSES = [ExpenseStatus.SUBMITTED, ExpenseStatus.APPROVED, ExpenseStatus.PAID]


class ExpenseClaim(TimeStamped):
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expense_claims"
    )
    kind = models.CharField(max_length=10, choices=ExpenseKind.choices, default=ExpenseKind.EXPENSE)
    status = models.CharField(
        max_length=10, choices=ExpenseStatus.choices, default=ExpenseStatus.DRAFT
    )
    spent_on = models.DateField("date of the spend")
    category = models.CharField(max_length=30, choices=Category.choices)
    description = models.CharField(max_length=200)
    amount = money_field("amount (£)")
    course = models.ForeignKey(
        "programmes.Course", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "programmes.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    receipt = models.FileField(upload_to=DocumentPath("receipts"), blank=True)
    receipt_type = models.CharField(max_length=40, choices=DocumentType.choices, blank=True)
    receipt_label = models.CharField("receipt's file name", max_length=100, blank=True)
    # Mileage: the amount is worked out on the server from these and the rates.
    start_postcode = models.CharField("from (postcode)", max_length=10, blank=True)
    end_postcode = models.CharField("to (postcode)", max_length=10, blank=True)
    miles = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1000"))],
    )  # fmt: skip
    passengers = models.PositiveSmallIntegerField(
        "passengers carried", default=0, validators=[MaxValueValidator(8)]
    )
    purpose = models.CharField(max_length=200, blank=True)
    # A claim made from rides: where the driver went, written from the rides ("NG4, NG5 →
    # Oakfield Community Centre (NG7 1AB) and back"): districts only, never a door.
    route = models.CharField(max_length=200, blank=True)
    miles_at_car_rate = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal("0"))
    miles_at_lower_rate = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal("0"))
    # The mileage rates in force when the claim was handed in, kept with it: pricing it
    # again later (an earlier claim stops counting towards the threshold) uses these,
    # whatever finance has set since. Empty for drafts and out-of-pocket claims.
    priced_car_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    priced_car_rate_after = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    priced_passenger_rate = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    priced_threshold_miles = models.PositiveIntegerField(null=True, blank=True)
    # Workflow
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    # Corrected and handed in again after a rejection (the last reason stays above).
    times_resubmitted = models.PositiveSmallIntegerField(default=0)
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-spent_on", "-pk"]
        indexes = [
            models.Index(fields=["status", "spent_on"], name="expenses_claim_status_date"),
            # A year's claims in date order (the CSV export, the year's figures): without
            # it, each read scanned every claim of every year.
            models.Index(fields=["spent_on", "id"], name="expenses_claim_date"),
            # The finance dashboard's two queues, oldest first, a page at a time: read
            # from these in order rather than every waiting claim sorted per request.
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(status="submitted"),
                name="expenses_claim_waiting",
            ),
            models.Index(
                fields=["decided_at", "id"],
                condition=Q(status="approved"),
                name="expenses_claim_to_pay",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="expenses_claim_amount_not_negative"
            ),
            # The rates a claim was priced at are kept whole or not at all.
            models.CheckConstraint(
                condition=Q(
                    priced_car_rate__isnull=True,
                    priced_car_rate_after__isnull=True,
                    priced_passenger_rate__isnull=True,
                    priced_threshold_miles__isnull=True,
                )
                | Q(
                    priced_car_rate__isnull=False,
                    priced_car_rate_after__isnull=False,
                    priced_passenger_rate__isnull=False,
                    priced_threshold_miles__isnull=False,
                ),
                name="expenses_claim_rates_kept_whole",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExpenseStatus.values), name="expenses_claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="expenses_claim_category_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ExpenseKind.MILEAGE) | Q(miles__gt=0),
                name="expenses_claim_mileage_has_miles",
            ),
            models.CheckConstraint(
                condition=Q(status=ExpenseStatus.DRAFT) | Q(amount__gt=0),
                name="expenses_claim_submitted_amount_positive",
            ),
            models.CheckConstraint(
                condition=~Q(status=ExpenseStatus.PAID)
                | (Q(paid_on__isnull=False) & ~Q(payment_reference="")),
                name="expenses_claim_paid_has_payment",
            ),
            models.CheckConstraint(
                condition=~Q(status=ExpenseStatus.REJECTED) | ~Q(rejection_reason=""),
                name="expenses_claim_rejected_has_reason",
            ),
            # A stored receipt always has the type the server decided for it.
            models.CheckConstraint(
                condition=(Q(receipt="") & Q(receipt_type=""))
                | (~Q(receipt="") & Q(receipt_type__in=DocumentType.values)),
                name="expenses_claim_receipt_has_type",
            ),
            # Nobody approves their own claim, also when written outside the app.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("claimant")),
                name="expenses_claim_not_self_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim #{self.pk}"

    @property
    def label(self) -> str:
        """The claim in the words every message uses: "claim #12 for £34.50"."""
        return f"claim #{self.pk} for £{self.amount or 0:,.2f}"

    def keep_rates(self, rates: Rates | MileageRates) -> None:
        """Record the rates this claim is priced at as it is handed in."""
        self.priced_car_rate = rates.car_rate
        self.priced_car_rate_after = rates.car_rate_after
        self.priced_passenger_rate = rates.passenger_rate
        self.priced_threshold_miles = rates.threshold_miles

    @property
    def rates_priced_at(self) -> MileageRates | None:
        """The rates kept when the claim was handed in, or None for a draft (one not
        handed in yet, or reopened after a rejection: priced at today's rates)."""
        if self.priced_car_rate is None or self.status == ExpenseStatus.DRAFT:
            return None
        return MileageRates(
            car_rate=self.priced_car_rate,
            car_rate_after=self.priced_car_rate_after,
            passenger_rate=self.priced_passenger_rate,
            threshold_miles=self.priced_threshold_miles,
        )

    def mileage_description(self) -> str:
        """What a mileage claim is called in lists: where from and to, and why."""
        return f"Mileage {self.start_postcode} to {self.end_postcode}: {self.purpose}"[:200]

    @property
    def is_editable(self) -> bool:
        """By the claimant: a draft, or a rejected claim to correct and resubmit."""
        return self.status in (ExpenseStatus.DRAFT, ExpenseStatus.REJECTED)


class ClaimRide(models.Model):
    """A ride a mileage claim is for. Each ride is claimed once, whatever becomes of the
    claim: a rejected claim keeps its rides, because it is corrected and resubmitted as
    the same claim (``expense_save``). Only deleting the claim frees them, and only a
    draft can be deleted, by its claimant (``expense_delete_draft``).

    The ride is protected: a ride money was claimed for stays as long as the claim (six
    years, expenses/retention.py), while the participant's details go sooner
    (programmes/retention.py); so the pick-up district finance sees is kept here.
    """

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="ride_links")
    ride = models.ForeignKey(
        "programmes.Ride", on_delete=models.PROTECT, related_name="claim_links"
    )
    pickup_district = models.CharField("pick-up district", max_length=4, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["ride"], name="expenses_claimride_once_per_ride"),
        ]

    def __str__(self) -> str:
        return f"Ride #{self.ride_id} on claim #{self.claim_id}"


class ExpenseEvent(models.Model):
    """Every change of a claim's state: who, when, from, to, and a note."""

    claim = models.ForeignKey(ExpenseClaim, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Expense event #{self.pk}"


class PendingReceipt(models.Model):
    """A receipt uploaded with a claim form that had mistakes elsewhere, kept on the server
    so the claimant need not upload it again (phones lose the chosen file on a reload).

    Only its owner can use it, by its random token, for a day (the retention job then
    deletes it with its file); it becomes the claim's receipt when the claim is saved.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=DocumentPath("pending"))
    file_type = models.CharField(max_length=40, choices=DocumentType.choices)
    label = models.CharField("file name", max_length=100)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(file_type__in=DocumentType.values),
                name="expenses_pendingreceipt_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Kept receipt #{self.pk}"

    def document(self) -> CheckedDocument:
        """The kept file, ready to store as a claim's receipt (it was checked on upload)."""
        with self.file.open("rb") as handle:
            return CheckedDocument(handle.read(), content_type=self.file_type, label=self.label)


class DirectSpend(TimeStamped):
    """Spend finance records that is not a claim: a venue invoice, training materials."""

    spent_on = models.DateField("date paid")
    category = models.CharField(max_length=30, choices=Category.choices)
    description = models.CharField(max_length=200)
    amount = money_field("amount (£)")
    attachment = models.FileField(upload_to=DocumentPath("spend"), blank=True)
    attachment_type = models.CharField(max_length=40, choices=DocumentType.choices, blank=True)
    attachment_label = models.CharField("attachment's file name", max_length=100, blank=True)
    # A venue invoice replaces the automatic hire cost of the sessions it covers.
    venue = models.ForeignKey(
        "venues.Venue", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    covers_from = models.DateField("sessions from", null=True, blank=True)
    covers_to = models.DateField("sessions to", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="expenses_spend_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="expenses_spend_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(venue__isnull=True)
                | (Q(covers_from__isnull=False) & Q(covers_to__gte=F("covers_from"))),
                name="expenses_spend_invoice_covers_dates",
            ),
            models.CheckConstraint(
                condition=(Q(attachment="") & Q(attachment_type=""))
                | (~Q(attachment="") & Q(attachment_type__in=DocumentType.values)),
                name="expenses_spend_attachment_has_type",
            ),
        ]

    def __str__(self) -> str:
        return f"Spend #{self.pk}"


class BudgetAlertState(models.Model):
    """Whether spend is above one alert line (a threshold or a category's allocation).

    An alert fires when spend crosses the line from below, and again only after it has
    dropped back below; ``times_fired`` makes each firing's message key unique.
    """

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="alert_states")
    line = models.CharField(max_length=40)
    above = models.BooleanField(default=False)
    times_fired = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["budget", "line"], name="expenses_alert_state_unique"),
        ]

    def __str__(self) -> str:
        return f"Alert state #{self.pk}"
