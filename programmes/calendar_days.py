"""The calendar's days, each written out once here rather than by a template: a month at
county scale holds 120 sessions of a dozen template nodes each (~10 µs a node), most of
the page's time. The page places each day's HTML twice in a month (the grid for wide
screens, the agenda for phones); see templates/programmes/calendar.html."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


@dataclass
class CalendarSession:
    """A session as the calendar shows it; the cover receivers add its cover state."""

    pk: int
    start: datetime
    number: int
    is_cancelled: bool
    course_id: int
    course_title: str
    venue_id: int | None
    venue_name: str | None
    course_url: str = ""
    time_text: str = ""


_BANK_HOLIDAY = mark_safe('<span class="fw-semibold">Bank holiday:</span>')
_EVERY_VENUE = mark_safe('<span class="fw-semibold">Closed, every venue:</span>')
_NO_SESSIONS = mark_safe('<p class="text-body-secondary small mb-0">No sessions</p>')

_SESSION = """
  <li class="mb-2{}">
    <span class="fw-semibold">{}</span>
    <a href="{}">{}</a>,
    session {}{}{}{}
    {}{}{}
  </li>"""
_AT, _ONLINE = mark_safe(" at "), mark_safe(" (online)")
_COVER_OPEN, _COVER_CLOSE = mark_safe('<span class="d-block hope-cal-cover">'), mark_safe("</span>")

_MONTH_CELL = """
      <td class="{}">
        <div class="fw-semibold">{}<span class="visually-hidden"> {}{}</span></div>
        {}
      </td>"""


def _closed(mark) -> SafeString:
    if mark.is_bank_holiday:
        label = _BANK_HOLIDAY
    elif mark.venue:
        label = format_html('<span class="fw-semibold">Closed at {}:</span>', mark.venue)
    else:
        label = _EVERY_VENUE
    return format_html('\n<p class="hope-day-closed small mb-1">{} {}</p>', label, mark.reason)


def _session(session: CalendarSession) -> tuple:
    # One format_html a session (its cover and venue as plain pieces around the text):
    # a call each for the pieces was a third of the month's writing.
    if session.is_cancelled:
        state = " hope-cancelled-row"
    elif getattr(session, "cover_state", None):
        state = f" hope-cal-session hope-cal-{session.cover_state}"
    else:
        state = ""
    cover = getattr(session, "cover_text", None)
    return (
        state,
        session.time_text,
        session.course_url,
        session.course_title,
        session.number,
        _AT if session.venue_id else _ONLINE,
        session.venue_name if session.venue_id else "",
        " (cancelled)" if session.is_cancelled else "",
        _COVER_OPEN if cover else "",
        cover or "",
        _COVER_CLOSE if cover else "",
    )


def day_html(day: dict, view: str) -> SafeString:
    """One day: its closures, then its sessions (``CalendarSession``s with, when their
    cover is known, ``cover_state`` and ``cover_text``); an empty day of a week says so."""
    closed = format_html_join("", "{}", ((_closed(mark),) for mark in day["closed"]))
    if day["sessions"]:
        sessions = format_html(
            '\n<ul class="list-unstyled mb-0 small">{}\n</ul>',
            format_html_join("", _SESSION, (_session(s) for s in day["sessions"])),
        )
    elif view == "week" and not day["closed"]:
        sessions = _NO_SESSIONS
    else:
        sessions = ""
    return format_html("{}{}", closed, sessions)


def month_cell(day: dict, today) -> SafeString:
    """A day's cell of the month's grid (wide screens), its ``html`` inside."""
    classes = (
        ("" if day["in_month"] else "hope-other-month")
        + (" hope-today" if day["date"] == today else "")
        + (" hope-closed-day" if day["closed"] else "")
    )
    return format_html(
        _MONTH_CELL,
        classes,
        day["number"],
        day["month_name"],
        " (today)" if day["date"] == today else "",
        day.get("html", ""),
    )
