"""The cover page's rows, one per missing facilitator, and the rows of the page to choose
who fills a slot, written out here rather than by the templates: thirty rows of
twenty-odd template nodes (~10 µs a node) and an include each were most of the cover
page's time at ten years of data. The markup is the templates' own (see
templates/facilitators/cover_gaps.html and assign.html for the tables around them)."""

from __future__ import annotations

from html import escape

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from facilitators.queries import Gap
from hope.links import csrf_input
from programmes.models import Session

_ROW = """
  <tr>
    <th scope="row" class="text-nowrap fw-normal">{}<br>{}</th>
    <td data-label="Session"><a href="{}">{}, session {}</a><br>
      <span class="small">{} · {}</span></td>
    <td data-label="Needs">{}</td>
    <td data-label="Who could step in">
      {}
    </td>
  </tr>"""

_CHOOSE = (
    '<div class="d-flex flex-wrap align-items-center gap-2"><span>{} free to step in</span>'
    '\n        <a class="btn btn-sm btn-primary" href="{}#{}">Choose who'
    '<span class="visually-hidden"> steps in as {} facilitator for {}, session {}</span></a>'
    "</div>"
)

_NOBODY = (
    '<span class="small">Nobody eligible is free. Train or invite another {} facilitator.</span>'
)


def gap_row(gap: Gap) -> SafeString:
    """One missing facilitator's row. ``gap.session`` (a ``CoverRow``, of a published
    course: the cover page lists no drafts) needs its cover (``gaps_of``), ``day_text``,
    ``times_text``, ``detail_url`` and ``choose_url``.

    Each value escaped by the standard library's escape (the five characters Django's
    own escapes), not format_html's per-value checks: a third of the rows' time."""
    session, kind_label = gap.session, gap.kind_label
    title, kind = escape(session.title), kind_label.lower()
    if gap.free > 0:
        who = _CHOOSE.format(
            gap.free, escape(session.choose_url), gap.kind, kind, title, session.number
        )
    else:
        who = _NOBODY.format(kind)
    return mark_safe(  # noqa: S308 - every value escaped above or ours (badge, labels)
        _ROW.format(
            escape(session.day_text),
            escape(session.times_text),
            escape(session.detail_url),
            title,
            session.number,
            escape(session.venue_name or "Online"),
            session.cover_badge,
            kind_label,
            who,
        )
    )


_CANDIDATE = """
  <tr>
    <th scope="row">{}{}</th>
    <td data-label="Sessions in the next {} days">{}</td>
    <td data-label="Training">{} {}{}</td>
    <td>
      <form method="post" action="{}">
        {}
        <input type="hidden" name="next" value="{}">
        <input type="hidden" name="from" value="choose">
        <input type="hidden" name="facilitator" value="{}">
        <button type="submit" class="btn btn-sm btn-primary">Assign<span
          class="visually-hidden"> {} as {} facilitator</span></button>
      </form>
    </td>
  </tr>"""

_AVAILABILITY = '<br><span class="small fw-normal">Availability: {}</span>'

_DUE = mark_safe(' <span class="badge hope-status hope-status-cancelled">Refresher due</span>')


def candidate_row(
    person: dict, session: Session, *, window: int, csrf_token: str, next_url: str
) -> SafeString:
    """One person who could fill an open slot of ``session`` (``session.assign_url``),
    from the choose page's plain rows: their name and availability, sessions held in the
    next ``window`` days, training, and the button that assigns them."""
    training = person["training"]
    if training.refreshed_on:
        trained = ("Refreshed", training.refreshed_on)
    else:
        trained = ("Trained", training.trained_on)
    return format_html(
        _CANDIDATE,
        person["name"],
        format_html(_AVAILABILITY, person["availability"]) if person["availability"] else "",
        window,
        person["coming"],
        trained[0],
        f"{trained[1]:%-d %b %Y}",
        _DUE if person["refresher_due"] else "",
        session.assign_url,
        csrf_input(csrf_token),
        next_url,
        person["pk"],
        person["name"],
        person["kind_label"],
    )
