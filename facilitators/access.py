from __future__ import annotations

from django.core.exceptions import PermissionDenied

from facilitators.models import FacilitatorProfile
from hope.compiled import Compiled

# The person's profile, compiled once a process (hope/compiled.py): building the query
# cost Django more than PostgreSQL took to run it, on every facilitator page.
_FIELDS = [field.attname for field in FacilitatorProfile._meta.concrete_fields]
_OWN = Compiled(
    lambda user: FacilitatorProfile.objects.filter(user=user).values_list(*_FIELDS)[:1], user=int
)


def profile_of(user) -> FacilitatorProfile | None:
    """``user``'s facilitator profile, or None for someone who has none."""
    rows = _OWN.rows(user=user.pk)
    if not rows:
        return None
    profile = FacilitatorProfile.from_db(FacilitatorProfile.objects.db, _FIELDS, rows[0])
    # The person is already in hand: not read again with the profile.
    profile.user = user
    return profile


def own_profile(request) -> FacilitatorProfile:
    """The signed-in person's facilitator profile; 403 for anyone who is not a facilitator."""
    profile = profile_of(request.user)
    if profile is None:
        raise PermissionDenied("This page is for facilitators.")
    return profile
