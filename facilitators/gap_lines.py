"""The cover page's rows, one per missing facilitator, written out here rather than by the
template: thirty rows of twenty-odd template nodes (~10 µs a node) and an include each were
most of the page's time at ten years of data. The markup is the template's own (see
templates/facilitators/cover_gaps.html for the table around it)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from facilitators.queries import Gap

_ROW = """
  <tr>
    <th scope="row" class="text-nowrap fw-normal">{}<br>{}</th>
    <td data-label="Session"><a href="{}">{}, session {}</a>{}<br>
      <span class="small">{} · {}</span></td>
    <td data-label="Needs">{}</td>
    <td data-label="Assign">
      {}
    </td>
  </tr>"""

_DRAFT = mark_safe(' <span class="badge hope-status hope-status-draft">Draft</span>')

_ASSIGN = (
    '<form method="post" action="{}" class="d-flex flex-wrap gap-2">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '\n        <input type="hidden" name="next" value="{}">'
    '\n        <label class="visually-hidden" for="gap-{}-{}">{} facilitator for {}, session {}'
    "</label>"
    '\n        <select class="form-select form-select-sm w-auto" id="gap-{}-{}" name="facilitator">'
    "\n          {}"
    "\n        </select>"
    '\n        <button type="submit" class="btn btn-sm btn-primary">Assign'
    '<span class="visually-hidden"> {} facilitator to {}, session {}</span></button>'
    "\n      </form>"
)

_NOBODY = (
    '<span class="small">Nobody eligible is free. Train or invite another {} facilitator.</span>'
)


def gap_row(gap: Gap, *, csrf_token: str, here: str) -> SafeString:
    """One missing facilitator's row. ``gap.session`` needs ``add_cover``, ``day_text``,
    ``times_text``, ``detail_url`` and ``assign_url``, and ``gap.options`` its people's
    ``<option>``s."""
    session, kind_label = gap.session, gap.kind_label
    course = session.course
    if gap.eligible:
        assign = format_html(
            _ASSIGN,
            session.assign_url,
            csrf_token,
            here,
            session.pk,
            gap.kind,
            kind_label,
            course.title,
            session.number,
            session.pk,
            gap.kind,
            gap.options,
            kind_label.lower(),
            course.title,
            session.number,
        )
    else:
        assign = format_html(_NOBODY, kind_label.lower())
    return format_html(
        _ROW,
        session.day_text,
        session.times_text,
        session.detail_url,
        course.title,
        session.number,
        _DRAFT if course.status == "draft" else "",
        session.venue.name if session.venue else "Online",
        session.cover_badge,
        kind_label,
        assign,
    )
