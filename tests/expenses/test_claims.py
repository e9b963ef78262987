from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from expenses.models import ExpenseClaim, ExpenseEvent, ExpenseKind, ExpenseStatus
from expenses.services import (
    ExpenseError,
    expense_approve,
    expense_mark_paid,
    expense_reject,
    expense_submit,
)
from hope.roles import Role
from programmes.models import CourseStatus
from tests.concurrency import run_together
from tests.factories import (
    CourseFactory,
    ExpenseClaimFactory,
    UserFactory,
    image_bytes,
    pdf_upload,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")

PNG = image_bytes("PNG")


def expense_data(**overrides):
    return {
        "spent_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "category": "volunteer_expenses",
        "description": "Tea and biscuits",
        "amount": "12.50",
        "action": "submit",
        **overrides,
    }


def test_volunteer_submits_an_expense_with_a_receipt(client, budget, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("expenses:claim_create"),
        expense_data(receipt=SimpleUploadedFile("till.png", PNG, "image/png")),
    )
    claim = ExpenseClaim.objects.get()
    assert response.url == reverse("expenses:claim_detail", args=[claim.pk])
    assert claim.status == ExpenseStatus.SUBMITTED and claim.amount == Decimal("12.50")
    assert claim.receipt.name.endswith(".png")
    assert [e.to_status for e in claim.events.all()] == ["draft", "submitted"]
    listing = client.get(reverse("expenses:claim_list"))
    assert listing.context["totals"]["waiting"] == Decimal("12.50")
    row = listing.content.decode().split("<tbody>")[1].split("</tr>")[0]
    assert f'href="{reverse("expenses:claim_detail", args=[claim.pk])}"' in row
    assert f">{claim.spent_on.day} {claim.spent_on:%b %Y}</th>" in row
    assert "£12.50" in row and '"badge hope-claim hope-claim-submitted">Submitted<' in row


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "0"}, "amount", "more than £0.00"),
        ({"amount": "-4.00"}, "amount", "more than £0.00"),
        ({"amount": "500.01"}, "amount", "Claims over £500.00"),
        ({"amount": "12.345"}, "amount", "2 decimal places"),
        ({"amount": "lots"}, "amount", "Enter the amount as a number, like 12.5."),
        ({"spent_on": "2099-01-01"}, "spent_on", "cannot be in the future"),
        ({"spent_on": "2001-06-01"}, "spent_on", "no budget for the financial year"),
        ({"description": ""}, "description", "Enter what you paid for."),
    ],
)
def test_bad_expense_is_refused_at_the_field_and_saves_nothing(
    client, budget, volunteer, overrides, field, message
):
    client.force_login(volunteer)
    response = client.post(reverse("expenses:claim_create"), expense_data(**overrides))
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not ExpenseClaim.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 this is a program", "application/pdf"),
            "must be a PDF, or a JPEG or PNG",
        ),
        (SimpleUploadedFile("receipt.jpg", b"GIF89a....", "image/jpeg"), "must be a PDF"),
        (
            SimpleUploadedFile(
                "big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024), "application/pdf"
            ),
            "larger than 10 MB",
        ),
    ],
)
def test_receipts_are_checked_by_content_and_size_and_nothing_is_kept(
    client, budget, volunteer, upload, message, settings
):
    def stored_files():
        return sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())

    before = stored_files()
    client.force_login(volunteer)
    response = client.post(reverse("expenses:claim_create"), expense_data(receipt=upload))
    assert any(message in e for e in response.context["form"].errors["receipt"])
    assert not ExpenseClaim.objects.exists()
    assert stored_files() == before


def test_receipts_only_for_the_claimant_and_finance(
    client, budget, volunteer, finance_lead, personas
):
    claim = ExpenseClaimFactory(claimant=volunteer, receipt=pdf_upload())
    url = reverse("expenses:claim_receipt", args=[claim.pk])
    for user, status in [
        (volunteer, 200),
        (finance_lead, 200),
        (personas["coordinator"], 404),
        (personas["lived"], 404),
        (UserFactory(roles=[Role.VOLUNTEER]), 404),
    ]:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status
        if response.streaming:
            assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_submitted_claims_cannot_be_edited_or_deleted(client, budget, volunteer):
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    client.force_login(volunteer)
    response = client.post(
        reverse("expenses:claim_edit", args=[claim.pk]), expense_data(amount="99")
    )
    assert response.status_code == 302
    client.post(reverse("expenses:claim_delete", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.amount == Decimal("12.50")


def test_drafts_can_be_deleted(client, budget, volunteer):
    claim = ExpenseClaimFactory(claimant=volunteer)
    client.force_login(volunteer)
    client.post(reverse("expenses:claim_delete", args=[claim.pk]))
    assert not ExpenseClaim.objects.exists()


def test_workflow_and_its_history(budget, volunteer, finance_lead):
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    expense_approve(claim=claim, by=finance_lead)
    expense_mark_paid(
        claim=claim, by=finance_lead, paid_on=timezone.localdate(), reference="BACS-1"
    )
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.PAID
    assert [(e.from_status, e.to_status, e.by) for e in claim.events.all()] == [
        ("draft", "submitted", volunteer),
        ("submitted", "approved", finance_lead),
        ("approved", "paid", finance_lead),
    ]


@pytest.mark.parametrize(
    ("start", "action"),
    [
        ("draft", "approve"),
        ("draft", "pay"),
        ("submitted", "pay"),
        ("approved", "approve"),
        ("approved", "reject"),
        ("rejected", "approve"),
        ("paid", "reject"),
        ("paid", "pay"),
    ],
)
def test_forbidden_transitions_are_refused(budget, volunteer, finance_lead, start, action):
    claim = ExpenseClaimFactory(claimant=volunteer)
    if start != "draft":
        expense_submit(claim=claim, by=volunteer)
    if start in ("approved", "paid"):
        expense_approve(claim=claim, by=finance_lead)
    if start == "paid":
        expense_mark_paid(
            claim=claim, by=finance_lead, paid_on=timezone.localdate(), reference="R1"
        )
    if start == "rejected":
        expense_reject(claim=claim, by=finance_lead, reason="No receipt")
    before = ExpenseClaim.objects.get(pk=claim.pk).status
    with pytest.raises(ExpenseError):
        {
            "approve": lambda: expense_approve(claim=claim, by=finance_lead),
            "reject": lambda: expense_reject(claim=claim, by=finance_lead, reason="x"),
            "pay": lambda: expense_mark_paid(
                claim=claim, by=finance_lead, paid_on=timezone.localdate(), reference="R"
            ),
        }[action]()
    assert ExpenseClaim.objects.get(pk=claim.pk).status == before


def test_nobody_approves_their_own_claim_and_only_finance_approves(
    budget, finance_lead, coordinator
):
    own = ExpenseClaimFactory(claimant=finance_lead)
    expense_submit(claim=own, by=finance_lead)
    with pytest.raises(ExpenseError, match="own claim"):
        expense_approve(claim=own, by=finance_lead)
    other = ExpenseClaimFactory()
    expense_submit(claim=other, by=other.claimant)
    with pytest.raises(ExpenseError, match="Only finance leads"):
        expense_approve(claim=other, by=coordinator)


def test_rejection_needs_a_reason_the_claimant_then_sees(client, budget, volunteer, finance_lead):
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    client.force_login(finance_lead)
    client.post(reverse("expenses:reject", args=[claim.pk]), {"reason": "  "})
    assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseStatus.SUBMITTED
    client.post(reverse("expenses:reject", args=[claim.pk]), {"reason": "Receipt is unreadable"})
    client.force_login(volunteer)
    html = client.get(reverse("expenses:claim_list")).content.decode()
    assert "Receipt is unreadable" in html


def test_claimants_see_only_their_own_claims(client, budget, volunteer, personas):
    mine = ExpenseClaimFactory(claimant=volunteer, description="Mine")
    theirs = ExpenseClaimFactory(claimant=personas["lived"], description="Theirs")
    client.force_login(volunteer)
    assert [c.pk for c in client.get(reverse("expenses:claim_list")).context["page"]] == [mine.pk]
    assert client.get(reverse("expenses:claim_detail", args=[theirs.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_finance_leads_approving_at_once_cannot_both_succeed():
    claimant = UserFactory(roles=[Role.VOLUNTEER])
    leads = [UserFactory(roles=[Role.FINANCE_LEAD]) for _ in range(2)]
    from tests.factories import BudgetFactory

    BudgetFactory()
    claim = ExpenseClaimFactory(claimant=claimant)
    expense_submit(claim=claim, by=claimant)
    results = run_together(
        [
            lambda: expense_approve(claim=claim, by=leads[0]),
            lambda: expense_reject(claim=claim, by=leads[1], reason="Duplicate"),
        ]
    )
    assert all(isinstance(r, ExpenseClaim | ExpenseError) for r in results), results
    outcomes = ["refused" if isinstance(r, ExpenseError) else "done" for r in results]
    assert sorted(outcomes) == ["done", "refused"]
    assert ExpenseEvent.objects.filter(claim=claim, from_status="submitted").count() == 1
    assert ExpenseClaim.objects.get(pk=claim.pk).kind == ExpenseKind.EXPENSE


def test_finance_records_direct_spend_and_a_venue_invoice(client, budget, finance_lead):
    from expenses.models import DirectSpend
    from tests.factories import VenueFactory

    venue = VenueFactory()
    client.force_login(finance_lead)
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        reverse("expenses:spend_list"),
        {"spent_on": day, "category": "training_resources", "description": "Manuals",
         "amount": "216.00", "venue": venue.pk},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "covers_from" in errors and "category" in errors
    response = client.post(
        reverse("expenses:spend_list"),
        {"spent_on": day, "category": "venue_hire", "description": "Invoice", "amount": "80.00",
         "venue": venue.pk, "covers_from": day, "covers_to": day,
         "attachment": pdf_upload("inv.pdf")},
    )  # fmt: skip
    assert response.status_code == 302
    spend = DirectSpend.objects.get()
    assert spend.recorded_by == finance_lead and spend.attachment
    response = client.post(
        reverse("expenses:spend_list"),
        {"spent_on": day, "category": "other", "description": "x", "amount": "0"},
    )
    assert "more than £0.00" in response.context["form"].errors["amount"][0]


def test_a_claim_cannot_be_for_a_draft_course(client, budget, volunteer):
    published = CourseFactory(title="Tuesday group")
    draft = CourseFactory(title="Planned group", status=CourseStatus.DRAFT)
    client.force_login(volunteer)
    for url in [
        reverse("expenses:claim_create"),
        reverse("expenses:claim_create") + "?kind=mileage",
    ]:
        offered = list(client.get(url).context["form"].fields["course"].queryset)
        assert published in offered and draft not in offered
    response = client.post(reverse("expenses:claim_create"), expense_data(course=draft.pk))
    assert response.context["form"].errors["course"] == [
        "Choose the course it was for from the list."
    ]
    assert not ExpenseClaim.objects.exists()


def approved_claim(volunteer, finance_lead, on: date) -> ExpenseClaim:
    claim = ExpenseClaimFactory(claimant=volunteer, spent_on=on - timedelta(days=3))
    expense_submit(claim=claim, by=volunteer)
    with time_machine.travel(datetime(on.year, on.month, on.day, 12, tzinfo=LONDON), tick=False):
        return expense_approve(claim=claim, by=finance_lead)


def test_a_payment_date_in_the_future_is_refused(budget, volunteer, finance_lead):
    today = timezone.localdate()
    claim = approved_claim(volunteer, finance_lead, today)
    with pytest.raises(ExpenseError, match="cannot be in the future") as refused:
        expense_mark_paid(
            claim=claim, by=finance_lead, paid_on=today + timedelta(days=1), reference="BACS-9"
        )
    assert refused.value.field == "paid_on"
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.APPROVED and claim.paid_on is None


def test_a_payment_date_before_the_approval_is_refused_next_to_the_date(
    client, budget, volunteer, finance_lead
):
    today = timezone.localdate()
    claim = approved_claim(volunteer, finance_lead, today - timedelta(days=2))
    client.force_login(finance_lead)
    response = client.post(
        reverse("expenses:pay", args=[claim.pk]),
        {"paid_on": (today - timedelta(days=3)).isoformat(), "reference": "BACS-9"},
    )
    assert response.status_code == 200
    errors = response.context["pay_form"].errors["paid_on"]
    approved_on = f"{today - timedelta(days=2):%-d %B %Y}"
    assert any("before the claim was approved" in e and approved_on in e for e in errors), errors
    assert "Error: " in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.APPROVED
    # The day of the approval itself is fine.
    client.post(
        reverse("expenses:pay", args=[claim.pk]),
        {"paid_on": (today - timedelta(days=2)).isoformat(), "reference": "BACS-9"},
    )
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.PAID and claim.paid_on == today - timedelta(days=2)
