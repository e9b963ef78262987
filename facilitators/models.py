"""Facilitators: workforce or lived experience. Claims and training come later."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from hope.modelbase import TimeStamped


class FacilitatorKind(models.TextChoices):
    WORKFORCE = "workforce", "Workforce"
    LIVED_EXPERIENCE = "lived_experience", "Lived experience"


class FacilitatorProfile(TimeStamped):
    """The facilitator side of a person; every session pairs one of each kind."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="facilitator_profile",
    )
    kind = models.CharField(max_length=20, choices=FacilitatorKind.choices)

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FacilitatorKind.values),
                name="facilitators_profile_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} facilitator #{self.pk}"
