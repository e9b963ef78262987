from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from expenses.models import ExpenseClaim, ExpenseKind, ExpenseStatus, Rates
from expenses.services import ExpenseError, expense_save, expense_submit
from tests.factories import BudgetFactory

pytestmark = pytest.mark.django_db


def mileage(claimant, day, miles, passengers=0):
    claim = ExpenseClaim(
        claimant=claimant, kind=ExpenseKind.MILEAGE, spent_on=day, category="volunteer_drivers",
        description="Driving", start_postcode="NG1 1AA", end_postcode="NG2 2BB",
        miles=Decimal(miles), passengers=passengers, purpose="Participants",
    )  # fmt: skip
    claim = expense_save(claim=claim, by=claimant)
    return expense_submit(claim=claim, by=claimant)


def test_hmrc_rates_with_passengers(volunteer):
    claim = mileage(volunteer, date(2026, 5, 1), "100.0", passengers=2)
    # 100 × 45p + 100 × 2 × 5p
    assert claim.amount == Decimal("55.00")


def test_a_claim_crossing_10000_miles_is_split_at_the_threshold(volunteer):
    mileage(volunteer, date(2026, 4, 10), "999.0")
    for _ in range(9):
        mileage(volunteer, date(2026, 5, 1), "999.9")
    # 999 + 9 × 999.9 = 9,998.1 miles so far in the tax year
    crossing = mileage(volunteer, date(2026, 6, 1), "10.0")
    assert crossing.miles_at_car_rate == Decimal("1.9")
    assert crossing.miles_at_lower_rate == Decimal("8.1")
    assert crossing.amount == Decimal("2.88")  # 1.9 × 45p + 8.1 × 25p = 0.855 + 2.025
    after = mileage(volunteer, date(2026, 7, 1), "10.0")
    assert after.amount == Decimal("2.50")


def test_the_tax_year_starts_on_6_april_not_1_april(volunteer):
    for _ in range(10):
        mileage(volunteer, date(2026, 4, 5), "1000.0")  # tax year 2025/26
    fresh = mileage(volunteer, date(2026, 4, 6), "10.0")  # tax year 2026/27
    assert fresh.amount == Decimal("4.50")


def test_rates_are_finances_to_change(client, volunteer, finance_lead):
    client.force_login(finance_lead)
    client.post(
        reverse("expenses:rates"),
        {"car_rate": "0.50", "car_rate_after": "0.25", "threshold_miles": "10000",
         "passenger_rate": "0.05", "claim_limit": "500.00"},
    )  # fmt: skip
    assert Rates.current().car_rate == Decimal("0.50")
    assert mileage(volunteer, date(2026, 5, 1), "10.0").amount == Decimal("5.00")


@pytest.mark.parametrize(
    ("miles", "message"),
    [
        ("0", "more than 0"),
        ("1000.1", "over 1,000 miles"),
        ("-3", "more than 0"),
        ("far", "Enter a number"),
    ],
)
def test_bad_mileage_is_refused_at_the_field(client, volunteer, miles, message):
    with time_machine.travel(date(2026, 6, 1), tick=False):
        BudgetFactory(start_year=2026)
        client.force_login(volunteer)
        response = client.post(
            reverse("expenses:claim_create") + "?kind=mileage",
            {"spent_on": "2026-05-30", "start_postcode": "ng1 1aa", "end_postcode": "NG2 2BB",
             "miles": miles, "passengers": "0", "purpose": "Participants", "action": "submit"},
        )  # fmt: skip
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors["miles"]), response.context[
        "form"
    ].errors
    assert not ExpenseClaim.objects.exists()


def test_mileage_amount_comes_from_the_server_not_the_form(client, volunteer):
    with time_machine.travel(date(2026, 6, 1), tick=False):
        BudgetFactory(start_year=2026)
        client.force_login(volunteer)
        client.post(
            reverse("expenses:claim_create") + "?kind=mileage",
            {"spent_on": "2026-05-30", "start_postcode": "ng1 1aa", "end_postcode": "NG2 2BB",
             "miles": "20", "passengers": "1", "purpose": "Participants", "amount": "999",
             "action": "submit"},
        )  # fmt: skip
        claim = ExpenseClaim.objects.get()
        assert claim.amount == Decimal("10.00")  # 20 × 45p + 20 × 5p
        assert claim.start_postcode == "NG1 1AA"
        listing = client.get(reverse("expenses:claim_list"))
        assert listing.context["tax_year"]["miles"] == Decimal("20.0")


def mileage_post(client, miles="1000", passengers="8", **overrides):
    return client.post(
        reverse("expenses:claim_create") + "?kind=mileage",
        {"spent_on": "2026-05-30", "start_postcode": "NG1 1AA", "end_postcode": "NG2 2BB",
         "miles": miles, "passengers": passengers, "purpose": "Participants",
         "action": "submit", **overrides},
    )  # fmt: skip


def test_mileage_over_the_claim_limit_is_refused_next_to_the_miles(client, volunteer):
    with time_machine.travel(date(2026, 6, 1), tick=False):
        BudgetFactory(start_year=2026)
        client.force_login(volunteer)
        response = mileage_post(client)  # 1,000 × 45p + 1,000 × 8 × 5p = £850.00
    assert response.status_code == 200
    errors = response.context["form"].errors["miles"]
    assert any("£850.00" in e and "£500.00" in e for e in errors), errors
    assert not ExpenseClaim.objects.exists()


def test_the_service_refuses_mileage_over_the_claim_limit(volunteer):
    with pytest.raises(ExpenseError, match="Claims over £500.00") as refused:
        mileage(volunteer, date(2026, 5, 1), "1000.0", passengers=8)
    assert refused.value.field == "amount"
    assert not ExpenseClaim.objects.exists()


def test_a_draft_is_held_to_the_claim_limit_in_force_when_it_is_submitted(volunteer):
    draft = ExpenseClaim(
        claimant=volunteer, kind=ExpenseKind.MILEAGE, spent_on=date(2026, 5, 1),
        category="volunteer_drivers", description="Driving", start_postcode="NG1 1AA",
        end_postcode="NG2 2BB", miles=Decimal("100.0"), purpose="Participants",
    )  # fmt: skip
    draft = expense_save(claim=draft, by=volunteer)  # £45.00
    Rates.objects.filter(pk=1).update(claim_limit=Decimal("40.00"))
    with pytest.raises(ExpenseError, match="Claims over £40.00"):
        expense_submit(claim=draft, by=volunteer)
    assert ExpenseClaim.objects.get(pk=draft.pk).status == ExpenseStatus.DRAFT


def test_someone_who_is_not_a_driver_cannot_claim_mileage_by_posting(client, lived_facilitator):
    assert not lived_facilitator.is_driver
    with time_machine.travel(date(2026, 6, 1), tick=False):
        BudgetFactory(start_year=2026)
        client.force_login(lived_facilitator)
        assert client.get(reverse("expenses:claim_create") + "?kind=mileage").status_code == 403
        response = mileage_post(client, miles="20", passengers="0")
        assert response.status_code == 403
        listing = client.get(reverse("expenses:claim_list")).content.decode()
    assert not ExpenseClaim.objects.exists()
    assert "New mileage claim" not in listing


def test_the_service_refuses_mileage_from_someone_who_is_not_a_driver(lived_facilitator):
    with pytest.raises(ExpenseError, match="volunteer drivers"):
        mileage(lived_facilitator, date(2026, 5, 1), "20.0")
    assert not ExpenseClaim.objects.exists()
