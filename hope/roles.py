"""The four roles (each a Django group; a person may hold several) and the two kinds of
facilitator."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "Coordinator", "Coordinator"
    FACILITATOR = "Facilitator", "Facilitator"
    VOLUNTEER = "Volunteer", "Volunteer"
    FINANCE_LEAD = "Finance lead", "Finance lead"


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


def is_coordinator(user) -> bool:
    return has_role(user, Role.COORDINATOR) or (user.is_authenticated and user.is_superuser)
