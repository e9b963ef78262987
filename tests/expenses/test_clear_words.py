"""Claimants find their own recent courses first, and every message names the claim."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from expenses.models import ExpenseClaim
from expenses.services import expense_submit
from hope.roles import Role
from tests.factories import (
    CourseFactory,
    ExpenseClaimFactory,
    SessionClaimFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def course_options(html: str) -> list[tuple[str | None, str]]:
    """(optgroup label or None, option text) for each course in the picker, in order."""
    select = re.search(r'<select name="course".*?</select>', html, re.S).group(0)
    shown, group = [], None
    for label, text in re.findall(
        r'<optgroup label="([^"]*)">|<option value="\d+"[^>]*>([^<]*)</option>', select
    ):
        if label:
            group = label
        else:
            shown.append((group, text))
    return shown


def test_a_facilitator_sees_the_courses_they_ran_lately_first(
    client, budget, workforce_facilitator
):
    now = timezone.now()
    apples = CourseFactory(
        title="Apples", venue=VenueFactory(name="Eastgate"), first_start=now + timedelta(days=60)
    )
    ran = CourseFactory(
        title="Zinnia", venue=VenueFactory(name="Northgate"), first_start=now - timedelta(days=20)
    )
    long_ago = CourseFactory(title="Birch", first_start=now - timedelta(days=200))
    profile = workforce_facilitator.facilitator_profile
    SessionClaimFactory(session=ran.sessions.get(number=1), facilitator=profile)
    SessionClaimFactory(session=long_ago.sessions.get(number=1), facilitator=profile)
    client.force_login(workforce_facilitator)
    html = client.get(reverse("expenses:claim_create")).content.decode()
    shown = course_options(html)
    assert shown[0] == ("Your recent courses", "Zinnia – Northgate")
    others = [text for group, text in shown if group == "Other courses"]
    assert others[0] == "Apples – Eastgate"
    assert any(text.startswith("Birch – ") for text in others)
    # Grouping changes only the list: any course may still be chosen.
    form = client.get(reverse("expenses:claim_create")).context["form"]
    assert apples in form.fields["course"].queryset


def test_a_volunteer_sees_the_courses_of_their_recent_claims_first(client, budget, volunteer):
    course = CourseFactory(title="Zinnia", venue=VenueFactory(name="Northgate"))
    CourseFactory(title="Apples")
    ExpenseClaimFactory(claimant=volunteer, course=course)
    client.force_login(volunteer)
    shown = course_options(client.get(reverse("expenses:claim_create")).content.decode())
    assert shown[0] == ("Your recent courses", "Zinnia – Northgate")


def test_with_no_recent_course_the_list_is_not_grouped(client, budget, volunteer):
    CourseFactory(title="Apples", venue=VenueFactory(name="Eastgate"))
    client.force_login(volunteer)
    html = client.get(reverse("expenses:claim_create")).content.decode()
    assert "<optgroup" not in html
    assert course_options(html) == [(None, "Apples – Eastgate")]


def test_submitting_names_the_claim_and_its_amount(client, budget, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("expenses:claim_create"),
        {
            "spent_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "category": "volunteer_expenses",
            "description": "Tea and biscuits",
            "amount": "12.50",
            "action": "submit",
        },
        follow=True,
    )
    claim = ExpenseClaim.objects.get()
    assert messages_of(response) == [
        f"Your claim #{claim.pk} for £12.50 is submitted for approval."
    ]


def test_finance_messages_name_the_claimant_claim_and_amount(client, budget, finance_lead):
    claimant = UserFactory(full_name="Grace Hopper", roles=[Role.VOLUNTEER])
    claim = ExpenseClaimFactory(claimant=claimant)
    expense_submit(claim=claim, by=claimant)
    client.force_login(finance_lead)
    response = client.post(reverse("expenses:approve", args=[claim.pk]), follow=True)
    assert messages_of(response) == [f"Grace Hopper's claim #{claim.pk} for £12.50 is approved."]
    response = client.post(
        reverse("expenses:pay", args=[claim.pk]),
        {"paid_on": timezone.localdate().isoformat(), "reference": "BACS-7"},
        follow=True,
    )
    assert messages_of(response) == [
        f"Grace Hopper's claim #{claim.pk} for £12.50 is marked paid (reference BACS-7)."
    ]
    other = ExpenseClaimFactory(claimant=claimant)
    expense_submit(claim=other, by=claimant)
    response = client.post(
        reverse("expenses:reject", args=[other.pk]), {"reason": "No receipt"}, follow=True
    )
    assert messages_of(response) == [
        f"Grace Hopper's claim #{other.pk} for £12.50 is rejected; they see your reason."
    ]
