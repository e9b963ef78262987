"""Each morning, one email to each coordinator listing the sessions without a full pair
of facilitators and the rides nobody is doing yet."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from facilitators.cover import COVER_WINDOW_DAYS, add_cover, needing_cover
from hope.outbox import message_create
from hope.roles import Role
from programmes.models import Ride
from programmes.models.rides import RIDES_WANTED_DAYS
from programmes.ride_notices import ride_line


def send_cover_digest(now=None) -> int:
    """Stores one digest per coordinator per day: the sessions in the next
    COVER_WINDOW_DAYS without their pair, and the rides in the next RIDES_WANTED_DAYS with
    no driver (not arranged another way). Nothing when there are neither."""
    now = now or timezone.now()
    gaps = list(needing_cover(now).select_related("course", "venue").order_by("start", "pk"))
    rides = list(
        Ride.objects.unmet().within(RIDES_WANTED_DAYS, now).for_pages().order_by("start", "pk")
    )
    if not gaps and not rides:
        return 0
    add_cover(gaps)
    for ride in rides:
        ride.line = ride_line(ride)
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
            context={
                "gaps": gaps,
                "days": COVER_WINDOW_DAYS,
                "rides": rides,
                "ride_days": RIDES_WANTED_DAYS,
                "site_url": settings.SITE_URL,
            },
        )
        stored += message is not None
    return stored
