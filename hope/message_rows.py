"""The message log's rows, written out here rather than by the template: twenty-five rows
of a dozen template nodes and three date filters each were most of the log's time. The
markup is the template's own (see templates/hope/message_log.html for the table)."""

from __future__ import annotations

from django.template.defaultfilters import linebreaksbr, urlize
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from hope.models import Message, MessageStatus

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


def message_row(message: Message, *, team_view: bool) -> SafeString:
    """One message: to whom (for the team) or its text (for the person it was sent to),
    and how sending it went."""
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
