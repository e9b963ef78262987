"""The forms of the public pages: the course finder's filters and the self-referral form.

Hostile until cleaned like every other form, and more so: anyone on the internet can post
them. The self-referral form carries a honeypot, a field hidden from people that some
bots fill in; the view treats a filled one as sent, and saves nothing.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from hope.channels import CHANNELS
from hope.formkit import Form, ListSelect
from hope.postcodes import PostcodeField, uk_district
from programmes.models import Channel, HowHeard
from programmes.participant_forms import MOBILE_MESSAGE, uk_mobile
from programmes.public import WEEKDAYS, CourseCard

ANY = ""


class PublicForm(Form):
    """Each input names its hint and, once wrong, its error message (aria-describedby), as
    public/_field.html lays them out."""

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            described = [f"id_{name}_helptext"] if field.help_text else []
            if name in self.errors:
                described.append(f"id_{name}-error")
            if described and not isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
                field.widget.attrs["aria-describedby"] = " ".join(described)


class FindForm(PublicForm):
    """The course finder's filters (a GET form): each one only offers what is listed."""

    # Written out in Python (ListSelect): a list of forty towns through Django's option
    # template was a quarter of the page's time.
    programme = forms.TypedChoiceField(
        label="Course", required=False, coerce=int, empty_value=None, widget=ListSelect
    )
    town = forms.ChoiceField(label="Town", required=False, widget=ListSelect)
    day = forms.TypedChoiceField(
        label="Day",
        widget=ListSelect,
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(ANY, "Any day"), *((str(n), day[:-1]) for n, day in enumerate(WEEKDAYS))],
    )
    near = forms.CharField(
        label="Nearest to your postcode",
        required=False,
        max_length=10,
        help_text="The first part is enough, like NG4.",
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    error_names = {"near": "your postcode"}

    def __init__(self, data=None, files=None, *, cards: list[CourseCard] = ()):
        super().__init__(data, files)
        programmes = sorted(
            {(card.programme_id, card.programme) for card in cards}, key=lambda p: p[1]
        )
        self.fields["programme"].choices = [(ANY, "Any course"), *programmes]
        towns = sorted({card.town for card in cards})
        self.fields["town"].choices = [(ANY, "Any town"), *((town, town) for town in towns)]

    def clean_near(self) -> str:
        value = self.cleaned_data["near"]
        if not value:
            return ""
        try:
            return uk_district(value)
        except ValidationError:
            raise ValidationError(
                "Enter your postcode, or its first part, like NG4 or NG4 2RL."
            ) from None

    def filters(self) -> dict:
        """The valid filters; one that is not valid is left out (its message is shown)."""
        self.is_valid()
        return {
            name: self.cleaned_data[name]
            for name in ("programme", "town", "day", "near")
            if name in getattr(self, "cleaned_data", {})
            and self.cleaned_data[name] not in ("", None)
        }


def contact_channels() -> list[tuple[str, str]]:
    """Texts only when the team can send them (GOV.UK Notify set up)."""
    channels = [(Channel.EMAIL.value, "Email")]
    if "sms" in CHANNELS:
        channels.append((Channel.SMS.value, "Text message"))
    return channels


class SelfReferralForm(PublicForm):
    """Asking for a place: the minimum a coordinator needs to call back, and the consents."""

    full_name = forms.CharField(label="Your full name", max_length=150)
    preferred_name = forms.CharField(
        label="What you like to be called (optional)", max_length=60, required=False
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label="Mobile number",
        required=False,
        max_length=30,
        help_text="A UK mobile, like 07700 900123.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"max_length": MOBILE_MESSAGE},
    )
    preferred_channel = forms.ChoiceField(
        label="How should we contact you?",
        widget=forms.RadioSelect,
        help_text="We send a link (email) or a code (text) to check it is you before the "
        "team sees your request.",
    )
    course = forms.TypedChoiceField(
        label="Which course?", coerce=int, empty_value=None, required=False
    )
    access_needs = forms.CharField(
        label="Anything that would help you take part (optional)",
        required=False,
        max_length=1000,
        help_text="For example large print, a hearing loop, a quiet space or a seat near the "
        "door. You do not need to tell us about your health.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs_transport = forms.BooleanField(
        label="I would need a lift to the sessions (volunteer drivers may be able to help)",
        required=False,
    )
    pickup_postcode = PostcodeField(
        label="Postcode to be collected from",
        required=False,
        help_text="Only if you need a lift.",
    )
    how_heard = forms.ChoiceField(
        label="How did you hear about HOPE? (optional)",
        required=False,
        choices=[(ANY, "Choose one"), *HowHeard.choices],
    )
    consent_contact = forms.BooleanField(
        label="I agree that the HOPE team may keep these details and contact me about courses",
        error_messages={
            "required": "Tick to agree that the team may keep your details and contact you: "
            "without it we cannot offer you a place."
        },
    )
    consent_evaluation = forms.BooleanField(
        label="I am happy for my anonymous answers to questionnaires to be used to show how "
        "well the courses work (optional)",
        required=False,
    )
    # The honeypot: hidden from people by CSS and from screen readers; bots fill it in.
    website = forms.CharField(label="Leave this empty", required=False, max_length=200)

    error_names = {
        "full_name": "your full name",
        "email": "your email address",
        "mobile": "your mobile number",
        "preferred_channel": "how we should contact you",
        "course": "a course",
        "pickup_postcode": "the postcode to be collected from",
        "how_heard": "how you heard about HOPE",
    }

    def __init__(self, data=None, files=None, *, cards: list[CourseCard] | None = None):
        super().__init__(data, files)
        self.fields["preferred_channel"].choices = contact_channels()
        if len(self.fields["preferred_channel"].choices) == 1:
            self.fields["preferred_channel"].initial = Channel.EMAIL
        if cards is None:  # the course is in the address
            del self.fields["course"]
        else:
            self.fields["course"].choices = [
                (ANY, "Any course: the team will suggest one"),
                *(
                    (
                        card.pk,
                        f"{card.title}, {card.day_label} from {card.first_day.day} "
                        f"{card.first_day:%B}, {card.town}",
                    )
                    for card in cards
                ),
            ]
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_mobile(self) -> str:
        value = self.cleaned_data["mobile"].strip()
        return uk_mobile(value) if value else ""

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean(self):
        data = super().clean()
        channel = data.get("preferred_channel")
        if channel == Channel.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter your email address, so we can send you the link.")
        if channel == Channel.SMS and not data.get("mobile") and "mobile" not in self.errors:
            self.add_error("mobile", "Enter your mobile number, so we can text you the code.")
        if (
            data.get("needs_transport")
            and not data.get("pickup_postcode")
            and "pickup_postcode" not in self.errors
        ):
            self.add_error(
                "pickup_postcode", "Enter the postcode to be collected from, like NG4 2RL."
            )
        if not data.get("needs_transport"):
            data["pickup_postcode"] = ""
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def details(self) -> dict:
        data = self.cleaned_data
        return {
            "full_name": " ".join(data["full_name"].split()),
            "preferred_name": " ".join(data["preferred_name"].split()),
            "email": data["email"],
            "mobile": data["mobile"],
            "preferred_channel": data["preferred_channel"],
            "access_needs": data["access_needs"].strip(),
            "needs_transport": data["needs_transport"],
            "pickup_postcode": data["pickup_postcode"],
        }


class ConfirmCodeForm(PublicForm):
    code = forms.CharField(
        label="The 6-digit code we texted you",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    error_names = {"code": "the code we texted you"}

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise ValidationError("Enter the 6 digits of the code, like 123456.")
        return code
