"""The venues list's rows, written out here rather than by the template: forty rows of a
dozen template nodes each (~10 µs a node) were most of the list's time. The markup is the
template's own (see templates/venues/venue_list.html for the table around it)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from hope.links import RowLink
from hope.templatetags.hope_tags import pounds
from venues.models import Setting

_ROW = """
    <tr>
      <th scope="row" class="fw-normal"><a href="{}">{}</a><br><span class="small">{}</span>{}</th>
      <td data-label="Setting"><span class="badge {}">{}</span></td>
      <td data-label="Room holds">{}</td>
      <td data-label="Accessibility" class="small">{}</td>
      {}<td data-label="Upcoming sessions">{}</td>
    </tr>"""
_NOT_IN_USE = mark_safe(' <span class="badge hope-setting-other">Not in use</span>')
_COST = '<td data-label="Hire per session">{}</td>'


def venue_rows(venues, *, with_costs: bool) -> list[SafeString]:
    """Each venue's row; ``venues`` annotated with ``upcoming_sessions``, and the hire
    per session shown to those who see costs."""
    detail = RowLink("venues:venue_detail")
    return [
        format_html(
            _ROW,
            detail(venue.pk),
            venue.name,
            venue.postcode,
            "" if venue.is_active else _NOT_IN_USE,
            "hope-setting-community"
            if venue.setting == Setting.COMMUNITY
            else "hope-setting-other",
            venue.get_setting_display(),
            venue.room_capacity,
            ", ".join(venue.accessibility_facts()) or "Not recorded",
            format_html(_COST, pounds(venue.hire_cost) if venue.hire_cost else "Donated")
            if with_costs
            else "",
            venue.upcoming_sessions,
        )
        for venue in venues
    ]
