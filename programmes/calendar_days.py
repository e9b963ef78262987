"""The calendar's days, each written out once here rather than by a template: a month at
county scale holds 120 sessions of a dozen template nodes each (~10 µs a node), most of
the page's time. The page places each day's HTML twice in a month (the grid for wide
screens, the agenda for phones); see templates/programmes/calendar.html.

Each value goes through the standard library's ``escape`` (the same five characters as
Django's, which wraps it) rather than ``format_html``: a thousand values a month through
Django's lazy-text checks were a fifth of the page's time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

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


_BANK_HOLIDAY = '<span class="fw-semibold">Bank holiday:</span>'
_EVERY_VENUE = '<span class="fw-semibold">Closed, every venue:</span>'
_NO_SESSIONS = '<p class="text-body-secondary small mb-0">No sessions</p>'

_SESSION = """
  <li class="mb-2{state}">
    <span class="fw-semibold">{time}</span>
    <a href="{url}">{title}</a>,
    session {number}{where}{cancelled}
    {cover}
  </li>"""
_COVER = '<span class="d-block hope-cal-cover">{}</span>'

_MONTH_CELL = """
      <td class="{classes}">
        <div class="fw-semibold">{number}<span class="visually-hidden"> {month}{today}</span></div>
        {html}
      </td>"""

_AGENDA_DAY = """
    <li class="card mb-2{closed}"><div class="card-body p-2">
      <h3 class="h6" id="agenda-{id}">{name}{today}</h3>
      {html}
    </div></li>"""


def _closed(mark) -> str:
    if mark.is_bank_holiday:
        label = _BANK_HOLIDAY
    elif mark.venue:
        label = f'<span class="fw-semibold">Closed at {escape(mark.venue)}:</span>'
    else:
        label = _EVERY_VENUE
    return f'\n<p class="hope-day-closed small mb-1">{label} {escape(mark.reason)}</p>'


def _session(session: CalendarSession) -> str:
    if session.is_cancelled:
        state = " hope-cancelled-row"
    elif getattr(session, "cover_state", None):
        state = f" hope-cal-session hope-cal-{session.cover_state}"
    else:
        state = ""
    cover = getattr(session, "cover_text", None)
    return _SESSION.format(
        state=state,
        time=session.time_text,
        url=escape(session.course_url),
        title=escape(session.course_title),
        number=session.number,
        where=f" at {escape(session.venue_name)}" if session.venue_id else " (online)",
        cancelled=" (cancelled)" if session.is_cancelled else "",
        cover=_COVER.format(escape(cover)) if cover else "",
    )


def day_html(day: dict, view: str) -> SafeString:
    """One day: its closures, then its sessions (``CalendarSession``s with, when their
    cover is known, ``cover_state`` and ``cover_text``); an empty day of a week says so."""
    closed = "".join(_closed(mark) for mark in day["closed"])
    if day["sessions"]:
        sessions = (
            '\n<ul class="list-unstyled mb-0 small">'
            + "".join(_session(s) for s in day["sessions"])
            + "\n</ul>"
        )
    elif view == "week" and not day["closed"]:
        sessions = _NO_SESSIONS
    else:
        sessions = ""
    return mark_safe(closed + sessions)  # noqa: S308 - every value escaped


def month_cell(day: dict, today) -> SafeString:
    """A day's cell of the month's grid (wide screens), its ``html`` inside."""
    classes = (
        ("" if day["in_month"] else "hope-other-month")
        + (" hope-today" if day["date"] == today else "")
        + (" hope-closed-day" if day["closed"] else "")
    )
    return mark_safe(  # noqa: S308 - our own words and numbers; the day's html is escaped
        _MONTH_CELL.format(
            classes=classes,
            number=day["number"],
            month=day["month_name"],
            today=" (today)" if day["date"] == today else "",
            html=day.get("html", ""),
        )
    )


def month_rows(weeks: list[list[dict]]) -> SafeString:
    """The month grid's rows, a week each, of the days' ``cell_html``: 42 cells through
    the template's loop were half a millisecond."""
    return mark_safe(  # noqa: S308 - the cells are written above
        "".join(
            "\n    <tr>" + "".join(day["cell_html"] for day in week) + "\n    </tr>"
            for week in weeks
        )
    )


def agenda_items(agenda: list[dict], today) -> SafeString:
    """The phone's agenda: a card for each day with something on (``html`` inside)."""
    return mark_safe(  # noqa: S308 - our own words; the day's html is escaped
        "".join(
            _AGENDA_DAY.format(
                closed=" hope-closed-day" if day["closed"] else "",
                id=day["id"],
                name=day["long_name"],
                today=" (today)" if day["date"] == today else "",
                html=day["html"],
            )
            for day in agenda
        )
    )
