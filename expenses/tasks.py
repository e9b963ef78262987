from __future__ import annotations

from celery import shared_task

from expenses.alerts import check_budget_alerts


@shared_task(ignore_result=True)
def budget_alerts() -> int:
    """Catch threshold crossings from committed venue hire and direct spend (hourly)."""
    return check_budget_alerts()
