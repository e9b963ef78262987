from django import forms

from hope.formkit import ModelForm
from hope.postcodes import PostcodeField
from venues.models import Venue


class VenueForm(ModelForm):
    postcode = PostcodeField(label="Postcode")

    class Meta:
        model = Venue
        fields = [
            "name",
            "address",
            "postcode",
            "town",
            "setting",
            "room_capacity",
            "hire_cost",
            "contact_name",
            "contact_phone",
            "contact_email",
            "step_free_access",
            "accessible_toilet",
            "hearing_loop",
            "parking",
            "near_public_transport",
            "accessibility_notes",
            "is_active",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
        }
