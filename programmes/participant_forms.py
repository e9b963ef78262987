"""Forms for the coordinators' participant pages: a referral with the person's details,
changes to those details and consents, a place on a course, scores and feedback.

Forms check what a person typed and say how to fix it; the services in
``programmes/services/participants.py`` decide and save, and their errors
(``PlaceError``/``ScoreError`` with ``.field``) come back here as field messages.
"""

from __future__ import annotations

import re
import time

from django import forms
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models.signals import post_delete, post_save
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from hope.cache import CacheVersion
from hope.formkit import DATE_WIDGET, Form, ListSelect, ModelForm
from hope.postcodes import PostcodeField
from programmes.measures import ITEMS, Measure, Timepoint
from programmes.models import (
    LIVE_PLACE,
    Channel,
    ConsentMethod,
    Course,
    CourseStatus,
    Participant,
    Referral,
    ReferralSource,
    ReferralStatus,
    Session,
    TransportLegs,
)
from programmes.signals import course_unpublished, sessions_cancelled, sessions_moved

# A UK mobile: 07 and nine more digits, or the same after +44 / 0044 (with or without
# the "(0)" people write after the country code). ASCII digits only: "٠٧" is not a number
# a text message can go to.
_MOBILE = re.compile(r"(?:(?:\+|00)44(?:0)?|0)(7[0-9]{9})")
_MOBILE_SEPARATORS = re.compile(r"[\s().-]")

MOBILE_MESSAGE = "Enter a UK mobile number, like 07700 900123."
TOO_LONG_MESSAGE = "Shorten this to %(limit_value)d characters or fewer."
FUTURE_MESSAGE = "{what} cannot be in the future: enter today's date or an earlier one."


def uk_mobile(value: str) -> str:
    """07700 900123 from any of the ways people write a UK mobile; ValidationError else."""
    match = _MOBILE.fullmatch(_MOBILE_SEPARATORS.sub("", value))
    if not match:
        raise ValidationError(MOBILE_MESSAGE)
    digits = "0" + match[1]
    return f"{digits[:5]} {digits[5:]}"


def _not_in_future(day, what: str):
    if day and day > timezone.localdate():
        raise ValidationError(FUTURE_MESSAGE.format(what=what))
    return day


def add_service_error(form: forms.Form, error: Exception, default: str | None = None) -> None:
    """A service's refusal as a message next to the field it names (or at the top)."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else default, str(error))


def add_validation_errors(form: forms.Form, error: ValidationError) -> None:
    """The model's own checks (the services' backstop), next to the fields they name."""
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields and name != NON_FIELD_ERRORS else None, messages)


class ParticipantForm(ModelForm):
    """The person's details and their two consents, each with its date and how given."""

    # What each field says when it is left empty, in GOV.UK's words: how to fix it.
    REQUIRED = {
        "full_name": "Enter their full name.",
        "preferred_channel": "Choose how they prefer to hear from us.",
    }

    # A number typed with +44 (0) and spaces is longer than the 12 characters kept.
    mobile = forms.CharField(
        label="Mobile number",
        max_length=30,
        required=False,
        help_text="A UK mobile, for text messages, e.g. 07700 900123.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        error_messages={"max_length": MOBILE_MESSAGE},
    )
    pickup_postcode = PostcodeField(
        label="Pick-up postcode",
        required=False,
        help_text="Where a volunteer driver collects them.",
    )
    postal_address = forms.CharField(
        label="Postal address",
        max_length=500,
        required=False,
        help_text="Only if they prefer letters; kept only then.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Participant
        fields = [
            "full_name",
            "preferred_name",
            "email",
            "mobile",
            "preferred_channel",
            "postal_address",
            "access_needs",
            "needs_transport",
            "pickup_postcode",
            "transport_legs",
            "pickup_notes",
            "consent_contact",
            "consent_contact_on",
            "consent_contact_how",
            "consent_evaluation",
            "consent_evaluation_on",
            "consent_evaluation_how",
        ]
        labels = {
            "consent_contact_on": "Date they agreed to be contacted",
            "consent_contact_how": "How they agreed to be contacted",
            "consent_evaluation_on": "Date they agreed to the evaluation",
            "consent_evaluation_how": "How they agreed to the evaluation",
            "transport_legs": "Rides they need",
        }
        help_texts = {
            "transport_legs": "If they need transport. Two drivers can share there and back "
            "when nobody can wait for the session to end.",
        }
        widgets = {
            "preferred_channel": forms.RadioSelect,
            "transport_legs": forms.RadioSelect,
            "access_needs": forms.Textarea(attrs={"rows": 3}),
            "consent_contact_on": DATE_WIDGET,
            "consent_evaluation_on": DATE_WIDGET,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in self.REQUIRED.items():
            # The model leaves the name blank once retention removes it; until then, it's needed.
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = message
        self.fields["preferred_channel"].choices = Channel.choices
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the right form, like name@example.org."
        )
        for name in (
            "full_name",
            "preferred_name",
            "email",
            "postal_address",
            "access_needs",
            "pickup_notes",
        ):
            self.fields[name].error_messages["max_length"] = TOO_LONG_MESSAGE
        # Radios always send one; a request without it gets the usual: one driver, both ways.
        self.fields["transport_legs"].required = False
        self.fields["transport_legs"].choices = TransportLegs.choices
        self.fields["transport_legs"].error_messages["invalid_choice"] = (
            "Choose which rides they need."
        )
        for how in ("consent_contact_how", "consent_evaluation_how"):
            self.fields[how].choices = [("", "Choose…"), *ConsentMethod.choices]
        for on in ("consent_contact_on", "consent_evaluation_on"):
            self.fields[on].error_messages["invalid"] = "Enter a real date, like 26 11 2026."

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_preferred_name(self) -> str:
        return " ".join(self.cleaned_data["preferred_name"].split())

    def clean_pickup_notes(self) -> str:
        return " ".join(self.cleaned_data["pickup_notes"].split())

    def clean_mobile(self) -> str:
        mobile = self.cleaned_data["mobile"]
        return uk_mobile(mobile) if mobile else ""

    def clean_consent_contact_on(self):
        return _not_in_future(self.cleaned_data["consent_contact_on"], "The date they agreed")

    def clean_consent_evaluation_on(self):
        return _not_in_future(self.cleaned_data["consent_evaluation_on"], "The date they agreed")

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("preferred_channel")
        email, mobile = cleaned.get("email"), cleaned.get("mobile")
        # Only fields that passed their own checks are judged together.
        if "email" not in self.errors and "mobile" not in self.errors:
            if channel == Channel.EMAIL and not email:
                self.add_error("email", "Enter their email address, or choose another way.")
            elif channel == Channel.SMS and not mobile:
                self.add_error("mobile", "Enter their mobile number, or choose another way.")
            elif not email and not mobile:
                self.add_error("email", "Enter an email address or a mobile number.")
        if channel == Channel.LETTER:
            if (
                not cleaned.get("postal_address", "").strip()
                and "postal_address" not in self.errors
            ):
                self.add_error("postal_address", "Enter their postal address for letters.")
        else:
            # Data minimisation: an address is kept only for someone who wants letters.
            cleaned["postal_address"] = ""
        if cleaned.get("needs_transport"):
            if not cleaned.get("pickup_postcode") and "pickup_postcode" not in self.errors:
                self.add_error("pickup_postcode", "Enter the postcode to collect them from.")
            if not cleaned.get("transport_legs") and "transport_legs" not in self.errors:
                cleaned["transport_legs"] = TransportLegs.BOTH
        else:
            # Data minimisation: where and how a driver collects them is kept only while
            # they need a lift.
            cleaned["pickup_postcode"], cleaned["pickup_notes"] = "", ""
            cleaned["transport_legs"] = TransportLegs.BOTH
        self._clean_consent(cleaned, "contact", "agreed to be contacted")
        self._clean_consent(cleaned, "evaluation", "agreed to the evaluation")
        return cleaned

    def _clean_consent(self, cleaned: dict, name: str, what: str) -> None:
        """A consent carries its date and how it was given; without it, neither is kept."""
        on, how = f"consent_{name}_on", f"consent_{name}_how"
        if not cleaned.get(f"consent_{name}"):
            cleaned[on], cleaned[how] = None, ""
            return
        if not cleaned.get(on) and on not in self.errors:
            self.add_error(on, f"Enter the date they {what}.")
        if not cleaned.get(how) and how not in self.errors:
            self.add_error(how, f"Choose how they {what}.")

    def _post_clean(self):
        # The services check the whole record (Participant.full_clean) and save; the
        # form does not write into the instance the page still shows.
        pass

    def values(self) -> dict:
        """The cleaned details, by model field."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


def open_courses(now=None):
    """Courses that can still take people: not cancelled, with sessions still to come,
    soonest first (with dates, for the labels)."""
    now = now or timezone.now()
    return (
        Course.objects.exclude(status=CourseStatus.CANCELLED)
        .not_over(now)
        .with_dates()
        .filter(last_end__gt=now)
        .order_by("first_start", "pk")
    )


# The open courses are remembered, as every participant record offers them: their query
# aggregates the sessions of every course still running, a third of the record's time.
# A course or session saved or deleted, or sessions moved or cancelled in bulk, forget
# them (``connect``); time alone only closes courses, which reading filters out.
OPEN_COURSES_VERSION = CacheVersion("programmes:open-courses:version")
open_courses_changed = OPEN_COURSES_VERSION.replace


# This process's copy of the rows it last read, with the key they were read under and
# when: the version in the key names the rows, so while it holds, the copy is the cache's
# rows without a second round trip to Redis for them (a third of a millisecond of each
# record's CPU). Kept for minutes, never longer than the cache keeps the rows.
_OPEN_COURSES_KEPT_SECONDS = 600
_open_courses_read: tuple[str, float, list[tuple]] | None = None


def open_course_rows(now=None) -> list[tuple]:
    """``open_courses()`` as (pk, title, status, first_start, last_end) rows, soonest
    first. One query when not remembered, else none."""
    global _open_courses_read
    now = now or timezone.now()
    key = f"programmes:open-courses:{OPEN_COURSES_VERSION.current()}"
    read = _open_courses_read
    if (
        read is not None
        and read[0] == key
        and time.monotonic() - read[1] < _OPEN_COURSES_KEPT_SECONDS
    ):
        rows = read[2]
    else:
        rows = cache.get(key)
        if rows is None:
            rows = list(
                open_courses(now).values_list("pk", "title", "status", "first_start", "last_end")
            )
            cache.set(key, rows, timeout=24 * 3600)
        _open_courses_read = (key, time.monotonic(), rows)
    return [row for row in rows if row[4] > now]


def connect() -> None:
    """Forget the open courses whenever a course or session changes. Called from
    ``ProgrammesConfig.ready``."""
    for model in (Course, Session):
        uid = f"open-courses-{model.__name__}"
        post_save.connect(open_courses_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(open_courses_changed, sender=model, dispatch_uid=uid)
    for signal in (sessions_moved, sessions_cancelled, course_unpublished):
        signal.connect(open_courses_changed, dispatch_uid=f"open-courses-{id(signal)}")


def course_label(title: str, status: str, first_start, now) -> str:
    """How a course reads in a list to choose from: its title, whether a draft, and
    when it starts or started."""
    start = timezone.localtime(first_start)
    started = "started" if first_start <= now else "starts"
    draft = " (draft)" if status == CourseStatus.DRAFT else ""
    return f"{title}{draft} – {started} {start:%a %-d %b %Y}"


class CourseChoiceIterator(ModelChoiceIterator):
    """The courses as (pk, label) pairs from the field's rows (``CourseChoiceField.offer``),
    not from course instances (forty, with every column and the dates' annotations, were
    a millisecond of each participant record), read once and kept: the page asks whether
    there are any, then its select writes them. The field gives its widget a new one
    whenever its queryset is set, so a form's courses are never another form's."""

    def __init__(self, field):
        super().__init__(field)
        self._read: list | None = None

    def __iter__(self):
        if self._read is None:
            now = timezone.now()
            self._read = (
                [("", self.field.empty_label)] if self.field.empty_label is not None else []
            )
            self._read += [
                (pk, course_label(title, status, first_start, now))
                for pk, title, status, first_start, _ in self.field.rows
            ]
        return iter(self._read)


class CourseChoiceField(forms.ModelChoiceField):
    # Written out in Python: forty courses through Django's option template were 3 ms of
    # each participant record.
    widget = ListSelect
    iterator = CourseChoiceIterator
    rows: list[tuple] = []

    def offer(self, rows: list[tuple]) -> None:
        """Offer these courses (rows of ``open_course_rows``), and accept only them."""
        self.rows = rows
        self.queryset = Course.objects.filter(pk__in=[row[0] for row in rows])


class ReferralForm(Form):
    source = forms.ChoiceField(
        label="Referred by",
        choices=[("", "Choose…"), *ReferralSource.choices],
        error_messages={
            "required": "Choose who referred them.",
            "invalid_choice": "Choose who referred them.",
        },
    )
    referrer = forms.CharField(
        label="Referrer's name and team",
        max_length=150,
        required=False,
        help_text="E.g. “Dr Patel, Riverside Surgery”. Leave empty for a self-referral.",
        error_messages={"max_length": TOO_LONG_MESSAGE},
    )
    received_on = forms.DateField(
        label="Date the referral was received",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the date the referral was received.",
            "invalid": "Enter a real date, like 26 11 2026.",
        },
    )
    course = CourseChoiceField(
        label="Course they asked for",
        queryset=Course.objects.none(),
        required=False,
        empty_label="None in particular",
        error_messages={"invalid_choice": "Choose a course from the list."},
    )
    enrol_now = forms.BooleanField(
        label="Enrol them on this course now",
        required=False,
        help_text="If it is full, they join its waiting list; the message says which.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].offer(open_course_rows())
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        return _not_in_future(self.cleaned_data["received_on"], "The date received")

    def clean_referrer(self) -> str:
        return " ".join(self.cleaned_data["referrer"].split())

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if source and source != ReferralSource.SELF and not cleaned.get("referrer"):
            self.add_error("referrer", "Enter the referrer's name and team.")
        if cleaned.get("enrol_now") and not cleaned.get("course") and "course" not in self.errors:
            self.add_error("course", "Choose the course to enrol them on, or untick “enrol now”.")
        return cleaned

    def referral(self) -> Referral:
        data = self.cleaned_data
        return Referral(
            source=data["source"],
            referrer=data["referrer"],
            received_on=data["received_on"],
            course=data["course"],
        )


class ReferralStatusForm(Form):
    status = forms.ChoiceField(
        label="Status",
        choices=ReferralStatus.choices,
        error_messages={
            "required": "Choose a status from the list.",
            "invalid_choice": "Choose a status from the list.",
        },
    )


class PlaceAddForm(Form):
    course = CourseChoiceField(
        label="Course",
        queryset=Course.objects.none(),
        empty_label="Choose a course…",
        error_messages={
            "required": "Choose the course to add them to.",
            "invalid_choice": "Choose a course from the list.",
        },
    )

    def __init__(self, *args, participant: Participant, live_courses=None, **kwargs):
        """``live_courses``: the pks of the courses they hold a live place on, when the
        page has read them already."""
        super().__init__(*args, **kwargs)
        # Not the courses they are on, waiting for or offered.
        if live_courses is None:
            live_courses = participant.places.filter(status__in=LIVE_PLACE).values_list(
                "course_id", flat=True
            )
        live = set(live_courses)
        self.fields["course"].offer([row for row in open_course_rows() if row[0] not in live])

    def course_choices(self) -> list:
        """The choice's options, as its select writes them: read once (the widget's
        ``CourseChoiceIterator`` keeps them), where each reading of a ModelChoiceField's
        own ``choices`` is a query."""
        # Not list(): it asks the iterator's length first, which is a COUNT query.
        return [choice for choice in self.fields["course"].widget.choices]

    @property
    def has_courses(self) -> bool:
        """Any course to offer, besides the empty "Choose a course…"."""
        return len(self.course_choices()) > 1


class ScoreForm(Form):
    """One measure at one point: SWEMWBS's 7 or WEMWBS's 14 answers (1-5), or PAM's
    score and level. The service checks the answers and computes the total; its
    ``ScoreError.field`` names the item to fix."""

    timepoint = forms.ChoiceField(
        label="When",
        choices=[("", "Choose…"), *Timepoint.choices],
        widget=ListSelect,
        error_messages={
            "required": "Choose when it was recorded.",
            "invalid_choice": "Choose when it was recorded.",
        },
    )

    def __init__(self, *args, measure: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        if measure == Measure.PAM:
            self.fields["pam_score"] = forms.CharField(
                label="PAM score",
                max_length=10,
                help_text="0 to 100, as the PAM report gives it (one decimal place).",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
                error_messages={
                    "required": "Enter the PAM score, from 0 to 100.",
                    "max_length": "Enter the PAM score, from 0 to 100.",
                },
            )
            self.fields["pam_level"] = forms.ChoiceField(
                label="PAM level",
                choices=[("", "Choose…"), *((str(n), f"Level {n}") for n in range(1, 5))],
                widget=ListSelect,
                error_messages={
                    "required": "Choose the PAM level, 1 to 4.",
                    "invalid_choice": "Choose the PAM level, 1 to 4.",
                },
            )
        else:
            for number in range(1, ITEMS[measure] + 1):
                self.fields[f"item_{number}"] = forms.CharField(
                    label=f"Item {number}",
                    max_length=3,
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 2}),
                    error_messages={"max_length": f"Item {number}: enter a number from 1 to 5."},
                )

    @property
    def measure_label(self) -> str:
        return Measure(self.measure).label

    def answers(self) -> dict:
        """The answers as ``score_record`` takes them, unchecked: it checks and scores."""
        data = self.cleaned_data
        if self.measure == Measure.PAM:
            return {"pam_score": data["pam_score"], "pam_level": data["pam_level"]}
        return {"items": [data[f"item_{n}"] for n in range(1, ITEMS[self.measure] + 1)]}


class FeedbackForm(Form):
    feedback = forms.CharField(
        label="Their feedback, in one line",
        max_length=300,
        required=False,
        help_text="In their words; no health details.",
        error_messages={"max_length": "Keep the feedback to %(limit_value)d characters."},
    )
