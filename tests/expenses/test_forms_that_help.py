"""Claim forms that help: a receipt survives a mistake elsewhere, nothing is chosen for
the claimant, a rejected claim can be corrected and resubmitted, and the tax-year miles
read plainly."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from expenses.forms import ExpenseForm
from expenses.models import (
    ExpenseClaim,
    ExpenseStatus,
    PendingReceipt,
    Rates,
    tax_year_miles_sentence,
)
from expenses.services import expense_reject, expense_submit, purge_pending_receipts
from hope.retention import run_retention
from hope.roles import Role
from tests.expenses.test_claims import expense_data
from tests.expenses.test_mileage import mileage
from tests.factories import BudgetFactory, ExpenseClaimFactory, UserFactory, pdf_upload

pytestmark = pytest.mark.django_db


def stored_files(settings):
    return sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())


def _kept_token(html: str) -> str:
    return re.search(r'name="kept_receipt" value="([0-9a-f]+)"', html)[1]


# --- A receipt survives a mistake elsewhere -------------------------------------------


def test_a_receipt_is_kept_when_the_date_is_missing_and_used_on_the_retry(
    client, budget, volunteer
):
    client.force_login(volunteer)
    first = client.post(
        reverse("expenses:claim_create"),
        expense_data(spent_on="", receipt=pdf_upload("till receipt.pdf")),
    )
    html = first.content.decode()
    assert first.status_code == 200 and not ExpenseClaim.objects.exists()
    assert "<title>Error: " in html
    assert "Your receipt <strong>till receipt.pdf</strong> is kept" in html
    assert "you do not need to upload it again" in html

    second = client.post(
        reverse("expenses:claim_create"), expense_data(kept_receipt=_kept_token(html))
    )
    claim = ExpenseClaim.objects.get()
    assert second.status_code == 302
    assert claim.receipt and claim.receipt_label == "till receipt.pdf"
    assert claim.receipt_type == "application/pdf"
    assert not PendingReceipt.objects.exists()  # it is the claim's own copy now
    download = client.get(reverse("expenses:claim_receipt", args=[claim.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_a_new_file_on_the_retry_replaces_the_kept_one(client, budget, volunteer, settings):
    client.force_login(volunteer)
    first = client.post(
        reverse("expenses:claim_create"),
        expense_data(amount="", receipt=pdf_upload("first.pdf")),
    )
    token = _kept_token(first.content.decode())
    client.post(
        reverse("expenses:claim_create"),
        expense_data(kept_receipt=token, receipt=pdf_upload("second.pdf")),
    )
    assert ExpenseClaim.objects.get().receipt_label == "second.pdf"
    assert not PendingReceipt.objects.exists()


def test_someone_elses_kept_receipt_cannot_be_taken_by_its_token(client, budget, volunteer):
    other = UserFactory(roles=[Role.VOLUNTEER])
    client.force_login(other)
    first = client.post(
        reverse("expenses:claim_create"),
        expense_data(spent_on="", receipt=pdf_upload("private.pdf")),
    )
    token = _kept_token(first.content.decode())

    client.force_login(volunteer)
    response = client.post(reverse("expenses:claim_create"), expense_data(kept_receipt=token))
    claim = ExpenseClaim.objects.get()
    assert response.status_code == 302
    assert claim.claimant == volunteer and not claim.receipt
    assert PendingReceipt.objects.get().owner == other  # still theirs, untouched


@pytest.mark.parametrize("token", ["../../etc/passwd", "x" * 5000, "ab\x00cd", "0" * 64])
def test_a_made_up_token_is_ignored(client, budget, volunteer, token):
    client.force_login(volunteer)
    response = client.post(reverse("expenses:claim_create"), expense_data(kept_receipt=token))
    assert response.status_code == 302
    assert not ExpenseClaim.objects.get().receipt


def test_kept_receipts_go_after_a_day_with_their_files(
    client, budget, volunteer, settings, django_capture_on_commit_callbacks
):
    client.force_login(volunteer)
    client.post(reverse("expenses:claim_create"), expense_data(spent_on="", receipt=pdf_upload()))
    kept = PendingReceipt.objects.get()
    assert len(stored_files(settings)) >= 1
    assert purge_pending_receipts(timezone.now()) == 0
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        with django_capture_on_commit_callbacks(execute=True):
            counts = run_retention()
    assert counts["receipts kept after a claim form's mistakes"] == 1
    assert not PendingReceipt.objects.exists()
    assert not (settings.MEDIA_ROOT / kept.file.name).exists()


# --- Nothing chosen for them ---------------------------------------------------------------


def test_a_new_expense_has_no_category_chosen(client, budget, volunteer):
    client.force_login(volunteer)
    html = client.get(reverse("expenses:claim_create")).content.decode()
    select = html.split('name="category"', 1)[1].split("</select>")[0]
    assert '<option value="" selected>Choose a category</option>' in select
    assert select.count("selected") == 1
    form = ExpenseForm(data=expense_data(category=""))
    assert form.errors["category"] == ["Choose a category."]


# --- Correct and resubmit --------------------------------------------------------------------


def test_a_rejected_claim_is_corrected_and_resubmitted_keeping_its_history(
    client, budget, volunteer, finance_lead
):
    claim = ExpenseClaimFactory(claimant=volunteer, amount=Decimal("120.00"))
    expense_submit(claim=claim, by=volunteer)
    expense_reject(claim=claim, by=finance_lead, reason="Receipt shows £12.00, not £120.00")

    client.force_login(volunteer)
    page = client.get(reverse("expenses:claim_detail", args=[claim.pk])).content.decode()
    assert "Correct and resubmit" in page
    form_page = client.get(reverse("expenses:claim_edit", args=[claim.pk])).content.decode()
    assert "Correct your claim" in form_page and "Resubmit claim" in form_page
    response = client.post(
        reverse("expenses:claim_edit", args=[claim.pk]),
        expense_data(amount="12.00", spent_on=claim.spent_on.isoformat()),
    )
    assert response.status_code == 302

    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.SUBMITTED and claim.amount == Decimal("12.00")
    assert claim.times_resubmitted == 1 and claim.decided_by is None
    assert ExpenseClaim.objects.count() == 1
    steps = [(e.from_status, e.to_status, e.note) for e in claim.events.all()]
    assert steps[-3:] == [
        ("submitted", "rejected", "Receipt shows £12.00, not £120.00"),
        ("rejected", "draft", "Edited after rejection"),
        ("draft", "submitted", "Resubmitted after rejection"),
    ]

    client.force_login(finance_lead)
    detail = client.get(reverse("expenses:claim_detail", args=[claim.pk])).content.decode()
    assert "Resubmitted" in detail and "Receipt shows £12.00, not £120.00" in detail
    dashboard = client.get(reverse("expenses:dashboard")).content.decode()
    assert "Resubmitted" in dashboard


def test_only_the_claimant_can_correct_a_rejected_claim(client, budget, volunteer, finance_lead):
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    expense_reject(claim=claim, by=finance_lead, reason="No receipt")
    client.force_login(finance_lead)
    response = client.post(reverse("expenses:claim_edit", args=[claim.pk]), expense_data())
    assert response.status_code in (403, 404)
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.REJECTED


def test_approved_claims_still_cannot_be_changed(client, budget, volunteer):
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    client.force_login(volunteer)
    response = client.post(reverse("expenses:claim_edit", args=[claim.pk]), expense_data())
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.SUBMITTED and claim.times_resubmitted == 0


# --- Tax-year miles in plain words -------------------------------------------------------


def test_tax_year_miles_read_plainly_with_thousands_separators():
    rates = Rates()
    assert tax_year_miles_sentence(Decimal("10020.0"), rates) == (
        "You have claimed 10,020 miles this tax year; miles past 10,000 are paid at 25p a mile."
    )
    assert tax_year_miles_sentence(Decimal("4200.5"), rates) == (
        "You have claimed 4,200.5 miles this tax year; the first 10,000 are paid at 45p a mile "
        "and miles past 10,000 at 25p."
    )


def test_a_driver_sees_their_tax_year_miles_on_their_list_and_the_mileage_form(client, volunteer):
    with time_machine.travel(date(2026, 9, 1), tick=False):
        BudgetFactory(start_year=2026)
        for _ in range(10):
            mileage(volunteer, date(2026, 5, 1), "1000.0")
        mileage(volunteer, date(2026, 6, 1), "20.0")
        client.force_login(volunteer)
        sentence = "You have claimed 10,020 miles this tax year; miles past 10,000 are paid at 25p"
        assert sentence in client.get(reverse("expenses:claim_list")).content.decode()
        form_page = client.get(reverse("expenses:claim_create") + "?kind=mileage")
        assert sentence in form_page.content.decode()
