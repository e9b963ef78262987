"""Forms for rides: where a driver sets off from, a pick-up time, a coordinator's choice of
driver or of another way there."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from hope.formkit import Form
from hope.models import User
from hope.postcodes import uk_district
from programmes.access import drivers
from programmes.models import Arranged, Ride
from programmes.models.rides import LONGEST_PICKUP_LEAD
from programmes.services.rides import SHORTEST_PICKUP_LEAD


class DriverAreaForm(Form):
    district = forms.CharField(
        label="Your postcode district",
        max_length=10,
        help_text="The first half of your postcode, like NG4. Rides nearest it come first.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_district(self) -> str:
        return uk_district(self.cleaned_data["district"])


class PickupForm(Form):
    pickup = forms.TimeField(
        label="Pick-up time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="When you will collect them, on the day of the session.",
    )

    def __init__(self, *args, ride: Ride, **kwargs):
        super().__init__(*args, **kwargs)
        self.ride = ride

    def clean_pickup(self):
        value: time = self.cleaned_data["pickup"]
        start = timezone.localtime(self.ride.session.start)
        pickup = timezone.make_aware(datetime.combine(start.date(), value))
        if pickup >= start:
            # A session soon after midnight is collected for the evening before.
            pickup = timezone.make_aware(datetime.combine(start.date() - timedelta(days=1), value))
        lead = start - pickup
        if not SHORTEST_PICKUP_LEAD <= lead <= LONGEST_PICKUP_LEAD:
            earliest = timezone.localtime(start - LONGEST_PICKUP_LEAD)
            latest = timezone.localtime(start - SHORTEST_PICKUP_LEAD)
            raise ValidationError(
                f"Enter a pick-up time between {earliest:%H:%M} and {latest:%H:%M}: the "
                f"session starts at {start:%H:%M}."
            )
        self.cleaned_data["lead"] = lead
        return value


class AssignDriverForm(Form):
    driver = forms.ModelChoiceField(
        label="Driver", queryset=User.objects.none(), empty_label="Choose a driver"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["driver"].queryset = drivers()


class ArrangeForm(Form):
    how = forms.ChoiceField(
        label="How they are getting there",
        choices=[("", "Choose how")] + list(Arranged.choices),
    )
