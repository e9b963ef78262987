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
