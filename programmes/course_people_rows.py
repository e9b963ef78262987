"""The enrolled people's rows on a course's participants page (coordinators' view),
written out here rather than by the template: a dozen template nodes a row were a
quarter of the page's time. The markup is the template's own (see
templates/programmes/course_participants.html for the table around it).

Each value people wrote goes through the standard library's ``escape`` (the same five
characters as Django's, which wraps it) rather than ``format_html``, and the date is
formatted by ``strftime`` rather than Django's ``date`` filter: both cost half the rows'
time in Django's lazy-text checks (as on the courses list, programmes/course_rows.py)."""

from __future__ import annotations

from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

_ROW = """
      <tr>
        <th scope="row"><a href="{url}">{name}</a></th>
        <td data-label="Enrolled">{enrolled}</td>
        <td data-label="Attended">{attended} of {on_register}{completed}</td>
        <td data-label="Access needs">{needs}</td>
        <td data-label="Transport">{transport}</td>
      </tr>"""
_COMPLETED = ' <span class="badge text-bg-success">Completed</span>'


def enrolled_row(place) -> SafeString:
    """One enrolled person's row. ``place`` needs ``url``, ``with_attendance()``'s counts
    and its participant's name, access needs and transport."""
    person = place.participant
    # "j M Y", as the template's date filter wrote it.
    enrolled = f"{timezone.localtime(place.enrolled_at):%-d %b %Y}" if place.enrolled_at else ""
    return mark_safe(  # noqa: S308 - every value escaped; the rest ours
        _ROW.format(
            url=escape(place.url),
            name=escape(
                f"Participant #{place.participant_id}" if person.is_anonymised else person.full_name
            ),
            enrolled=enrolled,
            attended=place.sessions_attended,
            on_register=place.sessions_on_register,
            completed=_COMPLETED if place.completed else "",
            needs=escape(person.access_needs or "None given"),
            transport=escape(
                f"From {person.pickup_postcode}" if person.needs_transport else "Own way"
            ),
        )
    )
