from __future__ import annotations

from django.core.exceptions import PermissionDenied

from facilitators.models import FacilitatorProfile


def own_profile(request) -> FacilitatorProfile:
    """The signed-in person's facilitator profile; 403 for anyone who is not a facilitator."""
    profile = FacilitatorProfile.objects.filter(user=request.user).first()
    if profile is None:
        raise PermissionDenied("This page is for facilitators.")
    # The person is already in hand: not read again with the profile.
    profile.user = request.user
    return profile
