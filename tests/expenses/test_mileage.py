from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from expenses.models import ExpenseClaim, ExpenseKind, ExpenseStatus, MileageRates, Rates
from expenses.services import (
    ExpenseError,
    expense_approve,
    expense_mark_paid,
    expense_reject,
    expense_save,
    expense_submit,
)
from hope.models import Message
from hope.outbox import send_due
from hope.roles import Role
from tests.concurrency import run_together
from tests.factories import BudgetFactory, UserFactory

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
        ("far", "Enter the miles as a number, like 12.5."),
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


def test_rejecting_an_earlier_claim_reprices_the_later_ones_and_tells_the_claimant(
    volunteer, finance_lead
):
    earlier = mileage(volunteer, date(2026, 4, 20), "1000.0")
    for _ in range(9):
        expense_approve(claim=mileage(volunteer, date(2026, 5, 1), "1000.0"), by=finance_lead)
    later = mileage(volunteer, date(2026, 6, 1), "500.0")  # past 10,000 miles: 25p
    assert later.amount == Decimal("125.00")
    expense_approve(claim=later, by=finance_lead)
    send_due()
    mail.outbox.clear()

    expense_reject(claim=earlier, by=finance_lead, reason="Duplicate of another claim")

    later.refresh_from_db()
    assert later.amount == Decimal("225.00")  # 9,000 miles before it now: all at 45p
    assert (later.miles_at_car_rate, later.miles_at_lower_rate) == (Decimal("500.0"), 0)
    assert later.status == ExpenseStatus.APPROVED
    assert "£125.00 to £225.00" in later.events.last().note
    send_due()
    repriced = [m for m in mail.outbox if "now £225.00" in m.subject]
    assert len(repriced) == 1 and repriced[0].to == [volunteer.email]
    assert "£125.00" in repriced[0].body
    assert len(mail.outbox) == 2  # and the rejection; the nine others did not change


def test_paid_claims_keep_their_amount_when_an_earlier_claim_is_rejected(volunteer, finance_lead):
    Rates.objects.update_or_create(pk=1, defaults={"threshold_miles": 100})
    earlier = mileage(volunteer, date(2026, 5, 1), "80.0")  # £36.00
    paid = mileage(volunteer, date(2026, 5, 8), "60.0")  # 20 at 45p, 40 at 25p: £19.00
    expense_approve(claim=paid, by=finance_lead)
    expense_mark_paid(claim=paid, by=finance_lead, paid_on=timezone.localdate(), reference="BACS-1")
    waiting = mileage(volunteer, date(2026, 5, 15), "50.0")  # all at 25p: £12.50
    next_year = mileage(volunteer, date(2027, 4, 6), "50.0")  # a new tax year: £22.50
    assert (paid.amount, waiting.amount, next_year.amount) == (
        Decimal("19.00"), Decimal("12.50"), Decimal("22.50"),
    )  # fmt: skip

    expense_reject(claim=earlier, by=finance_lead, reason="Wrong date")

    amounts = dict(ExpenseClaim.objects.values_list("pk", "amount"))
    assert amounts[paid.pk] == Decimal("19.00")  # a fact: paid is paid
    assert amounts[waiting.pk] == Decimal("20.50")  # 60 before it: 40 at 45p, 10 at 25p
    assert amounts[next_year.pk] == Decimal("22.50")
    notices = Message.objects.filter(kind="claim_repriced")
    assert [m.subject for m in notices] == [
        "Your HOPE mileage claim for 15 May 2026 is now £20.50 (was £12.50)"
    ]


@pytest.mark.django_db(transaction=True)
def test_two_rejections_at_once_reprice_without_deadlock_or_lost_miles():
    claimant = UserFactory(roles=[Role.VOLUNTEER], is_driver=True)
    leads = [UserFactory(roles=[Role.FINANCE_LEAD]) for _ in range(2)]
    Rates.objects.update_or_create(pk=1, defaults={"threshold_miles": 100})
    first, second, third, fourth = (
        mileage(claimant, date(2026, 5, day), miles) for day, miles in
        [(1, "60.0"), (2, "60.0"), (3, "60.0"), (4, "50.0")]
    )  # fmt: skip
    assert (third.amount, fourth.amount) == (Decimal("15.00"), Decimal("12.50"))
    results = run_together(
        [
            lambda: expense_reject(claim=first, by=leads[0], reason="Duplicate"),
            lambda: expense_reject(claim=second, by=leads[1], reason="Duplicate"),
        ]
    )
    assert all(isinstance(r, ExpenseClaim) for r in results), results
    amounts = dict(ExpenseClaim.objects.values_list("pk", "amount"))
    assert amounts[third.pk] == Decimal("27.00")  # nothing before it now
    assert amounts[fourth.pk] == Decimal("20.50")  # 60 before it: 40 at 45p, 10 at 25p


def test_a_claim_repriced_later_keeps_the_rates_it_was_handed_in_at(volunteer, finance_lead):
    """A money fact is recorded when it happens: finance changing the rates later does not
    re-price a claim already handed in, even when an earlier claim's rejection prices it
    again (its miles before the threshold drop). A draft is priced at today's rates."""
    Rates.objects.update_or_create(pk=1, defaults={"threshold_miles": 100})
    earlier = mileage(volunteer, date(2026, 5, 1), "80.0")
    later = mileage(volunteer, date(2026, 5, 8), "50.0")  # 20 at 45p, 30 at 25p: £16.50
    assert later.amount == Decimal("16.50")
    assert later.rates_priced_at.car_rate == Decimal("0.45")
    draft = expense_save(
        claim=ExpenseClaim(
            claimant=volunteer, kind=ExpenseKind.MILEAGE, spent_on=date(2026, 5, 15),
            category="volunteer_drivers", description="Driving", start_postcode="NG1 1AA",
            end_postcode="NG2 2BB", miles=Decimal("10.0"), passengers=0, purpose="Session",
        ),
        by=volunteer,
    )  # fmt: skip
    assert draft.rates_priced_at is None
    Rates.objects.filter(pk=1).update(car_rate=Decimal("0.50"), car_rate_after=Decimal("0.30"))

    expense_reject(claim=earlier, by=finance_lead, reason="Wrong date")

    later.refresh_from_db()
    assert later.amount == Decimal("22.50")  # all 50 before the threshold, at its 45p
    assert "£16.50 to £22.50" in later.events.last().note
    draft.refresh_from_db()
    assert draft.amount == Decimal("5.00")  # 50 miles before it: 10 at today's 50p


def test_the_rates_a_claim_keeps_are_whole_or_none(volunteer):
    claim = mileage(volunteer, date(2026, 5, 1), "10.0")
    assert claim.rates_priced_at == MileageRates(
        car_rate=Decimal("0.45"), car_rate_after=Decimal("0.25"),
        passenger_rate=Decimal("0.05"), threshold_miles=10_000,
    )  # fmt: skip
    with pytest.raises(IntegrityError, match="expenses_claim_rates_kept_whole"):
        with transaction.atomic():
            ExpenseClaim.objects.filter(pk=claim.pk).update(priced_car_rate=None)


def test_a_claim_reopened_after_rejection_is_priced_at_todays_rates(volunteer, finance_lead):
    Rates.objects.update_or_create(pk=1, defaults={"threshold_miles": 100})
    earlier = mileage(volunteer, date(2026, 5, 1), "80.0")
    reopened = mileage(volunteer, date(2026, 5, 8), "50.0")  # 20 at 45p, 30 at 25p: £16.50
    expense_reject(claim=reopened, by=finance_lead, reason="Add the purpose of the trip")
    reopened.refresh_from_db()
    reopened.purpose = "Taking participants to Oakfield"
    reopened = expense_save(claim=reopened, by=volunteer)  # a draft again
    assert reopened.status == ExpenseStatus.DRAFT and reopened.rates_priced_at is None
    Rates.objects.filter(pk=1).update(car_rate=Decimal("0.50"), car_rate_after=Decimal("0.30"))

    expense_reject(claim=earlier, by=finance_lead, reason="Wrong date")

    reopened.refresh_from_db()
    assert reopened.amount == Decimal("25.00")  # nothing before it now: 50 at today's 50p
