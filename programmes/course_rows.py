"""The courses list's rows, written out here rather than by the template: twenty-five rows
of a dozen template nodes each (~10 µs a node) were most of the list's time at ten years
of data. The markup is the template's own (see templates/programmes/course_list.html for
the table around it).

The rows come from plain values (``CourseRow``), not Course instances, and each value goes
through the standard library's ``escape`` (the same five characters as Django's, which
wraps it) rather than ``format_html``: nine values a row through Django's lazy-text checks
were a millisecond of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

from hope.links import RowLink
from programmes.models import DISPLAY_STATUSES
from programmes.models.courses import display_status

# The columns a row is read with, in order: ``values_list(*COURSE_ROW_FIELDS)`` of
# ``Course.objects.with_dates()``.
COURSE_ROW_FIELDS = (
    "pk",
    "title",
    "programme_id",
    "venue_id",
    "capacity",
    "status",
    "first_start",
    "last_end",
    "live_sessions",
)


@dataclass
class CourseRow:
    """A course as the list shows it; the cover receivers add ``paired_sessions``."""

    pk: int
    title: str
    programme_id: int
    venue_id: int | None
    capacity: int
    status: str
    first_start: datetime | None
    last_end: datetime | None
    live_sessions: int
    paired_sessions: int = 0


_ROW = """
    <tr>
      <th scope="row"><a href="{url}">{title}</a></th>
      <td data-label="Programme">{programme}</td>
      <td data-label="Dates">{dates}</td>
      <td data-label="Venue">{venue}</td>
      <td data-label="Places">{capacity}</td>
      <td data-label="Facilitator cover">{cover}</td>
      <td data-label="Status"><span class="badge hope-status hope-status-{key}">{label}</span></td>
    </tr>"""


def course_rows(
    courses: list[CourseRow],
    *,
    programme_names: dict[int, str],
    venue_names: dict[int, str],
    now: datetime,
) -> list[SafeString]:
    """Each course's row: its link, programme, dates (first to last session not
    cancelled), venue ("Online" without one), places, how many of its sessions are
    paired, and its status as people see it."""
    zone = ZoneInfo(settings.TIME_ZONE)
    course_url = RowLink("programmes:course_detail")
    rows = []
    for course in courses:
        if course.first_start:
            first, last = course.first_start.astimezone(zone), course.last_end.astimezone(zone)
            dates = f"{first:%a %-d %b %Y} – {last:%-d %b %Y}"
        else:
            dates = "No sessions"
        status = display_status(course.status, course.first_start, course.last_end, now)
        cover = (
            f"{course.paired_sessions} of {course.live_sessions} paired"
            if course.live_sessions
            else "–"
        )
        venue = venue_names.get(course.venue_id) if course.venue_id else "Online"
        rows.append(
            mark_safe(  # noqa: S308 - every value escaped
                _ROW.format(
                    url=escape(course_url(course.pk)),
                    title=escape(course.title),
                    programme=escape(str(programme_names.get(course.programme_id))),
                    dates=escape(dates),
                    venue=escape(str(venue)),
                    capacity=course.capacity,
                    cover=escape(cover),
                    key=escape(status),
                    label=escape(DISPLAY_STATUSES[status]),
                )
            )
        )
    return rows


# --- A course's page: its sessions and its history --------------------------------------
# Written here for the same reason as the list's rows: six to twenty-six sessions of some
# twenty template nodes each, and a date filter for each line of history, were most of
# the page's rendering. The markup is templates/programmes/course_detail.html's own.

# The columns a session row is read with, in order (``values_list(*SESSION_ROW_FIELDS)``
# of ``Session.objects.with_closure_ids()``).
SESSION_ROW_FIELDS = (
    "pk",
    "course_id",
    "number",
    "start",
    "end",
    "venue_id",
    "venue__name",
    "is_cancelled",
    "closure_ids",
)


@dataclass
class SessionRow:
    """A session as its course's page shows it; the cover receivers add who holds its
    slots (``workforce_name``, ``lived_name``) and its ``cover_state`` and ``cover_badge``."""

    pk: int
    course_id: int
    number: int
    start: datetime
    end: datetime
    venue_id: int | None
    venue_name: str | None
    is_cancelled: bool
    closure_ids: list[int]


_SESSION_ROW = """
    <tr id="session-{pk}"{row_class}>
      <th scope="row"><a href="{detail_url}"><span class="d-md-none">Session </span>{number}\
<span class="visually-hidden"> (session details)</span></a></th>
      <td data-label="Date">{day}</td>
      <td data-label="Time">{times}</td>
      <td data-label="Venue">{venue}</td>
      <td data-label="Facilitators">{cover}</td>
      <td data-label="State">{state}</td>{actions}
    </tr>"""
_COVER = '{badge}<br><span class="small">Workforce: {workforce}<br>Lived experience: {lived}</span>'
_REGISTER = (
    '\n        <a class="btn btn-sm btn-outline-primary" href="{url}">Register'
    '<span class="visually-hidden"> of session {number}</span></a>'
)
_CHANGE = (
    '\n        <a class="btn btn-sm btn-outline-primary" href="{edit_url}">Move'
    '<span class="visually-hidden"> session {number}</span></a>'
    '\n        <a class="btn btn-sm btn-outline-danger" href="{cancel_url}">Cancel'
    '<span class="visually-hidden"> session {number}</span>…</a>'
)


def session_rows(
    sessions: list[SessionRow], *, now: datetime, coordinator: bool
) -> list[SafeString]:
    """Each session's row of its course's page: when and where, who holds its slots, its
    state (held, planned, on a closed day, cancelled) and, for coordinators, its register
    and, while it is still to come, Move and Cancel."""
    zone = ZoneInfo(settings.TIME_ZONE)
    detail_url = RowLink("facilitators:session_detail")
    register_url = RowLink("programmes:register")
    edit_url = RowLink("programmes:session_edit")
    cancel_url = RowLink("programmes:session_cancel")
    rows = []
    for session in sessions:
        start, end = session.start.astimezone(zone), session.end.astimezone(zone)
        if session.is_cancelled:
            cover, state = "", "Cancelled"
        else:
            cover = _COVER.format(
                badge=getattr(session, "cover_badge", ""),
                workforce=escape(getattr(session, "workforce_name", None) or "nobody yet"),
                lived=escape(getattr(session, "lived_name", None) or "nobody yet"),
            )
            if session.start <= now:
                state = "Held"
            elif session.closure_ids:
                state = "<strong>On a closed day</strong>" + (
                    ": move or cancel it" if coordinator else ""
                )
            else:
                state = "Planned"
        actions = ""
        if coordinator:
            actions = '\n      <td class="text-nowrap">'
            if not session.is_cancelled:
                actions += _REGISTER.format(url=register_url(session.pk), number=session.number)
                if session.start > now:
                    actions += _CHANGE.format(
                        edit_url=edit_url(session.pk),
                        cancel_url=cancel_url(session.pk),
                        number=session.number,
                    )
            actions += "\n      </td>"
        rows.append(
            mark_safe(  # noqa: S308 - every value from people escaped; the rest ours
                _SESSION_ROW.format(
                    pk=session.pk,
                    row_class=' class="hope-cancelled-row"' if session.is_cancelled else "",
                    detail_url=detail_url(session.pk),
                    number=session.number,
                    day=f"{start:%a %-d %b %Y}",
                    times=f"{start:%H:%M}–{end:%H:%M}",
                    venue=escape(session.venue_name) if session.venue_id else "Online",
                    cover=cover,
                    state=state,
                    actions=actions,
                )
            )
        )
    return rows


def history_lines(events) -> list[SafeString]:
    """A course's lines of history (``events``: ``created_at``, ``summary``, ``actor_id``,
    ``actor__full_name`` rows), newest first: when, what, and by whom."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return [
        mark_safe(  # noqa: S308 - summary and name escaped
            f"<li>{created_at.astimezone(zone):%-d %b %Y %H:%M} — {escape(summary)}"
            + (f" ({escape(name)})" if actor_id else "")
            + "</li>"
        )
        for created_at, summary, actor_id, name in events
    ]
