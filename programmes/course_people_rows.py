"""The enrolled people's rows on a course's participants page (coordinators' view),
written out here rather than by the template: a dozen template nodes a row were a
quarter of the page's time. The markup is the template's own (see
templates/programmes/course_participants.html for the table around it)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_ROW = """
      <tr>
        <th scope="row"><a href="{}">{}</a></th>
        <td data-label="Enrolled">{}</td>
        <td data-label="Attended">{} of {}{}</td>
        <td data-label="Access needs">{}</td>
        <td data-label="Transport">{}</td>
      </tr>"""
_COMPLETED = mark_safe(' <span class="badge text-bg-success">Completed</span>')


def enrolled_row(place) -> SafeString:
    """One enrolled person's row. ``place`` needs ``url``, ``with_attendance()``'s counts
    and its participant's name, access needs and transport."""
    person = place.participant
    enrolled = (
        date_format(timezone.localtime(place.enrolled_at), "j M Y") if place.enrolled_at else ""
    )
    return format_html(
        _ROW,
        place.url,
        f"Participant #{place.participant_id}" if person.is_anonymised else person.full_name,
        enrolled,
        place.sessions_attended,
        place.sessions_on_register,
        _COMPLETED if place.completed else "",
        person.access_needs or "None given",
        f"From {person.pickup_postcode}" if person.needs_transport else "Own way",
    )
