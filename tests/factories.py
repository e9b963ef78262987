from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from expenses.models import (
    Budget,
    Category,
    DirectSpend,
    ExpenseClaim,
    financial_year_of,
)
from facilitators.models import FacilitatorKind, FacilitatorProfile, SessionClaim, Training
from hope.models import AuditEvent, Invitation, User
from hope.roles import Role
from hope.signin import give_authenticator, mfa_required
from hope.uploads import DocumentType
from programmes.models import (
    Attendance,
    Channel,
    ClosureDate,
    ConsentMethod,
    Course,
    CourseStatus,
    Participant,
    Place,
    PlaceStatus,
    Programme,
    Referral,
    ReferralSource,
    Session,
)
from venues.models import Venue

PASSWORD = "correct-horse-battery-staple"
# The authenticator-app secret of every test person who must sign in with two factors.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class PlainName(factory.Faker):
    """A made-up British name without the characters HTML escapes (as in "O'Connor").

    Tests compare page text with a person's name; a random apostrophe made them fail one
    run in a few dozen. Escaping is tested on purpose, with names chosen for it.
    """

    def __init__(self):
        super().__init__("name", locale="en_GB")

    def evaluate(self, instance, step, extra):
        return re.sub(r"[&<>\"']", "", super().evaluate(instance, step, extra))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = PlainName()
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=[str(r) for r in extracted]))

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Coordinators and finance leads have an authenticator unless told otherwise."""
        if not create or extracted is False:
            return
        if extracted or mfa_required(self):
            give_authenticator(self, TOTP_SECRET)


class FacilitatorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilitatorProfile

    user = factory.SubFactory(UserFactory, roles=[Role.FACILITATOR])
    kind = FacilitatorKind.WORKFORCE


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = PlainName()
    roles = factory.LazyFunction(lambda: [Role.VOLUNTEER])
    facilitator_kind = ""
    invited_by = factory.SubFactory(UserFactory, roles=[Role.COORDINATOR])


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    actor = factory.SubFactory(UserFactory)
    action = "invitation.created"
    target_type = "hope.invitation"
    target_id = "1"
    summary = "Invited someone"


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"HOPE programme {n}")
    description = "Six weekly sessions."


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Community Centre {n}")
    address = "1 High Street\nNorthgate"
    postcode = "NG1 1AA"
    room_capacity = 20
    hire_cost = Decimal("25.00")
    step_free_access = True


class ClosureDateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosureDate

    # Over a year ahead, past every course the factories and tests/samples.py make: a
    # closure counted on from 30 days reached the sample courses' sessions once a
    # process had made twenty, and a test that ran after those refused their claims.
    date = factory.Sequence(lambda n: timezone.localdate() + timedelta(days=400 + n))
    reason = "Team training day"


class CourseFactory(factory.django.DjangoModelFactory):
    """A course with its weekly sessions (no bank-holiday logic: tests control the dates)."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Course {n}")
    programme = factory.SubFactory(ProgrammeFactory)
    venue = factory.SubFactory(VenueFactory)
    capacity = 12
    status = CourseStatus.PUBLISHED

    @factory.post_generation
    def first_start(self, create, extracted, **kwargs):
        if not create:
            return
        start = extracted or timezone.now().replace(second=0, microsecond=0) + timedelta(days=7)
        Session.objects.bulk_create(
            Session(
                course=self,
                number=n + 1,
                start=start + timedelta(weeks=n),
                end=start + timedelta(weeks=n) + self.programme.session_length,
                venue=self.venue,
            )
            for n in range(self.programme.sessions_per_course)
        )


class ParticipantFactory(factory.django.DjangoModelFactory):
    """Someone referred, reachable by email, who agreed to be contacted."""

    class Meta:
        model = Participant

    full_name = PlainName()
    email = factory.Sequence(lambda n: f"participant{n}@example.org")
    preferred_channel = Channel.EMAIL
    consent_contact = True
    consent_contact_on = factory.LazyFunction(timezone.localdate)
    consent_contact_how = ConsentMethod.SPOKEN


class PlaceFactory(factory.django.DjangoModelFactory):
    """An enrolled place written directly, without register lines (AttendanceFactory adds
    them, e.g. for sessions already held); tests of the rules go through the services."""

    class Meta:
        model = Place

    course = factory.SubFactory(CourseFactory)
    participant = factory.SubFactory(ParticipantFactory)
    status = PlaceStatus.ENROLLED
    enrolled_at = factory.LazyFunction(timezone.now)


class AttendanceFactory(factory.django.DjangoModelFactory):
    """A register line of ``place`` (default: its course's first session)."""

    class Meta:
        model = Attendance

    place = factory.SubFactory(PlaceFactory)
    session = factory.LazyAttribute(lambda o: o.place.course.sessions.order_by("number").first())
    participant = factory.SelfAttribute("place.participant")
    start = factory.SelfAttribute("session.start")
    end = factory.SelfAttribute("session.end")


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    participant = factory.SubFactory(ParticipantFactory)
    source = ReferralSource.GP
    referrer = "Dr Patel, Riverside Surgery"


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    profile = factory.SubFactory(FacilitatorProfileFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    trained_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))


class SessionClaimFactory(factory.django.DjangoModelFactory):
    """A held claim written directly (tests of the rules go through the services)."""

    class Meta:
        model = SessionClaim

    session = factory.LazyAttribute(lambda o: CourseFactory().sessions.first())
    facilitator = factory.SubFactory(FacilitatorProfileFactory)
    kind = factory.SelfAttribute("facilitator.kind")
    start = factory.SelfAttribute("session.start")
    end = factory.SelfAttribute("session.end")


def pdf_bytes() -> bytes:
    """A real one-page PDF."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "JPEG", size=(40, 30)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt)
    return out.getvalue()


def pdf_upload(name: str = "receipt.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, pdf_bytes(), "application/pdf")


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget
        django_get_or_create = ("start_year",)

    start_year = factory.LazyFunction(lambda: financial_year_of(timezone.localdate()))
    total = Decimal("7500.00")


class ExpenseClaimFactory(factory.django.DjangoModelFactory):
    """A draft out-of-pocket expense (move it on with the services)."""

    class Meta:
        model = ExpenseClaim

    claimant = factory.SubFactory(UserFactory, roles=[Role.VOLUNTEER])
    spent_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    category = Category.VOLUNTEER_EXPENSES
    description = "Tea and biscuits"
    amount = Decimal("12.50")
    receipt = ""
    receipt_type = factory.LazyAttribute(lambda o: DocumentType.PDF if o.receipt else "")


class DirectSpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DirectSpend

    spent_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    category = Category.TRAINING
    description = "Workbooks"
    amount = Decimal("96.50")
    attachment = ""
    attachment_type = factory.LazyAttribute(lambda o: DocumentType.PDF if o.attachment else "")
