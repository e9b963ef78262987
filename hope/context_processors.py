from hope.access import can_see_costs, may_see_reports
from hope.roles import Role, has_working_role, is_coordinator, role_names


def roles(request) -> dict:
    """Role flags for navigation; one query per request, only when signed in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": set()}
    names = role_names(user)
    return {
        "roles": names,
        "is_coordinator": is_coordinator(user),
        "is_facilitator": Role.FACILITATOR in names,
        "is_volunteer": Role.VOLUNTEER in names,
        "is_finance_lead": Role.FINANCE_LEAD in names,
        "is_evidence_viewer": Role.EVIDENCE_VIEWER in names,
        "works_here": has_working_role(user),
        "can_see_costs": can_see_costs(user),
        "can_see_reports": may_see_reports(user),
    }
