from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from expenses.alerts import check_budget_alerts
from expenses.models import DirectSpend
from expenses.services import expense_approve, expense_mark_paid, expense_reject, expense_submit
from hope.models import Message
from hope.outbox import send_due
from hope.roles import Role
from tests.concurrency import run_together
from tests.factories import BudgetFactory, DirectSpendFactory, ExpenseClaimFactory, UserFactory

D = Decimal


@pytest.mark.django_db
def test_claimant_hears_of_approval_rejection_and_payment(volunteer, finance_lead):
    BudgetFactory()
    approved = ExpenseClaimFactory(claimant=volunteer, amount=D("12.50"))
    rejected = ExpenseClaimFactory(claimant=volunteer, amount=D("9.99"))
    for claim in (approved, rejected):
        expense_submit(claim=claim, by=volunteer)
    expense_approve(claim=approved, by=finance_lead)
    expense_mark_paid(
        claim=approved, by=finance_lead, paid_on=timezone.localdate(), reference="BACS-9"
    )
    expense_reject(claim=rejected, by=finance_lead, reason="No receipt attached")
    send_due()
    subjects = sorted(m.subject for m in mail.outbox if m.to == [volunteer.email])
    assert subjects == [
        "Your HOPE expense claim for £12.50 has been paid",
        "Your HOPE expense claim for £12.50 is approved",
        "Your HOPE expense claim for £9.99 was not approved",
    ]
    rejection = next(m for m in mail.outbox if "not approved" in m.subject)
    assert "No receipt attached" in rejection.body


@pytest.mark.django_db
def test_thresholds_fire_once_and_again_only_after_falling_back(finance_lead):
    other_lead = UserFactory(roles=[Role.FINANCE_LEAD])
    budget = BudgetFactory(total=D("1000.00"))
    DirectSpendFactory(amount=D("499.99"))
    assert check_budget_alerts(budget=budget) == 0
    spend = DirectSpendFactory(amount=D("0.01"))  # exactly 50 %
    assert check_budget_alerts(budget=budget) == 2  # one per finance lead
    assert check_budget_alerts(budget=budget) == 0
    send_due()
    assert {m.to[0] for m in mail.outbox} == {finance_lead.email, other_lead.email}
    assert "passed 50%" in mail.outbox[0].subject
    assert f"?year={budget.start_year}" in mail.outbox[0].body
    spend.delete()  # back below 50 %
    assert check_budget_alerts(budget=budget) == 0
    DirectSpend.objects.create(
        spent_on=timezone.localdate(), category="other", description="x", amount=D("0.02")
    )
    assert check_budget_alerts(budget=budget) == 2  # crossed again: fires again


@pytest.mark.django_db
def test_a_category_over_its_allocation_alerts_once(finance_lead):
    budget = BudgetFactory(total=D("10000.00"))
    budget.allocations.create(category="training_resources", amount=D("100.00"))
    DirectSpendFactory(category="training_resources", amount=D("100.01"))
    assert check_budget_alerts(budget=budget) == 1
    assert check_budget_alerts(budget=budget) == 0
    assert "Training resources is over its allocation" in Message.objects.get().subject


@pytest.mark.django_db(transaction=True)
def test_twenty_approvals_at_once_fire_each_threshold_once():
    lead = UserFactory(roles=[Role.FINANCE_LEAD])
    BudgetFactory(total=D("1000.00"))
    claims = []
    for _ in range(20):
        claimant = UserFactory(roles=[Role.VOLUNTEER])
        claim = ExpenseClaimFactory(claimant=claimant, amount=D("50.00"))
        expense_submit(claim=claim, by=claimant)
        claims.append(claim)
    results = run_together([lambda c=c: expense_approve(claim=c, by=lead) for c in claims])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors
    alerts = sorted(Message.objects.filter(kind="budget_alert").values_list("key", flat=True))
    # 20 × £50 = £1,000: every threshold crossed, each exactly once.
    assert [k.split(":")[2:4] for k in alerts] == [
        ["threshold", "100"], ["threshold", "50"], ["threshold", "75"], ["threshold", "90"],
    ]  # fmt: skip


@pytest.mark.django_db
def test_a_category_alert_shows_that_categorys_allocation_and_spend_not_the_budgets(
    finance_lead,
):
    budget = BudgetFactory(total=D("7500.00"))
    budget.allocations.create(category="training_resources", amount=D("500.00"))
    DirectSpendFactory(category="training_resources", amount=D("600.00"))
    DirectSpendFactory(category="other", amount=D("1000.00"))
    check_budget_alerts(budget=budget)
    send_due()
    (alert,) = mail.outbox
    assert "Allocation: £500.00" in alert.body
    assert "Spent: £600.00" in alert.body
    assert "Over by: £100.00" in alert.body
    html = alert.alternatives[0][0]
    assert "£500.00" in html and "£600.00" in html
    # The whole budget's figures belong to the percentage alerts, not this one.
    assert "£1,600.00" not in alert.body
    assert "£5,900.00" not in alert.body


@pytest.mark.django_db
def test_money_in_emails_reads_like_money(finance_lead, volunteer):
    budget = BudgetFactory(total=D("7500.00"))
    DirectSpendFactory(amount=D("3750.00"))
    check_budget_alerts(budget=budget)
    claim = ExpenseClaimFactory(claimant=volunteer, amount=D("234.50"))
    expense_submit(claim=claim, by=volunteer)
    expense_approve(claim=claim, by=finance_lead)
    send_due()
    alert = next(m for m in mail.outbox if "passed 50%" in m.subject)
    assert "of the £7,500.00 budget" in alert.body
    assert "(the line is £3,750.00)" in alert.body
    assert "Remaining: £3,750.00" in alert.body
    notice = next(m for m in mail.outbox if m.to == [volunteer.email])
    assert notice.subject == "Your HOPE expense claim for £234.50 is approved"
    assert "£234.50" in notice.alternatives[0][0]
