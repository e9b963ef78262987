"""Demo money for `seed_demo`: the 2018/19 story (£7,500 budget), this year's spending so
far and its queue, and mileage claims made from the rides the demo's drivers drove."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from expenses.models import (
    Allocation,
    Budget,
    Category,
    ClaimRide,
    DirectSpend,
    ExpenseClaim,
    ExpenseEvent,
    ExpenseKind,
    ExpenseStatus,
    Rates,
    financial_year_of,
)
from expenses.rides import claim_from_rides_initial, ride_day
from expenses.services import mileage_claim_from_rides, price_mileage
from hope.models import User
from programmes.models import Ride

D = Decimal

ALLOCATIONS_2018 = {
    Category.VENUE_HIRE: D("2500.00"),
    Category.TRAINING: D("1500.00"),
    Category.VOLUNTEER_EXPENSES: D("1500.00"),
    Category.DRIVERS: D("1500.00"),
    Category.OTHER: D("500.00"),
}

# (claimant email, date, category, description, amount) — paid unless noted.
EXPENSES_2018 = [
    ("volunteer@example.org", date(2018, 5, 14), Category.VOLUNTEER_EXPENSES, "Tea, coffee and biscuits for the Riverside group", D("18.40")),
    ("helper@example.org", date(2018, 6, 11), Category.VOLUNTEER_EXPENSES, "Printing course handbooks", D("42.75")),
    ("peer.lead@example.org", date(2018, 7, 2), Category.VOLUNTEER_EXPENSES, "Flip-chart paper and pens", D("23.99")),
    ("helper@example.org", date(2018, 9, 17), Category.VOLUNTEER_EXPENSES, "Refreshments, St Mark's course", D("21.60")),
    ("volunteer@example.org", date(2018, 10, 8), Category.VOLUNTEER_EXPENSES, "Bus fares to the Oakfield course", D("12.60")),
    ("peer.lead@example.org", date(2018, 11, 19), Category.VOLUNTEER_EXPENSES, "Relaxation CDs for participants", D("35.00")),
    ("helper@example.org", date(2019, 1, 21), Category.VOLUNTEER_EXPENSES, "Refreshments, winter course", D("19.85")),
    ("peer.lead@example.org", date(2019, 2, 25), Category.OTHER, "Room decorations for the celebration session", D("27.50")),
    ("helper@example.org", date(2018, 8, 13), Category.VOLUNTEER_EXPENSES, "Taxi for a participant with mobility needs", D("38.50")),
    ("volunteer@example.org", date(2018, 12, 10), Category.VOLUNTEER_EXPENSES, "Refreshments for the end-of-course celebration", D("45.00")),
]  # fmt: skip

# (claimant email, date, from, to, miles, passengers, purpose)
MILEAGE_2018 = [
    ("volunteer@example.org", date(2018, 5, 21), "NG4 2RL", "NG7 1OL", D("38.0"), 2, "Driving participants to Oakfield"),
    ("driver2@example.org", date(2018, 6, 18), "NG1 5SM", "NG2 8CH", D("52.5"), 3, "Participants to the hospital group"),
    ("volunteer@example.org", date(2018, 7, 16), "NG4 2RL", "NG3 9PS", D("44.0"), 1, "Collecting course materials"),
    ("driver2@example.org", date(2018, 9, 24), "NG1 5SM", "NG7 1OL", D("61.0"), 3, "Participants to Oakfield, weeks 1-2"),
    ("volunteer@example.org", date(2018, 10, 29), "NG4 2RL", "NG2 8CH", D("58.5"), 2, "Participants to the hospital group"),
    ("driver2@example.org", date(2018, 12, 3), "NG1 5SM", "NG4 2RL", D("47.0"), 2, "Participants to Riverside"),
    ("volunteer@example.org", date(2019, 2, 11), "NG4 2RL", "NG7 1OL", D("66.0"), 3, "Participants to Oakfield"),
    ("driver2@example.org", date(2019, 1, 14), "NG1 5SM", "NG2 8CH", D("55.0"), 3, "Participants to the hospital group"),
    ("volunteer@example.org", date(2019, 3, 4), "NG4 2RL", "NG3 9PS", D("49.5"), 2, "Participants to Parkside"),
    ("driver2@example.org", date(2019, 3, 18), "NG1 5SM", "NG7 1OL", D("63.0"), 3, "Participants to Oakfield"),
]  # fmt: skip

SPEND_2018 = [
    (date(2018, 4, 30), Category.TRAINING, "Facilitator manuals (12 copies)", D("216.00")),
    (date(2018, 6, 20), Category.TRAINING, "Lived-experience facilitator training, course fees", D("300.00")),
    (date(2018, 7, 31), Category.VENUE_HIRE, "Riverside Community Centre, sessions April to July", D("300.00")),
    (date(2018, 9, 12), Category.TRAINING, "Two places on the facilitator refresher day", D("180.00")),
    (date(2018, 10, 31), Category.VENUE_HIRE, "Riverside Community Centre, sessions September and October", D("200.00")),
    (date(2018, 11, 30), Category.VENUE_HIRE, "St Mark's Church Hall, sessions September to November", D("180.00")),
    (date(2019, 1, 15), Category.TRAINING, "Participant workbooks reprint", D("96.50")),
    (date(2019, 2, 28), Category.VENUE_HIRE, "St Mark's Church Hall, sessions January and February", D("150.00")),
    (date(2019, 3, 29), Category.VENUE_HIRE, "Northgate Community Hospital, winter course", D("240.00")),
]  # fmt: skip


# This year's spending so far, by days before today: (claimant email, days ago, category,
# description, amount), paid; and what finance paid suppliers (days ago, category,
# description, amount).
EXPENSES_THIS_YEAR = [
    ("helper@example.org", 160, Category.VOLUNTEER_EXPENSES, "Refreshments for the Riverside group", D("18.20")),
    ("volunteer@example.org", 125, Category.VOLUNTEER_EXPENSES, "Printing course handbooks", D("36.40")),
    ("peer.lead@example.org", 96, Category.VOLUNTEER_EXPENSES, "Flip-chart paper and pens", D("21.99")),
    ("helper@example.org", 61, Category.VOLUNTEER_EXPENSES, "Refreshments, St Mark's course", D("17.60")),
    ("peer.lead@example.org", 40, Category.OTHER, "Certificates for the celebration session", D("12.00")),
    ("volunteer@example.org", 26, Category.VOLUNTEER_EXPENSES, "Refreshments for the end-of-course celebration", D("32.50")),
]  # fmt: skip
SPEND_THIS_YEAR = [
    (170, Category.TRAINING, "Facilitator manuals (10 copies)", D("180.00")),
    (110, Category.TRAINING, "Lived-experience facilitator training, course fees", D("300.00")),
    (68, Category.TRAINING, "Participant workbooks reprint", D("96.50")),
]  # fmt: skip


def _people() -> dict[str, User]:
    return {u.email: u for u in User.objects.all()}


def _finish(
    claim: ExpenseClaim, *, status: str, finance: User, when, decided_after=timedelta(days=3)
) -> None:
    events = [
        ExpenseEvent(
            claim=claim, by=claim.claimant, from_status="draft", to_status="submitted", at=when
        )
    ]
    if status in (ExpenseStatus.APPROVED, ExpenseStatus.PAID):
        claim.decided_by, claim.decided_at = finance, when + decided_after
        events.append(
            ExpenseEvent(
                claim=claim,
                by=finance,
                from_status="submitted",
                to_status="approved",
                at=claim.decided_at,
            )
        )
    if status == ExpenseStatus.PAID:
        claim.paid_on = (when + timedelta(days=10)).date()
        claim.payment_reference = f"BACS-{claim.spent_on:%y%m%d}-{claim.claimant_id}"
        events.append(
            ExpenseEvent(
                claim=claim,
                by=finance,
                from_status="approved",
                to_status="paid",
                at=when + timedelta(days=10),
                note=f"Paid, ref. {claim.payment_reference}",
            )  # fmt: skip
        )
    ExpenseEvent.objects.bulk_create(events)
    claim.status = status
    claim.save()


def seed_money() -> int:
    """Idempotent: the story once (while there is no 2018/19 budget), and the claims from
    rides once, when there are rides to claim for."""
    return _seed_story() + seed_ride_claims()


# Rides of the last fortnight are the drivers' to claim for on the demo (all but one
# day's); earlier ones were claimed and paid (a claim is paid within 12 days of the rides).
UNCLAIMED_FOR = timedelta(days=14)


def seed_ride_claims() -> int:
    """Mileage claims made from rides, so the dashboard and the cost report show what
    rides cost: each driver's rides of each day before the last fortnight, claimed and
    paid; and the latest day's rides a driver held, claimed and approved. The last
    fortnight's other rides are left to claim. Nothing when the demo has no such rides, or
    already has a claim made from rides."""
    if ClaimRide.objects.exists():
        return 0
    now = timezone.now()
    finance = User.objects.get(email="finance@example.org")
    held = (
        Ride.objects.held()
        .filter(session__end__lte=now, driver__is_driver=True)
        .select_related("participant", "session__course", "session__venue", "driver")
        .order_by("session__start", "pk")
    )
    days: dict[tuple, list[Ride]] = {}
    latest = latest_start = None  # the day and driver of the first ride to the last session
    for ride in held:
        key = (ride_day(ride), ride.driver_id)
        days.setdefault(key, []).append(ride)
        if ride.session.start != latest_start:
            latest, latest_start = key, ride.session.start
    created = 0
    for key, rides in days.items():
        ended = rides[-1].session.end
        if ended <= now - UNCLAIMED_FOR:
            when = ended + timedelta(days=2)
            _claim_rides(rides, when=when, status=ExpenseStatus.PAID, finance=finance)
        elif key == latest:  # sent and approved since the session, whenever it was
            gap = (now - ended) / 3
            _claim_rides(
                rides, when=ended + gap, status=ExpenseStatus.APPROVED, finance=finance,
                decided_after=gap,
            )  # fmt: skip
        else:
            continue
        created += 1
    return created


def _claim_rides(rides: list[Ride], *, when, status: str, finance: User, **decided) -> ExpenseClaim:
    """One day's rides by one driver, on a mileage claim made as the driver would make
    it (a car's worth of passengers at most), sent at ``when`` and decided by finance."""
    rides = rides[:8]
    driver = rides[0].driver
    initial = claim_from_rides_initial(rides, driver=driver)
    day = initial["spent_on"]
    claim = ExpenseClaim(
        start_postcode=initial["start_postcode"] or "NG4 2RL",
        end_postcode=initial["end_postcode"] or "NG7 1AB",
        miles=D("12.4") + D(day.toordinal() % 17) / 2,
        purpose=initial["purpose"],
        course_id=initial["course"],
    )
    claim = mileage_claim_from_rides(claim=claim, ride_ids=[r.pk for r in rides], by=driver)
    claim.submitted_at = when
    claim.keep_rates(Rates.current())  # as handed in: priced at today's rates
    _finish(claim, status=status, finance=finance, when=when, **decided)
    return claim


def _seed_story() -> int:
    if Budget.objects.filter(start_year=2018).exists():
        return 0
    people = _people()
    finance = people["finance@example.org"]
    budget = Budget.objects.create(start_year=2018, total=D("7500.00"))
    Allocation.objects.bulk_create(
        Allocation(budget=budget, category=c, amount=a) for c, a in ALLOCATIONS_2018.items()
    )
    this_year = financial_year_of(timezone.localdate())
    Budget.objects.get_or_create(start_year=this_year, defaults={"total": D("7500.00")})
    created = _paid_expenses(EXPENSES_2018, people, finance)
    # Handed in, so priced at the rates kept with them (as expenses.services does).
    rates = Rates.current()
    for email, day, start, end, miles, passengers, purpose in MILEAGE_2018:
        claim = ExpenseClaim(
            claimant=people[email], kind=ExpenseKind.MILEAGE, spent_on=day,
            category=Category.DRIVERS, start_postcode=start, end_postcode=end, miles=miles,
            passengers=passengers, purpose=purpose,
            description=f"Mileage {start} to {end}: {purpose}", status=ExpenseStatus.SUBMITTED,
        )  # fmt: skip
        price_mileage(claim, rates)
        claim.keep_rates(rates)
        claim.save()
        when = timezone.make_aware(
            timezone.datetime.combine(day + timedelta(days=1), timezone.datetime.min.time())
        )
        claim.submitted_at = when
        _finish(claim, status=ExpenseStatus.PAID, finance=finance, when=when)
        created += 1
    _spend(SPEND_2018, finance)
    today = timezone.localdate()
    created += _seed_this_year(people, finance, today)
    # This year's queue: something for the finance lead to approve on first sign-in.
    for email, days_ago, description, amount in [
        ("helper@example.org", 6, "Refreshments for the Riverside group", D("16.80")),
        ("peer.lead@example.org", 3, "Printing session handouts", D("24.50")),
    ]:
        claim = ExpenseClaim.objects.create(
            claimant=people[email], spent_on=today - timedelta(days=days_ago),
            category=Category.VOLUNTEER_EXPENSES, description=description, amount=amount,
        )  # fmt: skip
        claim.submitted_at = timezone.now() - timedelta(days=days_ago - 1)
        _finish(claim, status=ExpenseStatus.SUBMITTED, finance=finance, when=claim.submitted_at)
        created += 1
    claim = ExpenseClaim(
        claimant=people["volunteer@example.org"], kind=ExpenseKind.MILEAGE,
        spent_on=today - timedelta(days=2), category=Category.DRIVERS, start_postcode="NG4 2RL",
        end_postcode="NG7 1OL", miles=D("34.5"), passengers=2,
        purpose="Driving participants to Oakfield", status=ExpenseStatus.SUBMITTED,
        description="Mileage NG4 2RL to NG7 1OL: Driving participants to Oakfield",
    )  # fmt: skip
    price_mileage(claim, rates)
    claim.keep_rates(rates)
    claim.submitted_at = timezone.now() - timedelta(days=1)
    claim.save()
    _finish(claim, status=ExpenseStatus.SUBMITTED, finance=finance, when=claim.submitted_at)
    return created + 1


def _paid_expenses(expenses, people: dict[str, User], finance: User) -> int:
    """Out-of-pocket claims, sent two days after the spending and paid."""
    for email, day, category, description, amount in expenses:
        claim = ExpenseClaim.objects.create(
            claimant=people[email], spent_on=day, category=category,
            description=description, amount=amount, status=ExpenseStatus.DRAFT,
        )  # fmt: skip
        when = timezone.make_aware(
            timezone.datetime.combine(day + timedelta(days=2), timezone.datetime.min.time())
        )
        claim.submitted_at = when
        _finish(claim, status=ExpenseStatus.PAID, finance=finance, when=when)
    return len(expenses)


def _spend(spend, finance: User) -> None:
    for day, category, description, amount in spend:
        DirectSpend.objects.create(
            spent_on=day, category=category, description=description, amount=amount,
            recorded_by=finance,
        )  # fmt: skip


def _seed_this_year(people: dict[str, User], finance: User, today: date) -> int:
    """This year's spending so far, for the finance dashboard and the cost report."""
    expenses = [
        (email, today - timedelta(days=days), category, description, amount)
        for email, days, category, description, amount in EXPENSES_THIS_YEAR
    ]
    _spend([(today - timedelta(days=days), *rest) for days, *rest in SPEND_THIS_YEAR], finance)
    return _paid_expenses(expenses, people, finance)
