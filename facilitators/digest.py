"""Each morning, one email to each coordinator listing sessions without a full pair."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone

from hope.outbox import message_create
from hope.roles import Role
from programmes.models import CourseStatus, Session

DIGEST_DAYS = 14


def send_cover_digest(now=None) -> int:
    """Stores one digest per coordinator per day; nothing when every session is paired."""
    now = now or timezone.now()
    gaps = list(
        Session.objects.filter(
            is_cancelled=False,
            start__gt=now,
            start__lt=now + timedelta(days=DIGEST_DAYS),
            course__status=CourseStatus.PUBLISHED,
        )
        .with_cover()
        .filter(Q(workforce_name__isnull=True) | Q(lived_name__isnull=True))
        .select_related("course", "venue")
        .order_by("start", "pk")
    )
    if not gaps:
        return 0
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
            context={"gaps": gaps, "days": DIGEST_DAYS, "site_url": settings.SITE_URL},
        )
        stored += message is not None
    return stored
