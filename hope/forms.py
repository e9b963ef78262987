from __future__ import annotations

from allauth.account.forms import LoginForm
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.contrib.auth import password_validation

from hope.formkit import DATE_WIDGET, FieldMessagesMixin, Form, ModelForm
from hope.models import AuditArea, Invitation, TeamSettings, User
from hope.roles import FacilitatorKind, Role
from hope.services import grantable_roles


class RolesMixin:
    """Offers only the roles the person filling in the form may give (hope.services)."""

    def limit_roles(self, by: User) -> None:
        allowed = grantable_roles(by)
        field = self.fields["roles"]
        field.choices = [(value, label) for value, label in Role.choices if value in allowed]
        if Role.EVIDENCE_VIEWER in allowed:
            field.help_text += (
                " An evidence viewer (a commissioner or quality lead) sees only the outcome"
                " and cost reports, anonymous, and no other page."
            )
        if Role.FINANCE_LEAD not in allowed:
            field.help_text += (
                " Only a finance lead or an administrator can make someone a finance lead."
            )


class InvitationForm(RolesMixin, Form):
    email = forms.EmailField(label="Email address", max_length=254)
    full_name = forms.CharField(label="Full name", max_length=150)
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="A person may hold several roles.",
        error_messages={"required": "Choose at least one role."},
    )
    facilitator_kind = forms.ChoiceField(
        label="Kind of facilitator",
        choices=[("", "Not a facilitator")] + list(FacilitatorKind.choices),
        required=False,
        widget=forms.RadioSelect,
        help_text="Every session pairs one workforce and one lived-experience facilitator.",
    )
    is_driver = forms.BooleanField(
        label="Volunteer driver (may claim mileage)",
        required=False,
    )

    def __init__(self, *args, by: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_roles(by)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("This person already has an account.")
        if Invitation.objects.open().filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "This email address already has an open invitation; resend it from the list."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        roles = cleaned.get("roles") or []
        kind = cleaned.get("facilitator_kind") or ""
        if Role.FACILITATOR in roles and not kind:
            self.add_error(
                "facilitator_kind", "Choose workforce or lived experience for a facilitator."
            )
        if kind and Role.FACILITATOR not in roles:
            self.add_error(
                "facilitator_kind",
                "Only facilitators have a kind: tick Facilitator or choose 'Not a facilitator'.",
            )
        return cleaned


class AcceptInvitationForm(Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["full_name"].initial = invitation.full_name

    def clean(self):
        cleaned = super().clean()
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords do not match.")
        elif password1:
            # Checked against an unsaved person so "too similar to your name" works.
            candidate = User(email=self.invitation.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignInForm(FieldMessagesMixin, LoginForm):
    """allauth's sign-in form in plain en-GB, with labels rather than placeholders."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].widget.attrs.update({"autocomplete": "email"})
        self.fields["password"].help_text = ""  # the page links to password reset itself
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class TeamSettingsForm(ModelForm):
    error_names = {
        "refresher_months": "the months until a refresher is due",
        "release_notice_days": "the days' notice for releasing a session",
        "public_name": "the team's public name",
    }

    class Meta:
        model = TeamSettings
        fields = [
            "refresher_months",
            "release_notice_days",
            "public_name",
            "contact_line",
            "privacy_contact",
            "self_referrals_enrol",
        ]


class NoticePreferencesForm(ModelForm):
    class Meta:
        model = User
        fields = ["rota_notices"]
        labels = {"rota_notices": "How do you want to hear about changes to the rota?"}
        widgets = {"rota_notices": forms.RadioSelect}


class PlainCodeMixin:
    """allauth's code field, in plain words, with the phone's number pad."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Code from your authenticator app (or a recovery code)"
        code.widget.attrs.pop("placeholder", None)
        code.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})


class SecondStepForm(FieldMessagesMixin, PlainCodeMixin, AuthenticateForm):
    """The second step of signing in."""


class SecondStepAgainForm(FieldMessagesMixin, PlainCodeMixin, ReauthenticateForm):
    """Confirming it is you with a code, before a sensitive change."""


class PersonForm(RolesMixin, Form):
    """A coordinator (or finance lead) changes someone's roles and driver flag."""

    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="A person may hold several roles.",
    )
    facilitator_kind = forms.ChoiceField(
        label="Kind of facilitator (when making them a facilitator)",
        choices=[("", "Not a facilitator")] + list(FacilitatorKind.choices),
        required=False,
        widget=forms.RadioSelect,
    )
    is_driver = forms.BooleanField(label="Volunteer driver (may claim mileage)", required=False)

    def __init__(self, *args, person: User, by: User, **kwargs):
        self.person = person
        current = set(person.groups.values_list("name", flat=True))
        kwargs.setdefault("initial", {"roles": sorted(current), "is_driver": person.is_driver})
        super().__init__(*args, **kwargs)
        self.limit_roles(by)
        allowed = {value for value, _ in self.fields["roles"].choices}
        # Roles this editor may not change stay as they are.
        self.kept_roles = sorted(current - allowed)
        self.has_profile = hasattr(person, "facilitator_profile")
        if self.has_profile:
            del self.fields["facilitator_kind"]

    def clean(self):
        cleaned = super().clean()
        roles = set(cleaned.get("roles") or []) | set(self.kept_roles)
        if (
            Role.FACILITATOR in roles
            and not self.has_profile
            and not cleaned.get("facilitator_kind")
        ):
            self.add_error(
                "facilitator_kind", "Choose workforce or lived experience for a facilitator."
            )
        cleaned["roles"] = sorted(roles)
        return cleaned


class AuditFilterForm(Form):
    """The filters of the audit trail page (a GET form: bad values are simply ignored)."""

    area = forms.ChoiceField(label="Part", required=False)
    q = forms.CharField(label="Containing", max_length=100, required=False)
    since = forms.DateField(label="From", required=False, widget=DATE_WIDGET)
    until = forms.DateField(label="To", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, areas: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(AuditArea.choices)
        self.fields["area"].choices = [("", "Every part you can see")] + [
            (area, labels[area]) for area in areas
        ]
