from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone

from hope.formkit import DATE_WIDGET, Form, ModelForm
from programmes.measures import Measure
from programmes.models import ClosureDate, Course, CourseStatus, Programme
from venues.models import Venue

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def local_datetime(day, start_time) -> datetime:
    return datetime.combine(day, start_time, tzinfo=ZoneInfo(settings.TIME_ZONE))


class CourseForm(Form):
    title = forms.CharField(
        max_length=150, help_text="For example “HOPE for carers – Tuesday mornings, spring”."
    )
    programme = forms.ModelChoiceField(queryset=Programme.objects.filter(is_active=True))
    venue = forms.ModelChoiceField(
        queryset=Venue.objects.active(),
        required=False,
        help_text="Leave empty for an online course.",
    )
    first_day = forms.DateField(label="Date of the first session", widget=DATE_WIDGET)
    start_time = forms.TimeField(label="Start time", widget=TIME_WIDGET)
    capacity = forms.IntegerField(
        label="Places",
        min_value=1,
        max_value=100,
        required=False,
        help_text="Leave empty to use the programme's usual group size.",
    )
    status = forms.ChoiceField(
        choices=[(CourseStatus.DRAFT, "Draft"), (CourseStatus.PUBLISHED, "Published")],
        initial=CourseStatus.DRAFT,
        widget=forms.RadioSelect,
        help_text="Facilitators see published courses on their board.",
    )

    def clean(self):
        cleaned = super().clean()
        programme = cleaned.get("programme")
        if programme is not None and not cleaned.get("capacity"):
            cleaned["capacity"] = programme.usual_group_size
        return cleaned


class CourseEditForm(ModelForm):
    error_names = {"capacity": "the number of places"}
    status = forms.ChoiceField(
        choices=[(CourseStatus.DRAFT, "Draft"), (CourseStatus.PUBLISHED, "Published")],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Course
        fields = ["title", "venue", "capacity", "status"]
        help_texts = {"venue": "A new venue applies to the course's future sessions."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.active()

    def _post_clean(self):
        # The service checks venue and places (programmes.services.check_course_venue)
        # and saves; the form does not write to the instance the page still shows.
        pass


class SessionForm(Form):
    day = forms.DateField(label="Date", widget=DATE_WIDGET)
    start_time = forms.TimeField(label="Start time", widget=TIME_WIDGET)
    venue = forms.ModelChoiceField(
        queryset=Venue.objects.active(), required=False, help_text="Empty for online."
    )

    def __init__(self, *args, session, **kwargs):
        self.session = session
        local_start = timezone.localtime(session.start)
        kwargs.setdefault(
            "initial",
            {"day": local_start.date(), "start_time": local_start.time(), "venue": session.venue},
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        day, start_time = cleaned.get("day"), cleaned.get("start_time")
        if day and start_time:
            cleaned["start"] = local_datetime(day, start_time)
        return cleaned


class ProgrammeForm(ModelForm):
    error_names = {
        "sessions_per_course": "the number of sessions in a course",
        "completion_min_sessions": "the number of sessions needed to complete",
        "delivery": "how it is delivered",
    }

    class Meta:
        model = Programme
        fields = [
            "name",
            "description",
            "sessions_per_course",
            "session_length",
            "usual_group_size",
            "delivery",
            "completion_min_sessions",
            "measures",
            "is_active",
            "is_listed",
            "audience",
            "what_to_expect",
        ]
        widgets = {
            "delivery": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "what_to_expect": forms.Textarea(attrs={"rows": 4}),
        }

    measures = forms.MultipleChoiceField(
        label="Outcome measures",
        choices=Measure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Which scores the team records at the first and last session.",
    )

    def clean(self):
        cleaned = super().clean()
        sessions, needed = (
            cleaned.get("sessions_per_course"),
            cleaned.get("completion_min_sessions"),
        )
        if sessions and needed and needed > sessions:
            self.add_error(
                "completion_min_sessions",
                f"Cannot be more than the {sessions} sessions in a course.",
            )
        length = cleaned.get("session_length")
        if length is not None and not (0 < length.total_seconds() <= 12 * 3600):
            self.add_error("session_length", "Enter a length between 0:15:00 and 12:00:00.")
        return cleaned

    def validate_constraints(self):
        # clean() has already said it in words; skip the generic constraint messages.
        pass


class ClosureForm(ModelForm):
    class Meta:
        model = ClosureDate
        fields = ["date", "reason", "venue"]
        widgets = {"date": DATE_WIDGET}
        labels = {"venue": "Only this venue"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].empty_label = "Every venue"

    def clean(self):
        cleaned = super().clean()
        day, venue = cleaned.get("date"), cleaned.get("venue")
        if day and ClosureDate.objects.filter(date=day, venue=venue).exists():
            self.add_error("date", "This closure is already entered.")
        return cleaned

    def validate_constraints(self):
        pass  # clean() checks the one constraint with a clearer message


class ProgrammeListingForm(Form):
    """Team settings: which programmes' courses the public pages list."""

    listed = forms.ModelMultipleChoiceField(
        label="Programmes listed on the public pages",
        queryset=Programme.objects.order_by("name", "pk"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Their published courses appear on “Find a course” (/find/) until they "
        "start. Untick a programme to keep its courses off the public pages.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["listed"].initial = [
            p.pk for p in self.fields["listed"].queryset if p.is_listed
        ]
