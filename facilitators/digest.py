"""Each morning, one email to each coordinator listing sessions without a full pair."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from facilitators.cover import COVER_WINDOW_DAYS, add_cover, needing_cover
from hope.outbox import message_create
from hope.roles import Role


def send_cover_digest(now=None) -> int:
    """Stores one digest per coordinator per day; nothing when every session is paired."""
    now = now or timezone.now()
    gaps = list(needing_cover(now).select_related("course", "venue").order_by("start", "pk"))
    if not gaps:
        return 0
    add_cover(gaps)
    group = Group.objects.filter(name=Role.COORDINATOR).first()
    coordinators = group.user_set.filter(is_active=True) if group else []
    today = timezone.localdate(now)
    stored = 0
    for coordinator in coordinators:
        message = message_create(
            key=f"cover-digest:{today.isoformat()}:to={coordinator.pk}",
            kind="cover_digest",
            recipient=coordinator,
            template="facilitators/email/cover_digest",
            context={"gaps": gaps, "days": COVER_WINDOW_DAYS, "site_url": settings.SITE_URL},
        )
        stored += message is not None
    return stored
