"""seed_scale: a small copy (one year at a twentieth of the volumes), through PostgreSQL's
own constraints, the same rows every run, and money priced the way the app prices it."""

from __future__ import annotations

import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from expenses.models import ExpenseClaim, ExpenseEvent, ExpenseKind, ExpenseStatus
from expenses.services import price_mileage
from facilitators.models import SessionClaim
from hope.models import Message
from hope.roles import FacilitatorKind
from hope.site.scale import Volumes
from programmes.models import Attendance, Course, Participant, Place, Referral, Ride, Session
from tests.factories import FacilitatorProfileFactory
from venues.models import Venue

pytestmark = pytest.mark.django_db

SMALL = {"years": 1, "scale": 0.05}


def fingerprint() -> str:
    """Every row that matters, by its own values and its neighbours' (never a pk, which a
    second run inside the same test numbers on)."""
    rows = [
        list(Venue.objects.order_by("name").values_list("name", "postcode", "hire_cost")),
        list(
            Session.objects.order_by("start", "course__title").values_list(
                "course__title", "number", "start", "end", "venue__name", "is_cancelled"
            )
        ),
        list(
            SessionClaim.objects.order_by("start", "kind").values_list(
                "session__course__title", "session__number", "kind", "facilitator__user__email"
            )
        ),
        list(
            Place.objects.order_by("participant__email").values_list(
                "participant__email", "course__title", "status"
            )
        ),
        list(
            Attendance.objects.order_by("participant__email", "start").values_list(
                "participant__email", "start", "mark", "expected"
            )
        ),
        list(
            ExpenseClaim.objects.order_by("spent_on", "claimant__email", "amount").values_list(
                "claimant__email", "spent_on", "kind", "status", "amount", "miles"
            )
        ),
        list(
            Ride.objects.order_by("start", "participant__email").values_list(
                "participant__email", "start", "end", "driver__email"
            )
        ),
        list(Message.objects.order_by("key").values_list("key", "recipient__email", "due_at")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def seed_and_fingerprint() -> str:
    with transaction.atomic():
        call_command("seed_scale", **SMALL)
        print_ = fingerprint()
        transaction.set_rollback(True)
    return print_


def test_seed_scale_gives_the_same_rows_every_run():
    assert seed_and_fingerprint() == seed_and_fingerprint()


def test_seed_scale_writes_the_volumes_asked_for_and_refuses_a_second_run():
    # A demo facilitator (seed_demo's, made here without the rest of the demo): the demo's
    # people get their share, so their own pages grow too.
    FacilitatorProfileFactory(user__email="workforce@example.org", kind=FacilitatorKind.WORKFORCE)
    demo_claims = ExpenseClaim.objects.count()
    call_command("seed_scale", **SMALL)
    volumes = Volumes.for_years(**SMALL)
    assert Venue.objects.filter(name__startswith="Scale venue").count() == volumes.venues
    assert Course.objects.filter(title__contains="scale variant").count() == volumes.courses
    assert Participant.objects.filter(email__regex=r"^p[0-9]+@").count() == volumes.participants
    assert Referral.objects.count() == (volumes.participants)
    assert Ride.objects.count() == volumes.rides
    assert Message.objects.filter(key__startswith="scale:").count() == volumes.messages
    assert ExpenseClaim.objects.count() - demo_claims == volumes.expense_claims
    # The demo's facilitators hold scale sessions too (their own pages grow).
    assert SessionClaim.objects.filter(
        facilitator__user__email="workforce@example.org", session__course__title__contains="scale"
    ).exists()
    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_scale", **SMALL)


def test_ten_years_are_issue_17s_volumes():
    volumes = Volumes.for_years(10)
    assert (volumes.venues, volumes.programmes, volumes.courses) == (40, 8, 600)
    assert (volumes.facilitators, volumes.participants, volumes.volunteers) == (150, 20_000, 400)
    assert (volumes.expense_claims, volumes.rides, volumes.messages) == (60_000, 2_000, 150_000)
    assert Volumes.for_years(20).courses == 2 * Volumes.for_years(10).courses


def test_scale_money_is_priced_as_the_app_prices_it():
    call_command("seed_scale", **SMALL)
    mileage = ExpenseClaim.objects.filter(kind=ExpenseKind.MILEAGE).exclude(
        status=ExpenseStatus.DRAFT
    )
    assert mileage.count() > 10
    for claim in mileage:
        stored = claim.amount
        price_mileage(claim)  # the app's own pricing, against the claims handed in before
        assert claim.amount == stored, claim.pk
    paid = ExpenseClaim.objects.filter(status=ExpenseStatus.PAID)
    assert not paid.filter(payment_reference="").exists()
    # Each paid claim's history runs draft → submitted → approved → paid.
    for claim in paid[:50]:
        assert list(
            ExpenseEvent.objects.filter(claim=claim).order_by("at").values_list("to_status")
        ) == [("submitted",), ("approved",), ("paid",)]
    # Sessions a session claim holds are on the holder's programme and copy its times.
    for claim in SessionClaim.objects.select_related("session")[:200]:
        assert (claim.start, claim.end) == (claim.session.start, claim.session.end)
