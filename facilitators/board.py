"""The open sessions board's courses, each written out here rather than by the template.

At ten years of data the board lists sixty sessions under thirty courses, and Django's
template engine costs about 10 µs a node: the dozen nodes of each line and of each course's
heading were most of the page's time. The markup is the template's own (see
templates/facilitators/board.html for the page around it), so the page reads the same.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from programmes.models import Course, Session

_HEAD = """<div class="d-flex flex-wrap justify-content-between align-items-start gap-2">
      <h2 class="h5 card-title" id="course-{}"><a href="{}">{}</a></h2>{}
    </div>
    <p class="mb-2">{} · {}</p>"""

# "Claim all" takes every free session of the course shown on this page.
_CLAIM_ALL = (
    '\n      <form method="post" action="{}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '\n        <input type="hidden" name="next" value="{}">'
    '\n        {}\n        <button type="submit" class="btn btn-primary">Claim all {}'
    '<span class="visually-hidden"> open sessions of {}</span></button>'
    "\n      </form>"
)

_LINE = """
      <li class="d-flex flex-wrap justify-content-between align-items-center gap-2 border-top py-2">
        <span><span class="fw-semibold">Session {}</span>: {}, {}{}
          {}</span>
        {}
      </li>"""

_CLASH = mark_safe('<span class="small">You hold another session at this time</span>')

_CLAIM = (
    '<form method="post" action="{}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '\n          <input type="hidden" name="next" value="{}">'
    '\n          <button type="submit" class="btn btn-sm btn-outline-primary">Claim'
    '<span class="visually-hidden"> session {} of {}</span></button>'
    "\n        </form>"
)


def course_head(
    course: Course, *, url: str, claim_url: str, free_ids: list[int], csrf_token: str, here: str
) -> SafeString:
    """The course's title, its "Claim all" form when two or more of its sessions here are
    free for this person (``free_ids``), and its programme and venue. ``course`` needs its
    programme and venue in hand."""
    claim_all = ""
    if len(free_ids) > 1:
        claim_all = format_html(
            _CLAIM_ALL,
            claim_url,
            csrf_token,
            here,
            format_html_join(
                "", '<input type="hidden" name="session" value="{}">', ((pk,) for pk in free_ids)
            ),
            len(free_ids),
            course.title,
        )
    return format_html(
        _HEAD,
        course.pk,
        url,
        course.title,
        claim_all,
        course.programme.name,
        course.venue.name if course.venue else "Online",
    )


def session_line(session: Session, course: Course, *, csrf_token: str, here: str) -> SafeString:
    """One session's line: number, day, times, venue when not the course's, cover, and its
    Claim button (or why not). ``session`` needs ``add_cover``, ``day_text``,
    ``times_text``, ``clashes`` and ``claim_url``."""
    elsewhere = session.venue and session.venue != course.venue
    if session.clashes:
        action = _CLASH
    else:
        action = format_html(
            _CLAIM, session.claim_url, csrf_token, here, session.number, course.title
        )
    return format_html(
        _LINE,
        session.number,
        session.day_text,
        session.times_text,
        format_html(" at {}", session.venue.name) if elsewhere else "",
        session.cover_badge,
        action,
    )
