"""After rotating SECRET_KEY: seal every authenticator with the new key."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from hope.signin import MFAAdapter


class Command(BaseCommand):
    help = (
        "Re-seal two-factor secrets with the current SECRET_KEY. Run after a rotation, with "
        "the old key still in SECRET_KEY_FALLBACKS; then the fallback can go."
    )

    def handle(self, *args, **options):
        adapter = MFAAdapter()
        count = 0
        with transaction.atomic():
            for authenticator in Authenticator.objects.select_for_update().iterator():
                data = dict(authenticator.data)
                for field in ("secret", "seed"):
                    if field in data:
                        data[field] = adapter.encrypt(adapter.decrypt(data[field]))
                authenticator.data = data
                authenticator.save(update_fields=["data"])
                count += 1
        self.stdout.write(f"Re-sealed {count} authenticators with the current key.")
