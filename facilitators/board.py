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

from django.conf import settings
from django.core.paginator import Page
from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from facilitators.models import FacilitatorProfile
from hope.links import RowLink, csrf_input
from hope.paging import counted_page_read
from programmes.models import SESSION_ON_OPEN_DAY_SQL, CourseStatus

# The board's rows, a page at a time, each with how many there are (COUNT(*) OVER ()).
# The sessions this person could run: not started (``SessionQuerySet.upcoming``), not
# cancelled, of a published course of a programme they are trained in, on a day nobody
# has since closed (``on_open_days``: that one is for the coordinator to move or cancel,
# not for anyone to claim), whose slot of their kind nobody holds (``held()``: not
# released); with whether the other slot is held (counted, as ``cover._slots_held``
# explains) and whether they hold a session at an overlapping time (the claim service
# refuses a second). A filter
# left empty (NULL) asks nothing. tests/facilitators/test_board.py and test_claims.py
# hold it to those rules.
#
# Written as SQL: as a queryset Django took longer to build and compile it (3.5 ms at
# ten years) than PostgreSQL to plan and run it (2 ms). "Starting after now" on the
# claims of their kind (the claim's copy of its session's start) tells the planner few
# claims qualify, so it asks each session's own claims: without it, it hashed every held
# claim of that kind in ten years (EXPLAIN: 1.4 ms -> 0.5 ms). The clash is asked of
# each row on the held-claims-by-person index (facilitators_claim_held_by), from the
# row's start on. The programmes come as a list of ids, not a subquery, and programme
# and venues are named from the rows the page reads for its filters: joined in, each
# took the planner longer than running the query.
_BOARD_ROWS = f"""
SELECT s.id, s.number, s."start", s."end", s.venue_id, s.course_id,
       course.title, course.programme_id, course.venue_id,
       (SELECT count(*) FROM facilitators_sessionclaim c
        WHERE c.released_at IS NULL AND c.session_id = s.id AND c.kind = %(other_kind)s),
       EXISTS (SELECT FROM facilitators_sessionclaim c
               WHERE c.released_at IS NULL AND c.facilitator_id = %(profile)s
                 AND c."end" > s."start" AND c."start" < s."end"),
       count(*) OVER ()
FROM programmes_session s
JOIN programmes_course course ON course.id = s.course_id
WHERE s."start" > %(now)s
  AND NOT s.is_cancelled
  AND course.status = %(published)s
  AND course.programme_id = ANY(%(programmes)s)
  AND NOT EXISTS (
      SELECT FROM facilitators_sessionclaim c
      WHERE c.released_at IS NULL AND c.session_id = s.id AND c.kind = %(kind)s
        AND c."start" > %(now)s
  )
  AND {SESSION_ON_OPEN_DAY_SQL}
  AND (%(programme)s::bigint IS NULL OR course.programme_id = %(programme)s)
  AND (%(venue)s::bigint IS NULL OR s.venue_id = %(venue)s)
  AND (%(start_from)s::timestamptz IS NULL OR s."start" >= %(start_from)s)
  AND (%(start_before)s::timestamptz IS NULL OR s."start" < %(start_before)s)
ORDER BY s."start", s.id
LIMIT %(limit)s OFFSET %(offset)s
"""  # noqa: S608 - constants only, the values are parameters


def board_page(
    profile: FacilitatorProfile,
    number,
    *,
    per_page: int,
    programmes: list[int],
    now: datetime,
    programme: int | None = None,
    venue: int | None = None,
    start_from: datetime | None = None,
    start_before: datetime | None = None,
) -> Page:
    """Page ``number`` of the board's rows for ``profile`` (see above), as ``BoardRow``s,
    by Django's ``get_page`` rules (``hope.paging.counted_page_read``): one query, three
    for a page past the end. ``programmes`` are the ones they are trained in; the others
    narrow the list when given."""
    params = {
        "kind": profile.kind,
        "other_kind": profile.other_kind,
        "profile": profile.pk,
        "now": now,
        "published": CourseStatus.PUBLISHED.value,
        "programmes": programmes,
        "time_zone": settings.TIME_ZONE,
        "programme": programme,
        "venue": venue,
        "start_from": start_from,
        "start_before": start_before,
    }

    def read(offset: int, limit: int) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(_BOARD_ROWS, {**params, "offset": offset, "limit": limit})
            return cursor.fetchall()

    page = counted_page_read(read, number, per_page=per_page)
    page.object_list = [BoardRow._make(row) for row in page.object_list]
    return page


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
    other_held: int  # 1 when the other kind's slot is held, else 0
    clashes: bool  # the person holds another session at this time


# The markup as f-strings: str.format parsed each template anew, three times as slow
# (a third of this function's time for sixty lines).
def _section(*, pk, url, title, claim_all, programme, venue, lines) -> str:
    return f"""
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


def _claim_all(*, url, csrf, here, inputs, count, title) -> str:
    """ "Claim all" takes every free session of the course shown on this page."""
    return (
        f'\n      <form method="post" action="{url}">'
        f"{csrf}"
        f'\n        <input type="hidden" name="next" value="{here}">'
        f"\n        {inputs}\n"
        f'        <button type="submit" class="btn btn-primary">Claim all {count}'
        f'<span class="visually-hidden"> open sessions of {title}</span></button>'
        "\n      </form>"
    )


def _line(*, number, day, times, elsewhere, badge, action) -> str:
    return f"""
      <li class="d-flex flex-wrap justify-content-between align-items-center gap-2 border-top py-2">
        <span><span class="fw-semibold">Session {number}</span>: {day}, {times}{elsewhere}
          {badge}</span>
        {action}
      </li>"""


_CLASH = '<span class="small">You hold another session at this time</span>'


def _claim(*, url, csrf, here, number, title) -> str:
    return (
        f'<form method="post" action="{url}">'
        f"{csrf}"
        f'\n          <input type="hidden" name="next" value="{here}">'
        '\n          <button type="submit" class="btn btn-sm btn-outline-primary">Claim'
        f'<span class="visually-hidden"> session {number} of {title}</span></button>'
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
            action = _claim(
                url=claim_url(row.pk), csrf=csrf, here=here, number=row.number, title=title
            )
            free_ids.append(row.pk)
        lines.append(
            _line(
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
            claim_all = _claim_all(
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
            _section(
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
