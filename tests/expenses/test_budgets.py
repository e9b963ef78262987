from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from expenses.models import Allocation, Category
from expenses.services import ExpenseError, budget_save
from hope.models import AuditEvent
from tests.factories import BudgetFactory

pytestmark = pytest.mark.django_db
D = Decimal


def budget_data(budget, rows, total="7500.00"):
    """The budget page's POST: ``rows`` are (allocation or None, category, amount)."""
    data = {
        "start_year": str(budget.start_year), "total": total,
        "allocations-TOTAL_FORMS": "5",
        "allocations-INITIAL_FORMS": str(sum(1 for a, _, _ in rows if a)),
        "allocations-MIN_NUM_FORMS": "0", "allocations-MAX_NUM_FORMS": "5",
    }  # fmt: skip
    for n, (allocation, category, amount) in enumerate(rows):
        data[f"allocations-{n}-id"] = str(allocation.pk) if allocation else ""
        data[f"allocations-{n}-budget"] = str(budget.pk)
        data[f"allocations-{n}-category"] = category
        data[f"allocations-{n}-amount"] = amount
    return data


def allocations(budget) -> dict[str, Decimal]:
    return dict(budget.allocations.values_list("category", "amount"))


def test_swapping_two_allocations_categories_saves(client, finance_lead):
    budget = BudgetFactory(start_year=2027)
    venue = Allocation.objects.create(budget=budget, category=Category.VENUE_HIRE, amount=D("2500"))
    training = Allocation.objects.create(
        budget=budget, category=Category.TRAINING, amount=D("1500")
    )
    client.force_login(finance_lead)
    response = client.post(
        reverse("expenses:budget_edit", args=[budget.pk]),
        budget_data(
            budget, [(venue, "training_resources", "2500.00"), (training, "venue_hire", "1500.00")]
        ),
    )
    assert response.status_code == 302
    assert allocations(budget) == {"training_resources": D("2500.00"), "venue_hire": D("1500.00")}
    assert "Training resources £2,500.00" in (
        AuditEvent.objects.get(action="budget.allocations_changed").summary
    )


def test_allocations_past_the_budget_are_refused_naming_the_figures(client, finance_lead):
    budget = BudgetFactory(start_year=2027, total=D("7500.00"))
    client.force_login(finance_lead)
    response = client.post(
        reverse("expenses:budget_edit", args=[budget.pk]),
        budget_data(
            budget,
            [
                (None, "venue_hire", "5000.00"),
                (None, "training_resources", "2500.00"),
                (None, "volunteer_drivers", "2000.00"),
            ],
        ),  # fmt: skip
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["total"]
    assert any("£9,500.00" in e and "£7,500.00" in e for e in errors), errors
    html = response.content.decode()
    assert "£9,500.00" in html and "<title>Error: " in html
    assert not budget.allocations.exists()


def test_lowering_the_budget_below_its_allocations_is_refused(client, finance_lead):
    budget = BudgetFactory(start_year=2027, total=D("7500.00"))
    venue = Allocation.objects.create(budget=budget, category=Category.VENUE_HIRE, amount=D("5000"))
    client.force_login(finance_lead)
    response = client.post(
        reverse("expenses:budget_edit", args=[budget.pk]),
        budget_data(budget, [(venue, "venue_hire", "5000.00")], total="4000.00"),
    )
    assert response.status_code == 200
    assert "£5,000.00" in response.context["form"].errors["total"][0]
    budget.refresh_from_db()
    assert budget.total == D("7500.00")


def test_the_service_keeps_allocations_within_the_budget(finance_lead):
    budget = BudgetFactory(start_year=2027, total=D("7500.00"))
    with pytest.raises(ExpenseError, match="£9,500.00") as refused:
        budget_save(
            budget=budget,
            allocations={"venue_hire": D("7500.00"), "other": D("2000.00")},
            by=finance_lead,
        )
    assert refused.value.field == "total"
    assert not budget.allocations.exists()
    budget_save(budget=budget, allocations={"venue_hire": D("7500.00")}, by=finance_lead)
    assert allocations(budget) == {"venue_hire": D("7500.00")}


def test_one_allocation_per_category_is_a_message_not_an_error_page(client, finance_lead):
    budget = BudgetFactory(start_year=2027)
    client.force_login(finance_lead)
    response = client.post(
        reverse("expenses:budget_edit", args=[budget.pk]),
        budget_data(budget, [(None, "venue_hire", "100.00"), (None, "venue_hire", "200.00")]),
    )
    assert response.status_code == 200
    assert "Venue hire" in response.content.decode() and not budget.allocations.exists()
