"""The nightly retention job: each kind of data goes after its period, and no sooner."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core.management import call_command
from django.utils import timezone

from expenses.models import DirectSpend, ExpenseClaim, ExpenseStatus
from facilitators.models import CoverRequest
from hope.audit import audit_record
from hope.models import AuditEvent, Invitation, Message, MessageStatus
from hope.retention import RetentionRule, register, rules, run_retention
from tests.factories import (
    DirectSpendFactory,
    ExpenseClaimFactory,
    InvitationFactory,
    SessionClaimFactory,
    pdf_upload,
)

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
TODAY = datetime(2026, 11, 26, 12, tzinfo=LONDON)


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield TODAY


def _message(key: str, days_ago: int, status=MessageStatus.SENT) -> Message:
    return Message.objects.create(
        key=key, kind="reminder", to_address="a@example.org", subject="Reminder",
        body_text="Your session on Tuesday", body_html="<p>Tuesday</p>", attachment="ICS",
        status=status, due_at=TODAY - timedelta(days=days_ago),
    )  # fmt: skip


def test_expired_sessions_go_and_live_ones_stay(today):
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.set_expiry(1)
    expired.create()
    with time_machine.travel(TODAY + timedelta(hours=1), tick=False):
        counts = run_retention()
    assert counts["expired sign-in sessions"] == 1
    assert list(DjangoSession.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_message_bodies_are_cleared_then_the_messages_deleted(today):
    recent, old, ancient = _message("r", 10), _message("o", 91), _message("a", 366)
    pending = _message("p", 200, status=MessageStatus.PENDING)
    run_retention()
    recent.refresh_from_db(), old.refresh_from_db(), pending.refresh_from_db()
    assert recent.body_text and recent.attachment
    assert (old.body_text, old.body_html, old.attachment) == ("", "", "")
    assert old.subject == "Reminder"  # who, when and what kind stay for the log
    assert pending.body_text  # not sent yet: still needed
    assert not Message.objects.filter(pk=ancient.pk).exists()


def test_cover_reasons_are_cleared_after_their_period(today):
    with time_machine.travel(TODAY - timedelta(days=120), tick=False):
        old_claim = SessionClaimFactory()
    old = CoverRequest.objects.create(claim=old_claim, reason="Hospital appointment")
    recent = CoverRequest.objects.create(claim=SessionClaimFactory(), reason="Hospital appointment")
    old.resolved_at = TODAY - timedelta(days=100)
    old.save()
    run_retention()
    old.refresh_from_db(), recent.refresh_from_db()
    assert old.reason == "" and recent.reason == "Hospital appointment"


def test_money_is_kept_six_years_after_its_financial_year_then_deleted_with_its_files(
    today, volunteer, finance_lead
):
    def claim_on(day):
        return ExpenseClaimFactory(
            claimant=volunteer, spent_on=day, status=ExpenseStatus.PAID, decided_by=finance_lead,
            paid_on=day, payment_reference="R", amount=Decimal("10.00"), receipt=pdf_upload(),
        )  # fmt: skip

    gone = claim_on(date(2020, 3, 31))  # 2019/20: its six years ended on 31 March 2026
    kept = claim_on(date(2020, 4, 1))  # 2020/21: kept until 31 March 2027
    late = claim_on(date(2020, 3, 20))  # spent in 2019/20 but paid in 2020/21: kept
    late.paid_on = date(2020, 5, 2)
    late.save()
    old_spend = DirectSpendFactory(spent_on=date(2019, 6, 1), attachment=pdf_upload())
    gone_file, kept_file = gone.receipt.path, kept.receipt.path
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = run_retention()
    assert counts["claims and direct spend, with their receipts"] == 2
    assert set(ExpenseClaim.objects.values_list("pk", flat=True)) == {kept.pk, late.pk}
    assert not DirectSpend.objects.filter(pk=old_spend.pk).exists()
    assert not os.path.exists(gone_file) and os.path.exists(kept_file)


def test_unused_invitations_go_after_their_period(today):
    with time_machine.travel(TODAY - timedelta(days=200), tick=False):
        InvitationFactory()  # expired 186 days ago, never used
    fresh = InvitationFactory()
    run_retention()
    assert list(Invitation.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_audit_lines_sign_ins_after_a_year_everything_after_seven(today, coordinator):
    for days, action in [(400, "signin.succeeded"), (400, "course.created"),
                         (2600, "expense.approved"), (100, "signin.failed")]:  # fmt: skip
        with time_machine.travel(TODAY - timedelta(days=days), tick=False):
            audit_record(actor=coordinator, action=action, summary=f"{days} {action}")
    run_retention()
    left = set(AuditEvent.objects.values_list("summary", flat=True))
    assert {"400 course.created", "100 signin.failed"} <= left
    assert not {"400 signin.succeeded", "2600 expense.approved"} & left
    assert AuditEvent.objects.filter(action="retention.purged").exists()


def test_running_twice_deletes_nothing_more(today):
    _message("o", 400)
    first = run_retention()
    second = run_retention()
    assert sum(first.values()) >= 1 and sum(second.values()) == 0


def test_a_new_kind_of_data_joins_with_one_registration(today, capsys):
    seen = []
    rule = register(RetentionRule("test things", "a day", lambda now: seen.append(now) or 3))
    try:
        call_command("retention")
        assert seen == [timezone.now()]
        assert "test things (kept a day): 3" in capsys.readouterr().out
    finally:
        from hope import retention

        del retention._RULES[rule.name]
    assert rule not in rules()


def test_beat_runs_the_retention_job_every_night(today):
    """The job is only as good as its schedule: one entry, every night, naming the task."""
    from hope.celery import app
    from hope.tasks import retention as retention_task

    entry = app.conf.beat_schedule["retention"]
    assert entry["task"] == retention_task.name == "hope.tasks.retention"
    schedule = entry["schedule"]
    assert (schedule.hour, schedule.minute) == ({3}, {40})
    assert len(schedule.day_of_week) == 7 and len(schedule.day_of_month) == 31
    old = _message("old", 400)
    retention_task.delay()
    assert not Message.objects.filter(pk=old.pk).exists()
