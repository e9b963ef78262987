"""/messages/ pages its list in the same number of queries whatever it holds (issue 17:
an empty list skipped its query, so a volunteer with no message ran one query fewer)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hope.models import Message, MessageStatus
from hope.roles import Role
from hope.views import MESSAGES_PER_PAGE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def add_messages(person, n: int, status=MessageStatus.SENT, start: int = 0) -> None:
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            key=f"test:{person.pk}:{status}:{start + i}",
            kind="test",
            recipient=person,
            to_address=person.email,
            subject=f"Message {start + i:03}",
            body_text="See https://example.org/ for more.",
            due_at=now - timedelta(minutes=start + i),
            status=status,
        )
        for i in range(n)
    )


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.COORDINATOR])
def test_the_same_queries_with_no_message_and_with_pages_of_them(client, role):
    person = UserFactory(roles=[role])
    client.force_login(person)
    url = reverse("message_log")
    client.get(url)
    counts = []
    for n in (0, 3 * MESSAGES_PER_PAGE):
        add_messages(person, n, start=1000)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_pages_and_status_filter_count_what_is_shown(client):
    person = UserFactory(roles=[Role.VOLUNTEER])
    add_messages(person, MESSAGES_PER_PAGE + 3)
    add_messages(person, 2, status=MessageStatus.FAILED, start=500)
    client.force_login(person)
    url = reverse("message_log")
    first = client.get(url).content.decode()
    assert "Page 1 of 2" in first and "Message 000" in first
    assert f"Message {MESSAGES_PER_PAGE:03}" not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert f"Message {MESSAGES_PER_PAGE:03}" in second and "Message 000" not in second
    failed = client.get(url, {"status": "failed"}).content.decode()
    assert "Message 500" in failed and "Message 000" not in failed
    assert "Page 1 of" not in failed  # two failed messages: one page, no pager
    # Hostile page numbers and statuses show a page, never an error.
    for query in ({"page": "9999"}, {"page": "-1"}, {"status": "x'--"}, {"page": "1e9"}):
        assert client.get(url, query).status_code == 200


def test_each_row_says_to_whom_what_and_how_sending_went(client):
    coordinator = UserFactory(roles=[Role.COORDINATOR], full_name="Cara <Coordinator>")
    volunteer = UserFactory(roles=[Role.VOLUNTEER], full_name="Vic Jones")
    due = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    Message.objects.create(
        key="row:failed", kind="test", recipient=volunteer, to_address=volunteer.email,
        subject="Your <session> moved", body_text="Now at 10:00.\nSee https://example.org/s/1",
        due_at=due, status=MessageStatus.FAILED, attempts=5, last_error="x" * 200,
    )  # fmt: skip
    Message.objects.create(
        key="row:nobody", kind="test", recipient=None, to_address="old@example.org",
        subject="Invitation", due_at=due, status=MessageStatus.SENT, attempts=1, sent_at=due,
    )  # fmt: skip
    client.force_login(coordinator)
    team = client.get(reverse("message_log")).content.decode()
    failed = next(row for row in team.split("<tr>") if "Your &lt;session&gt; moved" in row)
    assert "Vic Jones" in failed and "Failed" in failed
    assert f": {'x' * 119}…" in failed and "5 attempts" in failed
    assert "https://example.org" not in team  # the team sees subjects, not the text
    sent = next(row for row in team.split("<tr>") if "old@example.org" in row)
    assert f"Sent {timezone.localtime(due):%-d %b %H:%M}" in sent and "attempt" not in sent
    client.force_login(volunteer)
    own = client.get(reverse("message_log")).content.decode()
    assert (
        "<details><summary>Your &lt;session&gt; moved</summary>Now at 10:00.<br>"
        'See <a href="https://example.org/s/1" rel="nofollow">https://example.org/s/1</a>'
        "</details>"
    ) in own
    assert "Vic Jones" not in own.split("<tbody>")[1]
