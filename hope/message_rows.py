"""The message log's rows, written out here rather than by the template: twenty-five rows
of a dozen template nodes and three date filters each were most of the log's time. The
markup is the template's own (see templates/hope/message_log.html for the table)."""

from __future__ import annotations

from html import escape

from django.template.defaultfilters import linebreaksbr, urlize
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from hope.models import Message, MessageStatus


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%-d %b %H:%M}"


def message_row(message: Message, *, team_view: bool) -> SafeString:
    """One message: to whom (for the team) or its text (for the person it was sent to),
    and how sending it went. Written with f-strings of values escaped here (html.escape,
    as Django's escape): format_html's checks of each value were most of the rows' time."""
    if team_view:
        name = message.recipient.full_name if message.recipient_id else ""
        who_and_what = (
            f'<td data-label="To" class="text-break">{escape(name or message.to_address)}</td>'
            f'\n    <td data-label="Subject">{escape(message.subject)}</td>'
        )
    elif message.body_text:
        # linebreaksbr and urlize escape the text themselves (autoescape).
        text = linebreaksbr(urlize(message.body_text, autoescape=True), autoescape=True)
        who_and_what = (
            f'<td data-label="Subject"><details><summary>{escape(message.subject)}</summary>'
            f"{text}</details></td>"
        )
    else:
        who_and_what = f'<td data-label="Subject">{escape(message.subject)}</td>'
    attempts = ""
    if message.attempts > 1 or message.status == MessageStatus.FAILED:
        error = f": {Truncator(message.last_error).chars(120)}" if message.last_error else ""
        attempts = (
            f'<br><span class="small">{int(message.attempts)} attempt'
            f"{'' if message.attempts == 1 else 's'}{escape(error)}</span>"
        )
    sent = f" {_when(message.sent_at)}" if message.sent_at else ""
    return mark_safe(  # noqa: S308 - every value escaped above
        "\n  <tr>"
        f'\n    <td data-label="Due" class="text-nowrap">{escape(_when(message.due_at))}</td>'
        f"\n    {who_and_what}"
        f'\n    <td data-label="Status">{escape(message.get_status_display())}'
        f"{escape(sent)}{attempts}</td>"
        "\n  </tr>"
    )
