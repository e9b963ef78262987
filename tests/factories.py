from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from facilitators.models import FacilitatorKind, FacilitatorProfile
from hope.models import AuditEvent, Invitation, User
from hope.roles import Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=[str(r) for r in extracted]))

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class FacilitatorProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilitatorProfile

    user = factory.SubFactory(UserFactory, roles=[Role.FACILITATOR])
    kind = FacilitatorKind.WORKFORCE


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
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
