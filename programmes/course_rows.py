"""The courses list's rows, written out here rather than by the template: twenty-five rows
of a dozen template nodes each (~10 µs a node) were most of the list's time at ten years
of data. The markup is the template's own (see templates/programmes/course_list.html for
the table around it)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

_ROW = """
    <tr>
      <th scope="row"><a href="{}">{}</a></th>
      <td data-label="Programme">{}</td>
      <td data-label="Dates">{}</td>
      <td data-label="Venue">{}</td>
      <td data-label="Places">{}</td>
      <td data-label="Facilitator cover">{}</td>
      <td data-label="Status"><span class="badge hope-status hope-status-{}">{}</span></td>
    </tr>"""


def course_row(course) -> SafeString:
    """One course's row. ``course`` needs ``url``, ``programme_name``, ``venue_name``,
    ``dates`` (None without sessions), ``status_key``, ``status_label`` and ``paired_sessions``."""
    cover = (
        f"{course.paired_sessions} of {course.live_sessions} paired"
        if course.live_sessions
        else "–"
    )
    return format_html(
        _ROW,
        course.url,
        course.title,
        course.programme_name,
        course.dates or "No sessions",
        course.venue_name if course.venue_id else "Online",
        course.capacity,
        cover,
        course.status_key,
        course.status_label,
    )
