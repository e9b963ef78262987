"""Who may see what: the role checks every app's views use."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from hope.roles import Role, has_role, is_coordinator, role_names


def coordinator_required(view):
    """For pages only coordinators use; others (signed in) get 403. Wrap with login_required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_coordinator(request.user):
            raise PermissionDenied("Only coordinators can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def people_manager_required(view):
    """For the people pages: coordinators, and finance leads (who alone give the Finance
    lead role). Wrap with login_required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (is_coordinator(request.user) or has_role(request.user, Role.FINANCE_LEAD)):
            raise PermissionDenied("Only coordinators and finance leads can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def role_required(view):
    """For pages every role may read; a signed-in person with no role gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (role_names(request.user) or request.user.is_superuser):
            raise PermissionDenied("Your account has no role yet.")
        return view(request, *args, **kwargs)

    return wrapper


def can_see_costs(user) -> bool:
    """Venue hire costs are for coordinators and finance leads."""
    return is_coordinator(user) or has_role(user, Role.FINANCE_LEAD)
