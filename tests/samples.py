"""One of everything a URL can name, for tests that visit every page."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from expenses.models import ExpenseStatus
from facilitators.models import CoverRequest
from tests.factories import (
    BudgetFactory,
    ClaimFactory,
    ClosureDateFactory,
    CourseFactory,
    DirectSpendFactory,
    ExpenseClaimFactory,
    InvitationFactory,
    TrainingFactory,
    pdf_upload,
)


def make_samples(personas, *, budget=None, n: int = 0) -> dict[str, object]:
    """Objects for each kind of URL argument: the sample claim is the workforce
    facilitator's and the sample expense the volunteer's. ``n`` spaces each call's course
    hours apart, so samples made in a loop never overlap."""
    workforce = personas["workforce"].facilitator_profile
    budget = budget or BudgetFactory()
    invitation = InvitationFactory(invited_by=personas["coordinator"])
    course = CourseFactory(first_start=timezone.now() + timedelta(days=30, hours=5 * n))
    session = course.sessions.first()
    TrainingFactory(profile=workforce, programme=course.programme)
    claim = ClaimFactory(session=session, facilitator=workforce)
    cover_request = CoverRequest.objects.create(claim=claim)
    expense = ExpenseClaimFactory(claimant=personas["volunteer"], receipt=pdf_upload())
    spend = DirectSpendFactory(attachment=pdf_upload())
    # Claims waiting for finance, so their decide and pay forms are on the pages.
    submitted = ExpenseClaimFactory(
        claimant=personas["volunteer"], status=ExpenseStatus.SUBMITTED, submitted_at=timezone.now()
    )
    approved = ExpenseClaimFactory(
        claimant=personas["volunteer"],
        status=ExpenseStatus.APPROVED,
        submitted_at=timezone.now(),
        decided_by=personas["finance"],
        decided_at=timezone.now(),
    )
    return {
        "person": personas["volunteer"].pk,
        "submitted_expense": submitted.pk,
        "approved_expense": approved.pk,
        "expense": expense.pk,
        "spend": spend.pk,
        "budget": budget.pk,
        "budget_year": budget.start_year,
        "claim": claim.pk,
        "cover_request": cover_request.pk,
        "profile": workforce.pk,
        "training": TrainingFactory(profile=workforce).pk,
        "feed_token": workforce.calendar_token,
        "invitation": invitation.pk,
        "invitation_token": invitation.token,
        "course": course.pk,
        "session": session.pk,
        "programme": course.programme_id,
        "venue": course.venue_id,
        "closure": ClosureDateFactory().pk,
    }
