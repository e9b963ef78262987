from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from expenses.models import ExpenseClaim
from hope.roles import Role, has_role


def can_claim(user) -> bool:
    return has_role(user, Role.VOLUNTEER) or has_role(user, Role.FACILITATOR)


def can_claim_mileage(user) -> bool:
    """Mileage is for volunteer drivers: the coordinator records who drives."""
    return user.is_driver


def is_finance_lead(user) -> bool:
    return has_role(user, Role.FINANCE_LEAD)


def claimant_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_claim(request.user):
            raise PermissionDenied("Expense claims are for volunteers and facilitators.")
        return view(request, *args, **kwargs)

    return wrapper


def finance_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_finance_lead(request.user):
            raise PermissionDenied("Only finance leads can open this page.")
        return view(request, *args, **kwargs)

    return wrapper


def get_claim_for_user(request, pk: int) -> ExpenseClaim:
    """The claimant and finance leads see a claim; for anyone else it does not exist (404)."""
    claim = get_object_or_404(ExpenseClaim.objects.select_related("claimant", "course"), pk=pk)
    if claim.claimant_id != request.user.pk and not is_finance_lead(request.user):
        raise Http404
    return claim
