"""Deleting a draft and rejecting a claim ask first, saying exactly what will happen."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from expenses.models import ExpenseClaim, ExpenseStatus
from expenses.services import expense_submit
from hope.models import Message
from tests.factories import ExpenseClaimFactory, pdf_upload

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(" ".join(response.content.decode().split()))


def test_delete_page_names_the_claim_and_its_receipt_and_changes_nothing(client, budget, volunteer):
    claim = ExpenseClaimFactory(
        claimant=volunteer,
        description="Room hire deposit",
        amount=Decimal("42.00"),
        receipt=pdf_upload(),
        receipt_label="deposit.pdf",
    )
    client.force_login(volunteer)
    response = client.get(reverse("expenses:claim_delete", args=[claim.pk]))
    text = _text(response)
    assert f"Delete your draft claim #{claim.pk} for £42.00, “Room hire deposit”?" in text
    assert "Room hire deposit" in text and "£42.00" in text
    assert "its receipt (PDF, uploaded as “deposit.pdf”)" in text
    assert "This cannot be undone." in text
    assert ExpenseClaim.objects.filter(pk=claim.pk).exists()
    client.post(reverse("expenses:claim_delete", args=[claim.pk]))
    assert not ExpenseClaim.objects.filter(pk=claim.pk).exists()


def test_a_submitted_claim_offers_no_delete_button(client, budget, volunteer):
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    client.force_login(volunteer)
    response = client.get(reverse("expenses:claim_delete", args=[claim.pk]))
    assert "Only your own draft claims can be deleted." in _text(response)
    assert "Delete the draft</button>" not in _text(response)


def test_reject_page_shows_claim_amount_claimant_and_asks_for_a_reason(
    client, budget, volunteer, finance_lead
):
    # A name HTML has to escape: the page must still read as the person's name.
    volunteer.full_name = "Adrian O'Connor-Wong"
    volunteer.save(update_fields=["full_name"])
    claim = ExpenseClaimFactory(
        claimant=volunteer, description="Train to Leeds", amount=Decimal("18.40")
    )
    expense_submit(claim=claim, by=volunteer)
    client.force_login(finance_lead)
    response = client.get(reverse("expenses:reject", args=[claim.pk]))
    text = _text(response)
    assert f"Reject claim #{claim.pk} from {volunteer.full_name}?" in text
    assert "Train to Leeds" in text and "£18.40" in text
    assert f"tell {volunteer.full_name} by email, with your reason" in text
    assert 'name="reason"' in text
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.SUBMITTED
    assert not Message.objects.exists()


def test_rejecting_without_a_reason_shows_the_error_on_the_same_page(
    client, budget, volunteer, finance_lead
):
    # A name HTML has to escape: the page must still read as the person's name.
    volunteer.full_name = "Adrian O'Connor-Wong"
    volunteer.save(update_fields=["full_name"])
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    client.force_login(finance_lead)
    response = client.post(reverse("expenses:reject", args=[claim.pk]), {"reason": " "})
    assert response.status_code == 200
    text = _text(response)
    assert "<title>Error: Reject claim" in text
    assert "There is a problem" in text and "Give a reason: the claimant will see it." in text
    response = client.post(
        reverse("expenses:reject", args=[claim.pk]), {"reason": "Duplicate", "next": "dashboard"}
    )
    assert response.url == reverse("expenses:dashboard")
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.REJECTED
    assert Message.objects.filter(recipient=volunteer).count() == 1


def test_the_dashboard_and_the_claim_link_to_the_reject_page(
    client, budget, volunteer, finance_lead
):
    # A name HTML has to escape: the page must still read as the person's name.
    volunteer.full_name = "Adrian O'Connor-Wong"
    volunteer.save(update_fields=["full_name"])
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    client.force_login(finance_lead)
    url = reverse("expenses:reject", args=[claim.pk])
    dashboard = client.get(reverse("expenses:dashboard")).content.decode()
    assert f'href="{url}?next=dashboard"' in dashboard and f'action="{url}"' not in dashboard
    detail = client.get(reverse("expenses:claim_detail", args=[claim.pk])).content.decode()
    assert f'href="{url}"' in detail and f'action="{url}"' not in detail
    page = client.get(url, {"next": "dashboard"}).content.decode()
    assert 'name="next" value="dashboard"' in page


def test_a_claim_decided_meanwhile_says_so_instead_of_asking(
    client, budget, volunteer, finance_lead
):
    # A name HTML has to escape: the page must still read as the person's name.
    volunteer.full_name = "Adrian O'Connor-Wong"
    volunteer.save(update_fields=["full_name"])
    claim = ExpenseClaimFactory(claimant=volunteer)  # a draft: nothing to decide yet
    client.force_login(finance_lead)
    text = _text(client.get(reverse("expenses:reject", args=[claim.pk])))
    assert "This claim is draft now, so it cannot be rejected." in text
    assert "Reject the claim</button>" not in text


def test_the_trail_names_a_deleted_drafts_amount_as_money(client, budget, volunteer):
    from hope.models import AuditEvent

    claim = ExpenseClaimFactory(claimant=volunteer, amount=Decimal("7500.00"))
    client.force_login(volunteer)
    client.post(reverse("expenses:claim_delete", args=[claim.pk]))
    line = AuditEvent.objects.get(action="expense.draft_deleted")
    assert line.summary == f"Deleted draft claim #{claim.pk} (£7,500.00)"
