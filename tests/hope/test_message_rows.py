"""The message log's rows, written with f-strings, are the markup format_html wrote
before (kept here as the reference), escaping included."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import linebreaksbr, urlize
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from hope.message_rows import message_row
from hope.models import Message, MessageStatus, User

_ROW = """
  <tr>
    <td data-label="Due" class="text-nowrap">{}</td>
    {}
    <td data-label="Status">{}{}{}</td>
  </tr>"""
_TEAM = """<td data-label="To" class="text-break">{}</td>
    <td data-label="Subject">{}</td>"""
_OWN = '<td data-label="Subject">{}</td>'
_DETAILS = "<details><summary>{}</summary>{}</details>"
_ATTEMPTS = '<br><span class="small">{} attempt{}{}</span>'


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%-d %b %H:%M}"


def reference_row(message: Message, *, team_view: bool) -> str:
    if team_view:
        name = message.recipient.full_name if message.recipient_id else ""
        who_and_what = format_html(_TEAM, name or message.to_address, message.subject)
    elif message.body_text:
        text = linebreaksbr(urlize(message.body_text, autoescape=True), autoescape=True)
        who_and_what = format_html(_OWN, format_html(_DETAILS, message.subject, text))
    else:
        who_and_what = format_html(_OWN, message.subject)
    attempts = ""
    if message.attempts > 1 or message.status == MessageStatus.FAILED:
        error = f": {Truncator(message.last_error).chars(120)}" if message.last_error else ""
        attempts = format_html(
            _ATTEMPTS, message.attempts, "" if message.attempts == 1 else "s", error
        )
    return format_html(
        _ROW,
        _when(message.due_at),
        who_and_what,
        message.get_status_display(),
        f" {_when(message.sent_at)}" if message.sent_at else "",
        attempts,
    )


SUMMER = datetime(2026, 7, 3, 23, 50, tzinfo=ZoneInfo("UTC"))
WINTER = datetime(2026, 12, 3, 9, 5, tzinfo=ZoneInfo("UTC"))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": MessageStatus.SENT, "sent_at": SUMMER, "attempts": 1},
        {"status": MessageStatus.PENDING, "attempts": 0, "body_text": ""},
        {"status": MessageStatus.FAILED, "attempts": 1, "last_error": "<b>refused</b> & 'x'"},
        {"status": MessageStatus.PENDING, "attempts": 3, "last_error": "x" * 300},
        {"status": MessageStatus.SENT, "sent_at": WINTER, "attempts": 2, "last_error": ""},
    ],
)
@pytest.mark.parametrize("recipient_name", ['O\'Brien <Ann> & "Co"', None])
def test_each_row_is_the_markup_format_html_wrote(fields, recipient_name):
    recipient = User(pk=7, full_name=recipient_name) if recipient_name else None
    message = Message(
        recipient=recipient,
        to_address="a&b@example.org",
        subject='Rota <change> & "news"',
        body_text=fields.pop("body_text", "Line one <x>\nsee https://example.org/a?b=1&c=2"),
        due_at=WINTER,
        **fields,
    )
    for team_view in (True, False):
        assert message_row(message, team_view=team_view) == reference_row(
            message, team_view=team_view
        )
