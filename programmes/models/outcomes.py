"""How much change in an outcome measure counts as meaningful, per measure: the
threshold the outcomes report counts people against. Coordinators set it (audited);
until they do, the published defaults below apply."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from hope.modelbase import TimeStamped
from programmes.measures import Measure

# Published values for a meaningful change at the individual level:
# - SWEMWBS (metric score): "a change of between 1 and 3 points meets thresholds for
#   statistically important change" (Shah N, Cader M, Andrews WP et al., Responsiveness
#   of the Short Warwick Edinburgh Mental Well-Being Scale (SWEMWBS): evaluation in a
#   clinical sample, Health Qual Life Outcomes 2018;16:239); 3 is the stricter end.
# - WEMWBS: standard error of measurement 2.4 to 3.1 points across twelve studies, and a
#   change of 3 or more is taken as meaningful (Maheswaran H, Weich S, Powell J,
#   Stewart-Brown S, Evaluating the responsiveness of WEMWBS: group and individual level
#   analysis, Health Qual Life Outcomes 2012;10:156; the scale's own user guide).
# - PAM: 4 points is the minimal important difference usually cited (Fowles JB, Terry P,
#   Xi M, Hibbard J et al., Measuring self-management of patients' and employees'
#   health: further validation of the PAM, Patient Educ Couns 2009;77:116-122).
DEFAULT_MEANINGFUL_CHANGE = {
    Measure.SWEMWBS: Decimal("3.0"),
    Measure.WEMWBS: Decimal("3.0"),
    Measure.PAM: Decimal("4.0"),
}

# No threshold can exceed what the scale could change by: SWEMWBS's metric runs 7 to 35,
# WEMWBS 14 to 70, PAM 0 to 100.
LARGEST_CHANGE = {
    Measure.SWEMWBS: Decimal("28.0"),
    Measure.WEMWBS: Decimal("56.0"),
    Measure.PAM: Decimal("100.0"),
}


class MeaningfulChange(TimeStamped):
    """The improvement (last score minus first) that counts as meaningful for a measure."""

    measure = models.CharField(max_length=10, choices=Measure.choices)
    points = models.DecimalField(
        "meaningful change (points)",
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100.0"))],
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["measure", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"], name="programmes_meaningfulchange_one_per_measure"
            ),
            models.CheckConstraint(
                condition=Q(measure__in=Measure.values),
                name="programmes_meaningfulchange_measure_valid",
            ),
            models.CheckConstraint(
                condition=Q(points__gt=Decimal("0")) & Q(points__lte=Decimal("100")),
                name="programmes_meaningfulchange_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.points}"


def meaningful_changes() -> dict[str, Decimal]:
    """Each measure's threshold: the coordinators' where set, else the default. One query."""
    set_here = dict(MeaningfulChange.objects.values_list("measure", "points"))
    return {
        measure: set_here.get(measure, default)
        for measure, default in DEFAULT_MEANINGFUL_CHANGE.items()
    }
