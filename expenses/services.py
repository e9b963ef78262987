"""Claims move draft → submitted → approved or rejected → paid; each step is locked and
logged. A budget's allocations change together with its total."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import capfirst

from expenses.access import can_claim_mileage
from expenses.alerts import check_budget_alerts
from expenses.models import (
    LIVE_STATUSES,
    ZERO,
    Allocation,
    Budget,
    Category,
    ClaimRide,
    ExpenseClaim,
    ExpenseEvent,
    ExpenseKind,
    ExpenseStatus,
    MileageRates,
    PendingReceipt,
    Rates,
    tax_year_bounds,
    tax_year_of,
)
from expenses.rides import claimed_problem, passengers_on, ride_day, rides_problem, route_text
from hope.audit import audit_record
from hope.models import User
from hope.outbox import message_create
from hope.roles import Role, has_role
from hope.uploads import CheckedDocument
from programmes.models import Ride

PENNY = Decimal("0.01")


class ExpenseError(Exception):
    """The change is not allowed now; the message is for the person.

    ``field`` names the claim's field the refusal is about (a form shows the message next
    to its own field for it), or is None for a refusal about the claim as a whole.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def miles_before(claim: ExpenseClaim) -> Decimal:
    """Miles that count before ``claim`` towards the threshold: the claimant's other live
    (submitted, approved or paid) mileage claims in its tax year that were submitted
    before it, or all of them for a claim not submitted yet. Claims count in the order
    they were submitted, so pricing one never depends on claims handed in after it.
    """
    start, end = tax_year_bounds(tax_year_of(claim.spent_on))
    claims = ExpenseClaim.objects.filter(
        claimant_id=claim.claimant_id,
        kind=ExpenseKind.MILEAGE,
        status__in=LIVE_STATUSES,
        spent_on__range=(start, end),
    )
    if claim.pk:
        claims = claims.exclude(pk=claim.pk)
    if claim.submitted_at is not None:
        claims = claims.filter(
            Q(submitted_at__lt=claim.submitted_at)
            | Q(submitted_at=claim.submitted_at, pk__lt=claim.pk)
            | Q(submitted_at__isnull=True)  # written without the workflow: counted first
        )
    return claims.aggregate(total=Coalesce(Sum("miles"), Decimal("0")))["total"]


def price_mileage(claim: ExpenseClaim, rates: Rates | MileageRates | None = None) -> None:
    """Work out the amount from the miles, passengers and rates, splitting at the threshold.

    HMRC's approved amounts for volunteers: 45p a mile for the first 10,000 business
    miles in the tax year (6 April to 5 April), 25p after, plus 5p a mile per passenger.
    One query (``miles_before``).
    """
    rates = rates or Rates.current()
    room = max(Decimal(rates.threshold_miles) - miles_before(claim), Decimal("0"))
    claim.miles_at_car_rate = min(claim.miles, room)
    claim.miles_at_lower_rate = claim.miles - claim.miles_at_car_rate
    amount = (
        claim.miles_at_car_rate * rates.car_rate
        + claim.miles_at_lower_rate * rates.car_rate_after
        + claim.miles * claim.passengers * rates.passenger_rate
    )
    claim.amount = amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def _lock_tax_year_miles(claim: ExpenseClaim) -> None:
    """Lock the claimant's row, the lock for their tax-year miles; take it before any
    claim row. FOR NO KEY UPDATE, not FOR UPDATE: storing a message or event that points
    at the claimant takes a key-share lock on this row, and an approval holding a claim
    row does exactly that, so FOR UPDATE here would deadlock with it."""
    User.objects.select_for_update(no_key=True).filter(pk=claim.claimant_id).first()


def _reprice_mileage(*, left: ExpenseClaim, by: User) -> None:
    """``left`` no longer counts towards its claimant's tax-year miles (it was rejected):
    price again the claimant's mileage claims in that tax year that are not paid yet.

    Their miles before the threshold can only have dropped, so amounts only rise: what
    the claimant is owed now (so the per-claim limit, met when the claim was handed in,
    is not applied again). Paid claims are facts and keep their amounts. Each claim
    whose amount changed gets a line in its history and, once it has been handed in, a
    message to the claimant. Call inside the transaction, holding the claimant's row
    (the lock for their tax-year miles); the claims are then locked in pk order, the
    one order any transaction takes several claim rows in. Drafts are priced afresh too, so the
    amount the claimant sees is right; they hear when they submit. A claim handed in is
    priced at the rates kept when it was handed in (a money fact, whatever finance has
    set since); a draft at those in force now, as it will be when handed in.
    """
    start, end = tax_year_bounds(tax_year_of(left.spent_on))
    rates = Rates.current()
    unpaid = (
        ExpenseClaim.objects.select_for_update()
        .filter(
            claimant_id=left.claimant_id,
            kind=ExpenseKind.MILEAGE,
            status__in=[ExpenseStatus.DRAFT, ExpenseStatus.SUBMITTED, ExpenseStatus.APPROVED],
            spent_on__range=(start, end),
        )
        .select_related("claimant")
        .order_by("pk")
    )
    budget_days = set()
    for claim in unpaid:
        was = claim.amount
        price_mileage(claim, claim.rates_priced_at or rates)
        if claim.amount == was:
            continue
        claim.save(
            update_fields=["amount", "miles_at_car_rate", "miles_at_lower_rate", "updated_at"]
        )
        if claim.status == ExpenseStatus.DRAFT:
            continue
        note = (
            f"Re-priced from £{was:,.2f} to £{claim.amount:,.2f}: claim #{left.pk} no longer "
            "counts towards the tax year's miles"
        )
        _event(claim, by=by, from_status=claim.status, note=note)
        message_create(
            key=f"claim:{claim.pk}:repriced-after:{left.pk}",
            kind="claim_repriced",
            recipient=claim.claimant,
            template="expenses/email/claim_repriced",
            context={"claim": claim, "was": was, "site_url": settings.SITE_URL},
        )
        if claim.status == ExpenseStatus.APPROVED:
            budget_days.add(claim.spent_on)  # committed spend rose
    for day in sorted(budget_days):
        check_budget_alerts(day=day)


def _check_claim(claim: ExpenseClaim, rates: Rates) -> None:
    """What every claim must meet when it is saved and again when it is submitted (finance
    may have changed the limit, or the claimant stopped driving, in between)."""
    if claim.kind == ExpenseKind.MILEAGE and not can_claim_mileage(claim.claimant):
        raise ExpenseError(
            "Mileage claims are for volunteer drivers. Ask a coordinator to record you as "
            "a driver.",
            field="kind",
        )
    # Mileage too: its amount is worked out here, so only here can it be held to the limit.
    if claim.amount > rates.claim_limit:
        raise ExpenseError(
            f"This claim comes to £{claim.amount:,.2f}. Claims over "
            f"£{rates.claim_limit:,.2f} cannot be made here: talk to a finance lead.",
            field="amount",
        )


def _event(claim: ExpenseClaim, *, by: User, from_status: str, note: str = "") -> None:
    ExpenseEvent.objects.create(
        claim=claim, by=by, from_status=from_status, to_status=claim.status, note=note[:300]
    )


def expense_save(*, claim: ExpenseClaim, by: User) -> ExpenseClaim:
    """Create or change a draft (the claimant's own). A rejected claim changed by its
    claimant becomes a draft again, the same claim with its history, to resubmit."""
    with transaction.atomic():
        creating = claim.pk is None
        replaced = None
        reopened = False
        if not creating:
            # Locked: a finance lead cannot act on the claim while it changes back.
            current = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
            if current.status == ExpenseStatus.REJECTED and current.claimant_id == by.pk:
                reopened = True
                claim.status = ExpenseStatus.DRAFT
                claim.decided_by, claim.decided_at = None, None
            elif current.status != ExpenseStatus.DRAFT:
                raise ExpenseError("A submitted claim can no longer be changed.")
            if current.receipt and current.receipt.name != claim.receipt.name:
                replaced = current.receipt
        if not creating and claim.kind == ExpenseKind.MILEAGE:
            _check_ride_claim(claim)
        rates = Rates.current()
        if claim.kind == ExpenseKind.MILEAGE:
            price_mileage(claim, rates)
        _check_claim(claim, rates)
        claim.save()
        if creating:
            _event(claim, by=by, from_status="", note="Created")
        if reopened:
            _event(claim, by=by, from_status=ExpenseStatus.REJECTED, note="Edited after rejection")
        if replaced is not None:
            # A replaced or removed receipt leaves no orphan file behind.
            name, storage = replaced.name, replaced.storage
            transaction.on_commit(lambda: storage.delete(name))
    return claim


def _check_ride_claim(claim: ExpenseClaim) -> None:
    """A claim made from rides keeps their day and their passengers, however it is
    changed (the form shows both fixed). One query."""
    rides = list(Ride.objects.filter(claim_links__claim=claim).select_related("session"))
    if not rides:
        return
    if claim.spent_on != ride_day(rides[0]):
        raise ExpenseError(
            f"This claim is for rides on {ride_day(rides[0]):%-d %B %Y}: keep that date.",
            field="spent_on",
        )
    if claim.passengers != passengers_on(rides):
        raise ExpenseError(
            f"This claim's rides carried {passengers_on(rides)} people: keep that number "
            "of passengers.",
            field="passengers",
        )


def mileage_claim_from_rides(*, claim: ExpenseClaim, ride_ids: list[int], by: User) -> ExpenseClaim:
    """A new mileage claim (a draft) for rides ``by`` drove, linked to them. Its date,
    passengers and route are the rides' (expenses/rides.py); the miles, postcodes and
    purpose are the driver's. Each ride must be held by ``by`` (not withdrawn), at a
    session that has ended, on one day, and on no other claim.

    Two claims for the same ride at once (a double click, two tabs): the rides are locked
    first, in id order as programmes locks them, so the second waits for the first to
    commit and then finds them claimed; the same lock keeps a coordinator from changing a
    ride meanwhile. The unique constraint on ``ClaimRide.ride`` is the backstop.
    """
    if claim.pk is not None:
        raise ExpenseError("Rides can only be put on a new claim.")
    wanted = set(ride_ids)
    now = timezone.now()
    with transaction.atomic():
        rides = list(
            Ride.objects.select_for_update(of=("self",))
            .filter(pk__in=wanted)
            .select_related("participant", "session__course", "session__venue")
            .order_by("pk")
        )
        if len(rides) != len(wanted):
            raise ExpenseError("Some of these rides no longer exist. Choose them again.")
        problem = rides_problem(rides, driver=by, now=now) or claimed_problem(rides)
        if problem:
            raise ExpenseError(problem)
        claim.claimant, claim.kind, claim.category = by, ExpenseKind.MILEAGE, Category.DRIVERS
        claim.spent_on, claim.passengers = ride_day(rides[0]), passengers_on(rides)
        claim.route = route_text(rides)
        claim.description = claim.description or claim.mileage_description()
        claim = expense_save(claim=claim, by=by)
        try:
            with transaction.atomic():
                ClaimRide.objects.bulk_create(
                    ClaimRide(claim=claim, ride=ride, pickup_district=ride.pickup_district)
                    for ride in rides
                )
        except IntegrityError as error:
            if "expenses_claimride_once_per_ride" not in str(error):
                raise
            raise ExpenseError(
                "One of these rides was claimed a moment ago, perhaps in another tab. Check "
                "your claims."
            ) from None
        audit_record(
            actor=by,
            action="expense.rides_claimed",
            target=claim,
            summary=f"Mileage claim #{claim.pk} made for rides "
            + ", ".join(f"#{ride.pk}" for ride in rides),
        )
    return claim


def expense_submit(*, claim: ExpenseClaim, by: User) -> ExpenseClaim:
    with transaction.atomic():
        # The claimant's row is the lock for their tax-year miles: two mileage claims
        # submitted at once are priced one after the other, so the 10,000-mile split
        # is never counted twice.
        _lock_tax_year_miles(claim)
        claim = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.claimant_id != by.pk:
            raise ExpenseError("Only the claimant can submit a claim.")
        if claim.status != ExpenseStatus.DRAFT:
            raise ExpenseError("This claim has already been submitted.")
        rates = Rates.current()
        if claim.kind == ExpenseKind.MILEAGE:
            price_mileage(claim, rates)
            claim.keep_rates(rates)
        _check_claim(claim, rates)
        if claim.amount <= ZERO:
            raise ExpenseError("A claim must be for more than £0.00.")
        # A claim that was rejected keeps its last reason until it is decided again.
        resubmitting = bool(claim.rejection_reason)
        claim.status = ExpenseStatus.SUBMITTED
        claim.submitted_at = timezone.now()
        if resubmitting:
            claim.times_resubmitted += 1
        claim.save()
        _event(
            claim,
            by=by,
            from_status=ExpenseStatus.DRAFT,
            note="Resubmitted after rejection" if resubmitting else "",
        )
    return claim


def _audit_decision(claim: ExpenseClaim, by: User, what: str) -> None:
    audit_record(
        actor=by,
        action=f"expense.{claim.status}",
        target=claim,
        summary=f"{what} claim #{claim.pk} from {claim.claimant.email} for £{claim.amount:,.2f}",
    )


def _notify_claimant(claim: ExpenseClaim) -> None:
    """Approved, rejected or paid: the claimant hears, once per change of state."""
    message_create(
        key=f"claim:{claim.pk}:{claim.status}",
        kind="claim_notice",
        recipient=claim.claimant,
        template="expenses/email/claim_notice",
        context={"claim": claim, "site_url": settings.SITE_URL},
    )


def _decide(claim: ExpenseClaim, *, by: User, expect: str, to: str) -> ExpenseClaim:
    if not has_role(by, Role.FINANCE_LEAD):
        raise ExpenseError("Only finance leads can do this.")
    # The row lock makes two finance leads acting at once take turns; the second sees
    # the new status and is told what happened. The claim's row only (of=self): with
    # the join, FOR UPDATE would lock the claimant's row too, after the claim's, the
    # other way round from a rejection that takes the claimant's row first.
    claim = (
        ExpenseClaim.objects.select_for_update(of=("self",))
        .select_related("claimant")
        .get(pk=claim.pk)
    )
    problem = _decision_problem(claim, by=by, expect=expect, to=to)
    if problem:
        raise ExpenseError(problem)
    return claim


def _decision_problem(claim: ExpenseClaim, *, by: User, expect: str, to: str) -> str | None:
    if claim.claimant_id == by.pk:
        return "Nobody can approve, reject or pay their own claim."
    if claim.status != expect:
        return (
            f"This claim is {claim.get_status_display().lower()} now, so it cannot be "
            f"{ExpenseStatus(to).label.lower()}."
        )
    return None


def expense_reject_problem(*, claim: ExpenseClaim, by: User) -> str | None:
    """Why ``by`` may not reject this claim now, or None: for the page that asks first."""
    return _decision_problem(
        claim, by=by, expect=ExpenseStatus.SUBMITTED, to=ExpenseStatus.REJECTED
    )


def expense_approve(*, claim: ExpenseClaim, by: User) -> ExpenseClaim:
    with transaction.atomic():
        claim = _decide(claim, by=by, expect=ExpenseStatus.SUBMITTED, to=ExpenseStatus.APPROVED)
        claim.status = ExpenseStatus.APPROVED
        claim.decided_by, claim.decided_at = by, timezone.now()
        claim.save()
        _event(claim, by=by, from_status=ExpenseStatus.SUBMITTED)
        _audit_decision(claim, by, "Approved")
        _notify_claimant(claim)
        check_budget_alerts(day=claim.spent_on)
    return claim


def expense_reject(*, claim: ExpenseClaim, by: User, reason: str) -> ExpenseClaim:
    reason = reason.strip()
    if not reason:
        raise ExpenseError("Give a reason: the claimant will see it.", field="reason")
    with transaction.atomic():
        # The claimant's row first, as when submitting: a rejected mileage claim frees
        # tax-year miles, and the claims it re-prices are then priced one at a time.
        _lock_tax_year_miles(claim)
        claim = _decide(claim, by=by, expect=ExpenseStatus.SUBMITTED, to=ExpenseStatus.REJECTED)
        claim.status = ExpenseStatus.REJECTED
        claim.rejection_reason = reason[:300]
        claim.decided_by, claim.decided_at = by, timezone.now()
        claim.save()
        _event(claim, by=by, from_status=ExpenseStatus.SUBMITTED, note=reason)
        _audit_decision(claim, by, "Rejected")  # the reason stays on the claim, not here
        _notify_claimant(claim)
        if claim.kind == ExpenseKind.MILEAGE:
            _reprice_mileage(left=claim, by=by)
    return claim


def expense_mark_paid(
    *, claim: ExpenseClaim, by: User, paid_on: date, reference: str
) -> ExpenseClaim:
    """Record the payment: the day it was paid lies between the day of the approval and
    today (London days), so the books never show a payment before it was allowed."""
    reference = reference.strip()
    if not reference:
        raise ExpenseError("Enter the payment reference.", field="reference")
    if paid_on > timezone.localdate():
        raise ExpenseError("The date paid cannot be in the future.", field="paid_on")
    with transaction.atomic():
        claim = _decide(claim, by=by, expect=ExpenseStatus.APPROVED, to=ExpenseStatus.PAID)
        approved_on = timezone.localdate(claim.decided_at)
        if paid_on < approved_on:
            raise ExpenseError(
                "The date paid cannot be before the claim was approved on "
                f"{approved_on.day} {approved_on:%B %Y}.",
                field="paid_on",
            )
        claim.status = ExpenseStatus.PAID
        claim.paid_on, claim.payment_reference = paid_on, reference[:60]
        claim.save()
        _event(claim, by=by, from_status=ExpenseStatus.APPROVED, note=f"Paid, ref. {reference}")
        _audit_decision(claim, by, "Marked paid")  # the reference stays on the claim
        _notify_claimant(claim)
    return claim


def expense_delete_draft(*, claim: ExpenseClaim, by: User) -> None:
    """Drafts can go; nothing submitted is ever deleted. A draft never counts towards its
    claimant's tax-year miles (``LIVE_STATUSES``), so deleting one re-prices nothing."""
    with transaction.atomic():
        claim = ExpenseClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.claimant_id != by.pk or claim.status != ExpenseStatus.DRAFT:
            raise ExpenseError("Only your own draft claims can be deleted.")
        # Its rides go back to the driver's list, to be claimed again.
        rides = list(claim.ride_links.values_list("ride_id", flat=True))
        audit_record(
            actor=by,
            action="expense.draft_deleted",
            target=claim,
            summary=f"Deleted draft claim #{claim.pk} (£{claim.amount:,.2f})"
            + (f", freeing rides {', '.join(f'#{pk}' for pk in rides)}" if rides else ""),
        )
        if claim.receipt:
            # After commit: a rolled-back deletion must keep its receipt.
            name, storage = claim.receipt.name, claim.receipt.storage
            transaction.on_commit(lambda: storage.delete(name))
        claim.delete()


def budget_save(*, budget: Budget, allocations: dict[str, Decimal], by: User) -> Budget:
    """Save a budget's year and total with its allocations (category → amount; a category
    left out has none), and put the change on the audit trail.

    Rows are written by category, so two allocations swapping categories never meet the
    one-per-category constraint half-way. The allocations may add up to the total and
    no more: summed in SQL after the writes, with the budget row locked so that two
    finance leads saving at once are checked one after the other.
    """
    with transaction.atomic():
        before = Budget.objects.select_for_update().get(pk=budget.pk)
        budget.save()
        current = {a.category: a for a in budget.allocations.select_for_update()}
        gone = [a.pk for category, a in current.items() if category not in allocations]
        Allocation.objects.filter(pk__in=gone).delete()
        changed = bool(gone)
        for category, amount in allocations.items():
            row = current.get(category)
            if row is None:
                Allocation.objects.create(budget=budget, category=category, amount=amount)
                changed = True
            elif row.amount != amount:
                row.amount = amount
                row.save(update_fields=["amount"])
                changed = True
        allocated = budget.allocations.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
        if allocated > budget.total:
            raise ExpenseError(
                f"The allocations add up to £{allocated:,.2f}, more than the budget of "
                f"£{budget.total:,.2f}. Lower the allocations or raise the budget.",
                field="total",
            )
        fields = [
            f"{capfirst(Budget._meta.get_field(name).verbose_name)}: {getattr(before, name)} → "
            f"{getattr(budget, name)}"
            for name in ("start_year", "total")
            if getattr(before, name) != getattr(budget, name)
        ]
        audit_record(
            actor=by,
            action="budget.changed",
            target=budget,
            summary=f"Changed {budget}: " + (", ".join(fields) or "no changes"),
        )
        if changed:
            audit_record(
                actor=by,
                action="budget.allocations_changed",
                target=budget,
                summary=f"Allocations for {budget}: "
                + "; ".join(
                    f"{a.get_category_display()} £{a.amount:,.2f}" for a in budget.allocations.all()
                ),
            )
    return budget


# --- Receipts kept across a failed form ---------------------------------------------------

PENDING_RECEIPT_KEPT_FOR = timedelta(days=1)
_PENDING_TOKEN = re.compile(r"[0-9a-f]{64}")


def pending_receipt_keep(*, owner: User, document: CheckedDocument) -> PendingReceipt:
    """Keep a checked receipt whose claim form had other mistakes, for the retry."""
    return PendingReceipt.objects.create(
        owner=owner,
        token=secrets.token_hex(32),
        file=document,
        file_type=document.content_type,
        label=document.label,
    )


def pending_receipt_find(*, owner: User, token: str | None) -> PendingReceipt | None:
    """``owner``'s kept receipt with this token, if still kept; None for anything else —
    the token comes back from the browser, so it may be someone else's, made up, or old."""
    if not token or not _PENDING_TOKEN.fullmatch(token):
        return None
    return PendingReceipt.objects.filter(
        owner=owner, token=token, created_at__gte=timezone.now() - PENDING_RECEIPT_KEPT_FOR
    ).first()


def _delete_pending(receipts) -> int:
    files = [(kept.file.name, kept.file.storage) for kept in receipts]
    count = len(files)
    PendingReceipt.objects.filter(pk__in=[kept.pk for kept in receipts]).delete()
    for name, storage in files:
        # After commit: a rolled-back save must not lose a file still referenced.
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    return count


def pending_receipt_discard(*, pending: PendingReceipt) -> None:
    """The kept receipt became a claim's (stored as the claim's own copy): let it go."""
    _delete_pending([pending])


def purge_pending_receipts(now: datetime) -> int:
    """Kept receipts nobody came back for within their day (the retention job)."""
    return _delete_pending(
        list(PendingReceipt.objects.filter(created_at__lt=now - PENDING_RECEIPT_KEPT_FOR))
    )
