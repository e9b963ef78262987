"""The five roles (each a Django group; a person may hold several) and the two kinds of
facilitator."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "Coordinator", "Coordinator"
    FACILITATOR = "Facilitator", "Facilitator"
    VOLUNTEER = "Volunteer", "Volunteer"
    FINANCE_LEAD = "Finance lead", "Finance lead"
    # A commissioner or quality lead: reads the published evidence reports (suppressed,
    # anonymous) and nothing else.
    EVIDENCE_VIEWER = "Evidence viewer", "Evidence viewer"


# The roles of the people who run the programme day to day: each reads its courses,
# sessions and venues. An evidence viewer is not among them.
WORKING_ROLES = frozenset({Role.COORDINATOR, Role.FACILITATOR, Role.VOLUNTEER, Role.FINANCE_LEAD})


class FacilitatorKind(models.TextChoices):
    """Every session pairs one facilitator of each kind."""

    WORKFORCE = "workforce", "Workforce"
    LIVED_EXPERIENCE = "lived_experience", "Lived experience"


def role_names(user) -> set[str]:
    """The person's role names, cached on the user object for the request.

    One query the first time it is asked, none after.
    """
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_hope_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._hope_roles = cached
    return cached


def has_role(user, role: Role | str) -> bool:
    return str(role) in role_names(user)


def has_working_role(user) -> bool:
    """Holds a role that runs the programme (or is a superuser): the courses, sessions,
    venues and programmes pages are theirs to read."""
    return bool(role_names(user) & WORKING_ROLES) or (user.is_authenticated and user.is_superuser)


def is_coordinator(user) -> bool:
    return has_role(user, Role.COORDINATOR) or (user.is_authenticated and user.is_superuser)
