"""How facilitators react to what programmes and the kernel announce.

Connected in FacilitatorsConfig.ready(). Each runs inside the announcing service's
transaction: it writes rows (claims released, outbox messages stored) and never sends
mail itself.
"""

from __future__ import annotations

from django.dispatch import receiver

from facilitators.cover import add_cover, add_paired_counts
from facilitators.models import FacilitatorProfile, SessionClaim
from facilitators.reminders import notify_session_changed, withdraw_reminders
from facilitators.services import slots_follow_sessions, slots_release_for_sessions
from hope.roles import Role, has_role
from hope.services import PersonError
from hope.signals import person_commitments, roles_changed, roles_changing
from programmes.signals import (
    course_unpublished,
    courses_listed,
    sessions_cancelled,
    sessions_held_by,
    sessions_listed,
    sessions_moved,
    sessions_staffed_by,
)


@receiver(sessions_moved)
def follow_moved_sessions(sender, sessions, by, **kwargs) -> None:
    slots_follow_sessions(sessions=sessions)  # may refuse the move
    withdraw_reminders(sessions)
    notify_session_changed(
        claims=SessionClaim.objects.held().filter(session__in=sessions), what="moved"
    )


@receiver(sessions_cancelled)
def free_cancelled_sessions(sender, sessions, by, **kwargs) -> None:
    withdraw_reminders(sessions)
    released = slots_release_for_sessions(sessions=sessions, by=by, reason="session cancelled")
    notify_session_changed(claims=released, what="cancelled")


@receiver(sessions_held_by)
def holders_told_of_cancelling(sender, sessions, **kwargs) -> list[str]:
    """The people ``free_cancelled_sessions`` would release and tell, each once. One query."""
    if not sessions:
        return []
    holders = (
        SessionClaim.objects.held()
        .filter(session__in=sessions)
        .order_by()
        .values_list("facilitator_id", "facilitator__user__full_name")
        .distinct()
    )
    return [name for _, name in holders]


@receiver(course_unpublished)
def free_unpublished_course(sender, course, sessions, by, **kwargs) -> None:
    withdraw_reminders(sessions)
    released = slots_release_for_sessions(sessions=sessions, by=by, reason="course back to draft")
    notify_session_changed(claims=released, what="withdrawn")


@receiver(sessions_listed)
def show_cover(sender, sessions, **kwargs) -> None:
    add_cover(sessions)


@receiver(courses_listed)
def show_paired_counts(sender, courses, sessions=None, **kwargs) -> None:
    add_paired_counts(courses, sessions)


@receiver(sessions_staffed_by)
def held_sessions(sender, user, **kwargs):
    # Only someone who is a facilitator now: claims on past sessions are never released,
    # so a former facilitator would otherwise keep seeing those sessions' participants.
    if not user.is_authenticated or not user.is_active or not has_role(user, Role.FACILITATOR):
        return None
    return SessionClaim.objects.held().filter(facilitator__user=user).values("session_id")


@receiver(roles_changing)
def check_facilitator_role(sender, person, added, removed, facilitator_kind, **kwargs) -> None:
    """A new facilitator needs a kind; one who still holds sessions keeps the role."""
    profile = FacilitatorProfile.objects.filter(user=person).first()
    if Role.FACILITATOR in added and profile is None and not facilitator_kind:
        raise PersonError("Choose workforce or lived experience for a facilitator.")
    if Role.FACILITATOR in removed and profile is not None:
        upcoming = _upcoming_count(profile)
        if upcoming:
            raise PersonError(
                f"{person} holds {upcoming} upcoming session{'s' if upcoming != 1 else ''}. "
                "Release or reassign them first, then remove the Facilitator role."
            )


@receiver(roles_changed)
def give_facilitator_profile(sender, person, added, facilitator_kind, **kwargs) -> None:
    if Role.FACILITATOR in added and facilitator_kind:
        FacilitatorProfile.objects.get_or_create(user=person, defaults={"kind": facilitator_kind})


@receiver(person_commitments)
def upcoming_sessions(sender, person, **kwargs) -> str | None:
    profile = FacilitatorProfile.objects.filter(user=person).first()
    upcoming = _upcoming_count(profile) if profile else 0
    if not upcoming:
        return None
    return f"holds {upcoming} upcoming session{'s' if upcoming != 1 else ''}"


def _upcoming_count(profile: FacilitatorProfile) -> int:
    return SessionClaim.objects.held().upcoming().filter(facilitator=profile).count()
