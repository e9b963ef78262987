"""The invitation email goes through a real Celery worker and the real Redis broker."""

from __future__ import annotations

import time

import pytest
from django.core import mail

from hope.roles import Role
from hope.services import invitation_create
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_a_worker_after_commit(real_worker):
    coordinator = UserFactory(roles=[Role.COORDINATOR])
    # transaction=True: the commit really happens, so on_commit publishes to Redis.
    invitation = invitation_create(
        email="by.worker@example.org",
        full_name="By Worker",
        roles=[Role.VOLUNTEER],
        by=coordinator,
    )
    deadline = time.monotonic() + 30
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["by.worker@example.org"]]
    assert invitation.token in mail.outbox[0].body
