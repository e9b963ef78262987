"""The coordinator's figures on the home page, remembered in the cache until a row they
are counted from changes.

At ten years of data, counting them (invitations waiting, draft courses, sessions missing
a facilitator, refreshers due, messages that failed) was a third of the home page's time
on every request, though they change only when those rows do. So they are kept under a
version (hope.cache.CacheVersion, as the finance figures' and the reports') that any save
or delete of an invitation, course, session, session claim, training, facilitator profile,
person or the team settings replaces, as do sessions moved, cancelled or unpublished in
bulk (``connect()``, from SiteConfig.ready).

Two things change the figures without a save this can hear, so an entry is also kept for
at most ``REMEMBER_SECONDS``: time (a session coming into the cover window, or starting)
and the outbox, which marks a message failed by a bulk update, in the background. The
rides wanted are counted afresh each time, beside their list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from facilitators.cover import needing_cover
from facilitators.models import FacilitatorProfile, SessionClaim, Training
from facilitators.queries import refreshers_due
from hope.cache import CacheVersion, cache_breaker
from hope.counts import counts
from hope.models import Invitation, Message, MessageStatus, TeamSettings, User
from programmes.models import Course, CourseStatus, Session
from programmes.signals import course_unpublished, sessions_cancelled, sessions_moved

HOME_FIGURES_VERSION = CacheVersion("home:figures:version")
REMEMBER_SECONDS = 60


def coordinator_figures(now: datetime) -> dict[str, int]:
    """The counts the coordinator's home page shows, by name. One query when not
    remembered (two with the team's refresher period), else none.

    While Redis is away the cache is this process's own memory, which the other
    processes' changes never reach, so they are counted afresh each time."""
    if cache_breaker.is_open:
        return _count(now)
    key = f"home:figures:{HOME_FIGURES_VERSION.current()}"
    figures = cache.get(key)
    if figures is None:
        figures = _count(now)
        cache.set(key, figures, timeout=REMEMBER_SECONDS)
    return figures


def _count(now: datetime) -> dict[str, int]:
    return counts(
        pending_invitations=Invitation.objects.open().filter(expires_at__gt=now),
        draft_courses=Course.objects.filter(status=CourseStatus.DRAFT),
        cover_gaps=needing_cover(now),
        refreshers_due=refreshers_due(),
        failed_messages=Message.objects.filter(
            status=MessageStatus.FAILED, due_at__gte=now - timedelta(days=30)
        ),
    )


def _changed(sender=None, **kwargs) -> None:
    # A person's sign-in saves their last_login and nothing the figures count.
    if sender is User and kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    HOME_FIGURES_VERSION.replace()


def connect() -> None:
    models = (
        Invitation, Course, Session, SessionClaim, Training, FacilitatorProfile, User,
        TeamSettings,
    )  # fmt: skip
    for model in models:
        uid = f"home-figures-{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid)
    for signal in (sessions_moved, sessions_cancelled, course_unpublished):
        signal.connect(_changed, dispatch_uid=f"home-figures-{id(signal)}")
