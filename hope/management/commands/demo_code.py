"""`make code`: the current sign-in code of the demo accounts that need one."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hope.demo import DEMO_TOTP_SECRET
from hope.signin import totp_code


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of the demo coordinator, finance lead, evidence "
        "viewer and admin."
    )

    def handle(self, *args, **options):
        # Only the published demo secret, and only where the demo may run: this command
        # can never print a code for a real person's authenticator.
        if not settings.DEBUG:
            raise CommandError("demo_code only runs with DEBUG=true, like seed_demo.")
        self.stdout.write(totp_code(DEMO_TOTP_SECRET))
