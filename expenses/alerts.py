"""Budget alerts: 50, 75, 90 and 100 % of a year's budget, and categories over allocation."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from expenses.models import Budget, BudgetAlertState, financial_year_of
from hope.models import User
from hope.outbox import message_create
from hope.roles import Role

THRESHOLDS = (50, 75, 90, 100)


def _crossings(budget: Budget) -> list[tuple[str, bool, dict]]:
    from expenses.reports import year_figures

    figures = year_figures(budget)
    used = figures.spent_and_committed
    lines = []
    for percent in THRESHOLDS:
        limit = budget.total * percent / 100
        lines.append(
            (f"threshold:{percent}", used >= limit and budget.total > 0,
             {"percent": percent, "used": used, "limit": limit, "figures": figures})
        )  # fmt: skip
    for line in figures.categories:
        if line.allocation is not None:
            lines.append(
                # The category's own figures: its allocation, spend and how far over.
                (f"category:{line.category}", line.over,
                 {"category": line, "used": line.used, "limit": line.allocation,
                  "over_by": line.used - line.allocation})
            )  # fmt: skip
    return lines


def check_budget_alerts(*, day: date | None = None, budget: Budget | None = None) -> int:
    """Fire the alerts whose line was crossed; returns how many messages were stored.

    Locks the budget row: approvals at the same moment are checked one after another,
    each seeing the others' committed changes, so a threshold fires once.
    """
    if budget is None:
        day = day or timezone.localdate()
        budget = Budget.objects.filter(start_year=financial_year_of(day)).first()
    if budget is None:
        return 0
    stored = 0
    with transaction.atomic():
        budget = Budget.objects.select_for_update().get(pk=budget.pk)
        states = {s.line: s for s in BudgetAlertState.objects.filter(budget=budget)}
        finance_leads = list(User.objects.filter(groups__name=Role.FINANCE_LEAD, is_active=True))
        for line, crossed, context in _crossings(budget):
            state = states.get(line) or BudgetAlertState(budget=budget, line=line)
            if crossed and not state.above:
                state.above = True
                state.times_fired += 1
                for lead in finance_leads:
                    message = message_create(
                        key=f"budget:{budget.pk}:{line}:{state.times_fired}:to={lead.pk}",
                        kind="budget_alert",
                        recipient=lead,
                        template="expenses/email/budget_alert",
                        context={
                            **context,
                            "budget": budget,
                            "url": settings.SITE_URL
                            + reverse("expenses:dashboard")
                            + f"?year={budget.start_year}",
                        },
                    )
                    stored += message is not None
                state.save()
            elif not crossed and state.above:
                state.above = False
                state.save()
    return stored
