from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.http import url_has_allowed_host_and_scheme

from facilitators.models import FacilitatorProfile


def own_profile(request) -> FacilitatorProfile:
    """The signed-in person's facilitator profile; 403 for anyone who is not a facilitator."""
    profile = FacilitatorProfile.objects.select_related("user").filter(user=request.user).first()
    if profile is None:
        raise PermissionDenied("This page is for facilitators.")
    return profile


def safe_next(request, default: str) -> str:
    """Where a form's hidden ``next`` field asks to go back to, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
