"""Who may see what, for the people and invitation pages."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from hope.roles import is_coordinator


def coordinator_required(view):
    """For pages only coordinators use; others (signed in) get 403. Wrap with login_required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_coordinator(request.user):
            raise PermissionDenied("Only coordinators can manage people.")
        return view(request, *args, **kwargs)

    return wrapper
