"""With Redis refusing connections, or accepting them and never answering, people's
actions still save and answer; the sweep sends what is due once the broker is back."""

from __future__ import annotations

import socket
import threading
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from expenses.models import ExpenseClaim, ExpenseStatus
from expenses.services import expense_submit
from hope.celery import app
from hope.models import Message, MessageStatus
from hope.outbox import send_due
from tests.factories import BudgetFactory, ExpenseClaimFactory


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broken_broker(request):
    """Point Celery at a broken Redis for one test; restore it afterwards."""
    original = app.conf.broker_url

    def forget_connections():
        # Celery caches a connection pool and a producer pool for the broker they were
        # built for; drop both references (kombu's own registry keys pools by URL), or
        # later tests would still talk to the broken broker.
        app._pool = None
        app.amqp._producer_pool = None

    def use(url):
        app.conf.task_always_eager = False
        app.conf.broker_url = url
        forget_connections()

    yield use
    app.conf.broker_url = original
    app.conf.task_always_eager = True
    forget_connections()


def approve_in_a_thread(claim, finance_lead) -> dict:
    """Approve through the web; the caller checks the request did not hang."""
    outcome = {}

    def run():
        try:
            client = Client()
            client.force_login(finance_lead)
            outcome["response"] = client.post(reverse("expenses:approve", args=[claim.pk]))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=5)
    outcome["hung"] = thread.is_alive()
    thread.join()
    return outcome


@pytest.mark.parametrize("fault", ["refusing", "silent"])
@pytest.mark.django_db(transaction=True)
def test_approval_saves_and_answers_and_the_sweep_catches_up(
    fault,
    broken_broker,
    silent_server,
    volunteer,
    finance_lead,  # noqa: F811
):
    BudgetFactory()
    claim = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=claim, by=volunteer)
    port = closed_port() if fault == "refusing" else silent_server
    broken_broker(f"redis://127.0.0.1:{port}/0")

    outcome = approve_in_a_thread(claim, finance_lead)

    assert not outcome["hung"], "the request waited more than 5 seconds on the broker"
    assert outcome["response"].status_code == 302
    assert ExpenseClaim.objects.get(pk=claim.pk).status == ExpenseStatus.APPROVED
    notice = Message.objects.get(kind="claim_notice")
    assert notice.status == MessageStatus.PENDING
    assert mail.outbox == []
    # The beat's sweep (run here directly) sends it once the broker is back.
    assert send_due() == 1
    assert [m.to for m in mail.outbox] == [[volunteer.email]]


@pytest.mark.django_db(transaction=True)
def test_an_approval_crossing_four_lines_publishes_once_and_answers_with_the_broker_hung(
    broken_broker, silent_server, volunteer, finance_lead
):
    """Before: every stored message published its own nudge, each waiting REDIS_TIMEOUT
    (2 s × 13 here). Now one nudge per transaction, and none while the breaker is open."""
    from hope.queue import broker_breaker
    from hope.roles import Role
    from tests.factories import UserFactory

    broker_breaker.reset()
    for n in range(2):
        UserFactory(email=f"finance{n}@example.org", roles=[Role.FINANCE_LEAD])
    BudgetFactory(total=Decimal("20.00"))
    claim = ExpenseClaimFactory(claimant=volunteer, amount=Decimal("25.00"))
    expense_submit(claim=claim, by=volunteer)
    broken_broker(f"redis://127.0.0.1:{silent_server}/0")

    started = time.monotonic()
    outcome = approve_in_a_thread(claim, finance_lead)
    took = time.monotonic() - started

    assert not outcome["hung"] and took < 5, f"the approval took {took:.1f} s"
    assert outcome["response"].status_code == 302
    assert Message.objects.filter(kind="budget_alert").count() == 4 * 3  # lines × leads
    assert broker_breaker.is_open  # the failed publish opened it
    # A second approval while it is open does not wait on the broker at all.
    other = ExpenseClaimFactory(claimant=volunteer)
    expense_submit(claim=other, by=volunteer)
    started = time.monotonic()
    assert approve_in_a_thread(other, finance_lead)["response"].status_code == 302
    assert time.monotonic() - started < 1.5
    broker_breaker.reset()
