"""Who may see what: the role checks every app's views use."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from hope.roles import Role, has_role, has_working_role, is_coordinator


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
    """For pages every role that runs the programme may read (courses, sessions, venues);
    a signed-in person with no role, or only the evidence viewer's, gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_working_role(request.user):
            raise PermissionDenied("These pages are for the people who run the programme.")
        return view(request, *args, **kwargs)

    return wrapper


# --- The evidence reports ---------------------------------------------------------------
# The outcomes and cost reports (and their CSVs) are read by coordinators, finance leads
# and evidence viewers (a commissioner or quality lead). Every figure on them is anonymous
# and suppressed; the participants' free-text feedback is for coordinators alone, since
# people's own words can name them or their health.


def may_see_reports(user) -> bool:
    return (
        is_coordinator(user)
        or has_role(user, Role.FINANCE_LEAD)
        or has_role(user, Role.EVIDENCE_VIEWER)
    )


def reports_required(view):
    """For the evidence reports and their exports; others (signed in) get 403. Wrap with
    login_required."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_see_reports(request.user):
            raise PermissionDenied(
                "The reports are for coordinators, finance leads and evidence viewers."
            )
        return view(request, *args, **kwargs)

    return wrapper


def sees_feedback(user) -> bool:
    """Participants' feedback lines (their own words) on a report: coordinators only."""
    return is_coordinator(user)


def can_see_costs(user) -> bool:
    """Venue hire costs are for coordinators and finance leads."""
    return is_coordinator(user) or has_role(user, Role.FINANCE_LEAD)
