"""Money records and their receipts: kept for HMRC's six years after the financial year
they belong to, then deleted with their files."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import DateField
from django.db.models.functions import Cast, Greatest
from django.utils import timezone

from expenses.models import DirectSpend, ExpenseClaim, financial_year_bounds, financial_year_of


def first_day_kept(today: date) -> date:
    """The start of the oldest financial year still kept.

    With six years, on any day of 2026/27 the 2020/21 year is the oldest kept: 2019/20
    ended on 31 March 2020 and its six years ran out on 31 March 2026.
    """
    return financial_year_bounds(financial_year_of(today) - settings.RETENTION_MONEY_YEARS)[0]


def purge_money_records(now: datetime) -> int:
    cutoff = first_day_kept(timezone.localdate(now))
    # A claim belongs to the latest year it touched: spent in March, paid in May is a
    # record of the later year. (PostgreSQL's GREATEST skips the dates not yet set.)
    claims = ExpenseClaim.objects.alias(
        last_day=Greatest(
            "spent_on",
            "paid_on",
            Cast("decided_at", DateField()),
            Cast("submitted_at", DateField()),
        )
    ).filter(last_day__lt=cutoff)
    spends = DirectSpend.objects.filter(spent_on__lt=cutoff)
    files = [c.receipt for c in claims.exclude(receipt="").only("receipt")]
    files += [s.attachment for s in spends.exclude(attachment="").only("attachment")]
    count = claims.count() + spends.count()
    claims.delete()  # their events go with them
    spends.delete()
    for stored in files:
        # After commit: a rolled-back purge must not lose the files of rows it kept.
        name, storage = stored.name, stored.storage
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    return count
