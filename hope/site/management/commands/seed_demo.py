from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from expenses.demo import seed_money
from facilitators.demo import seed_cover
from facilitators.models import FacilitatorProfile
from hope.demo import DEMO_PASSWORD, DEMO_PEOPLE, DEMO_TOTP_SECRET
from hope.models import TeamSettings, User
from hope.signin import give_authenticator, mfa_required
from programmes.demo import seed_courses, seed_participants, seed_rides
from programmes.models import Course


class Command(BaseCommand):
    help = (
        "Load demo people, programmes, venues, a year of courses with participants and "
        "their rides, and facilitator cover. Safe to rerun."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DEBUG=true: it creates accounts with a shared, "
                "published password."
            )
        with transaction.atomic():
            created = self.seed_people()
            coordinator = User.objects.get(email="coordinator@example.org")
            courses = seed_courses(by=coordinator)
            participants = seed_participants(by=coordinator)
            rides = seed_rides(by=coordinator)
            claims = seed_cover(by=coordinator)
            money = seed_money()
            self.seed_public_pages()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {created} new people ({len(DEMO_PEOPLE)} demo accounts), "
                f"{courses} new courses ({Course.objects.count()} in all), "
                f"{participants} new participants, {rides} rides given to drivers or arranged, "
                f"{claims} new session claims, {money} new expense claims."
            )
        )

    def seed_public_pages(self) -> None:
        """What "Find a course" (/find/) says about the demo team, once."""
        team = TeamSettings.current()
        if not team.contact_line:
            team.public_name = "HOPE courses in Northgate"
            team.contact_line = (
                "Ring 01632 960 000 (Monday to Friday, 9am to 4pm) or email hope@example.org"
            )
            team.privacy_contact = "The Data Protection Officer, dpo@example.org"
            team.save()

    def seed_people(self) -> int:
        groups = {group.name: group for group in Group.objects.all()}
        created = 0
        for person in DEMO_PEOPLE:
            user = User.objects.filter(email__iexact=person.email).first()
            if user is None:
                user = User.objects.create_user(
                    email=person.email,
                    password=DEMO_PASSWORD,
                    full_name=person.full_name,
                )
                created += 1
            user.full_name = person.full_name
            user.is_driver = person.is_driver
            user.is_staff = person.is_staff
            user.is_superuser = person.is_staff
            user.save()
            user.groups.set([groups[str(role)] for role in person.roles])
            if person.kind:
                FacilitatorProfile.objects.update_or_create(
                    user=user, defaults={"kind": person.kind}
                )
            EmailAddress.objects.update_or_create(
                user=user,
                email=user.email,
                defaults={"verified": True, "primary": True},
            )
            if mfa_required(user):
                give_authenticator(user, DEMO_TOTP_SECRET)
        return created
