"""Community venues where HOPE courses meet."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from hope.modelbase import TimeStamped
from hope.params import FIRST_DAY

# A venue's first price is in force from here: sessions entered later for earlier days
# (a course typed in after it ran) are priced too.
PRICES_FROM = FIRST_DAY


class Setting(models.TextChoices):
    # The movement prefers community settings; lists show the setting so it is visible.
    COMMUNITY = "community", "Community venue"
    GP_SURGERY = "gp_surgery", "GP surgery"
    COMMUNITY_HOSPITAL = "community_hospital", "Community hospital"
    ACUTE_HOSPITAL = "acute_hospital", "Acute hospital"


class VenueQuerySet(models.QuerySet):
    def active(self) -> VenueQuerySet:
        return self.filter(is_active=True)


class Venue(TimeStamped):
    name = models.CharField(max_length=120)
    address = models.TextField(help_text="Street address, without the postcode.")
    postcode = models.CharField(max_length=10)
    town = models.CharField(
        max_length=60,
        blank=True,
        help_text="Shown on the public course pages, e.g. “Northgate”.",
    )
    setting = models.CharField(
        "kind of setting", max_length=20, choices=Setting.choices, default=Setting.COMMUNITY
    )
    contact_name = models.CharField("contact name", max_length=120, blank=True)
    contact_phone = models.CharField("contact phone", max_length=30, blank=True)
    contact_email = models.EmailField("contact email", blank=True)
    room_capacity = models.PositiveSmallIntegerField(
        "room capacity",
        validators=[MinValueValidator(1)],
        help_text="How many people the room holds, facilitators included.",
    )
    hire_cost = models.DecimalField(
        "hire cost per session (£)",
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Enter 0 for a donated room. A new price applies to sessions from today; "
        "earlier sessions keep the price they had.",
    )
    step_free_access = models.BooleanField("step-free access", default=False)
    accessible_toilet = models.BooleanField("accessible toilet", default=False)
    hearing_loop = models.BooleanField("hearing loop", default=False)
    parking = models.BooleanField("parking", default=False)
    near_public_transport = models.BooleanField("near public transport", default=False)
    accessibility_notes = models.TextField(
        "accessibility notes",
        blank=True,
        help_text="Shown on the public course pages, with the facts ticked above.",
    )
    is_active = models.BooleanField(
        "in use", default=True, help_text="Untick to stop offering this venue for new courses."
    )

    objects = VenueQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hire_cost__gte=0), name="venues_venue_hire_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(room_capacity__gte=1), name="venues_venue_room_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(setting__in=Setting.values), name="venues_venue_setting_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Save, and record the hire cost in the price history when it is new or changed.

        Here rather than in a view, so that every way a venue is written (the
        coordinators' form, the admin, demo data) keeps the history that past spend is
        priced from. One query to read the latest price; two coordinators saving at
        once take turns on the venue row that the UPDATE locks.
        """
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._record_price()

    def _record_price(self) -> None:
        latest = self.prices.order_by("-valid_from").first()
        if latest is None:
            VenuePrice.objects.create(venue=self, valid_from=PRICES_FROM, hire_cost=self.hire_cost)
        elif latest.hire_cost != self.hire_cost:
            # A second change on the same day corrects that day's price.
            VenuePrice.objects.update_or_create(
                venue=self, valid_from=timezone.localdate(), defaults={"hire_cost": self.hire_cost}
            )

    @property
    def one_line_address(self) -> str:
        """The address and postcode on one line, for a message: "14 Mill Lane, Northgate,
        NG4 2RL"."""
        lines = [line.strip(" ,") for line in self.address.splitlines()]
        return ", ".join([line for line in lines if line] + [self.postcode])

    def accessibility_facts(self) -> list[str]:
        facts = [
            ("step_free_access", "Step-free access"),
            ("accessible_toilet", "Accessible toilet"),
            ("hearing_loop", "Hearing loop"),
            ("parking", "Parking"),
            ("near_public_transport", "Near public transport"),
        ]
        return [label for field, label in facts if getattr(self, field)]


class VenuePrice(models.Model):
    """A venue's hire cost per session from a day on (London days), kept for good.

    A session's hire is the price in force on its day: the row with the latest
    ``valid_from`` on or before it. Changing a venue's price adds a row from today, so
    spend already counted is never rewritten.
    """

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="prices")
    valid_from = models.DateField("in force from")
    hire_cost = models.DecimalField(
        "hire cost per session (£)",
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["venue", "-valid_from", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "valid_from"], name="venues_venueprice_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(hire_cost__gte=0), name="venues_venueprice_hire_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Price #{self.pk}"

    @property
    def is_from_the_start(self) -> bool:
        return self.valid_from <= PRICES_FROM
