from __future__ import annotations

from django import forms
from django.utils import timezone

from facilitators.models import FacilitatorProfile, Training
from hope.formkit import DATE_WIDGET, Form, ModelForm


class OwnProfileForm(ModelForm):
    """What facilitators change themselves."""

    class Meta:
        model = FacilitatorProfile
        fields = ["phone", "reminder_days", "availability_note"]
        widgets = {"availability_note": forms.Textarea(attrs={"rows": 3})}


class ProfileForm(ModelForm):
    """What coordinators manage."""

    class Meta:
        model = FacilitatorProfile
        fields = ["status", "phone", "reminder_days", "availability_note", "note"]
        widgets = {
            "status": forms.RadioSelect,
            "availability_note": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }


class TrainingForm(ModelForm):
    class Meta:
        model = Training
        fields = ["programme", "trained_on", "refreshed_on"]
        widgets = {"trained_on": DATE_WIDGET, "refreshed_on": DATE_WIDGET}

    def __init__(self, *args, profile: FacilitatorProfile, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile

    def clean(self):
        cleaned = super().clean()
        trained, refreshed = cleaned.get("trained_on"), cleaned.get("refreshed_on")
        today = timezone.localdate()
        if trained and trained > today:
            self.add_error("trained_on", "The training date cannot be in the future.")
        if refreshed and refreshed > today:
            self.add_error("refreshed_on", "The refresher date cannot be in the future.")
        if trained and refreshed and refreshed < trained:
            self.add_error("refreshed_on", "The refresher cannot be before the training.")
        programme = cleaned.get("programme")
        existing = Training.objects.filter(profile=self.profile, programme=programme).first()
        if existing is not None:
            # Recording a programme again updates its dates (e.g. a new refresher).
            self.instance = existing
        return cleaned

    def validate_constraints(self):
        pass  # clean() says it in words

    def save(self, commit=True):
        self.instance.profile = self.profile
        return super().save(commit)


class CoverRequestForm(Form):
    error_names = {"reason": "the reason"}

    reason = forms.CharField(
        label="Why (optional)",
        max_length=200,
        required=False,
        help_text="Seen only by coordinators and by colleagues who could cover this session. "
        "There is no need to give health or personal details.",
    )
