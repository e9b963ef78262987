"""The open sessions board's courses, each written out here rather than by the template.

At ten years of data the board lists sixty sessions under thirty courses. Django's template
engine costs about 10 µs a node, ``format_html`` a few µs an argument, and a model
instance about as much: the lines' nodes, then their formatting and the sixty session and
course instances behind them, were most of the page's time. So the lines come from plain
rows (``BoardRow``) and are formatted here with the standard library's ``escape`` (the
same five characters as Django's, which wraps it), each value escaped once. The markup is
the template's own (see templates/facilitators/board.html for the page around it), so the
page reads the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html import escape
from typing import NamedTuple

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from hope.links import RowLink, csrf_input

# The fields a board row is read with, in order (``values_list(*BOARD_ROW_FIELDS)``).
BOARD_ROW_FIELDS = (
    "pk",
    "number",
    "start",
    "end",
    "venue_id",
    "course_id",
    "course__title",
    "course__programme_id",
    "course__venue_id",
    "other_held",
    "clashes",
)


class BoardRow(NamedTuple):
    """One open session as the board reads it: no model instances (see above)."""

    pk: int
    number: int
    start: datetime
    end: datetime
    venue_id: int | None
    course_id: int
    title: str
    programme_id: int
    course_venue_id: int | None
    other_held: int  # 1 when the other kind's slot is held, else 0 (``cover.slot_held``)
    clashes: bool  # the person holds another session at this time


_SECTION = """
<section class="card mb-3" aria-labelledby="course-{pk}">
  <div class="card-body">
    <div class="d-flex flex-wrap justify-content-between align-items-start gap-2">
      <h2 class="h5 card-title" id="course-{pk}"><a href="{url}">{title}</a></h2>{claim_all}
    </div>
    <p class="mb-2">{programme} · {venue}</p>
    <ul class="list-unstyled mb-0">{lines}
    </ul>
  </div>
</section>
"""

# "Claim all" takes every free session of the course shown on this page.
_CLAIM_ALL = (
    '\n      <form method="post" action="{url}">'
    "{csrf}"
    '\n        <input type="hidden" name="next" value="{here}">'
    "\n        {inputs}\n"
    '        <button type="submit" class="btn btn-primary">Claim all {count}'
    '<span class="visually-hidden"> open sessions of {title}</span></button>'
    "\n      </form>"
)

_LINE = """
      <li class="d-flex flex-wrap justify-content-between align-items-center gap-2 border-top py-2">
        <span><span class="fw-semibold">Session {number}</span>: {day}, {times}{elsewhere}
          {badge}</span>
        {action}
      </li>"""

_CLASH = '<span class="small">You hold another session at this time</span>'

_CLAIM = (
    '<form method="post" action="{url}">'
    "{csrf}"
    '\n          <input type="hidden" name="next" value="{here}">'
    '\n          <button type="submit" class="btn btn-sm btn-outline-primary">Claim'
    '<span class="visually-hidden"> session {number} of {title}</span></button>'
    "\n        </form>"
)


def board_sections(
    rows: Iterable[BoardRow],
    *,
    badges: dict[int, str],
    programmes: dict[int, str],
    venues: dict[int, str],
    csrf_token: str,
    here: str,
) -> SafeString:
    """Each course's card, in the order of its first session in ``rows``: its title, its
    "Claim all" form when two or more of its sessions here are free for this person, its
    programme and venue, and a line for each session with its cover badge (``badges``,
    by ``other_held``) and its Claim button (or why not). ``programmes`` and ``venues``
    name them by pk."""
    # Each row's links from one reverse() per route, not {% url %} per row.
    course_url, claim_course_url = (
        RowLink("programmes:course_detail"),
        RowLink("facilitators:claim_course"),
    )
    claim_url = RowLink("facilitators:claim_session")
    csrf, here = csrf_input(csrf_token), escape(here)
    zone = timezone.get_current_timezone()
    # Each day's words once, and the times without strftime (2 µs a call, three a line).
    days: dict[date, str] = {}
    # Each course: its first row, its title escaped, its lines and its free sessions.
    courses: dict[int, tuple[BoardRow, str, list[str], list[int]]] = {}
    for row in rows:
        if row.course_id not in courses:
            courses[row.course_id] = (row, escape(row.title), [], [])
        course, title, lines, free_ids = courses[row.course_id]
        start, end = row.start.astimezone(zone), row.end.astimezone(zone)
        if (day := days.get(start.date())) is None:
            day = days[start.date()] = f"{start:%a %-d %b %Y}"
        if row.clashes:
            action = _CLASH
        else:
            action = _CLAIM.format(
                url=claim_url(row.pk), csrf=csrf, here=here, number=row.number, title=title
            )
            free_ids.append(row.pk)
        lines.append(
            _LINE.format(
                number=row.number,
                day=day,
                times=f"{start.hour:02}:{start.minute:02}–{end.hour:02}:{end.minute:02}",
                elsewhere=(
                    f" at {escape(venues[row.venue_id])}"
                    if row.venue_id and row.venue_id != course.course_venue_id
                    else ""
                ),
                badge=badges[row.other_held],
                action=action,
            )
        )
    sections = []
    for course, title, lines, free_ids in courses.values():
        claim_all = ""
        if len(free_ids) > 1:
            claim_all = _CLAIM_ALL.format(
                url=claim_course_url(course.course_id),
                csrf=csrf,
                here=here,
                inputs="".join(
                    f'<input type="hidden" name="session" value="{pk}">' for pk in free_ids
                ),
                count=len(free_ids),
                title=title,
            )
        sections.append(
            _SECTION.format(
                pk=course.course_id,
                url=course_url(course.course_id),
                title=title,
                claim_all=claim_all,
                programme=escape(programmes[course.programme_id]),
                venue=escape(venues[course.course_venue_id])
                if course.course_venue_id
                else "Online",
                lines="".join(lines),
            )
        )
    return mark_safe("".join(sections))  # noqa: S308 - every value escaped above
