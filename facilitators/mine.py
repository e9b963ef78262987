"""My sessions' cards and past lines, from plain rows, written here rather than by the
template.

A facilitator holds a couple of dozen coming sessions and has run a hundred or more:
each card's claim, session, course and venue instances, the template's dozen nodes a card
and five a past line, and ``format_html``'s escaping of each value (a few µs each) were
most of the page's time at ten years of data. The values are escaped with the standard
library's ``escape`` (the same five characters as Django's, which wraps it), each once.
The markup is the template's own (see templates/facilitators/my_sessions.html for the
rest of each card), so the page reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.utils.safestring import SafeString, mark_safe

from facilitators.models import UNDO_WINDOW

# The fields a card is read with, in order (``values_list(*MY_CLAIM_FIELDS)``); the
# last three are the view's annotations.
MY_CLAIM_FIELDS = (
    "pk",
    "session_id",
    "session__start",
    "session__end",
    "session__number",
    "session__course__title",
    "session__venue__name",
    "claimed_at",
    "cover_request_id",
    "partner",
    "undoable",
)


@dataclass
class MyClaim:
    """A session this person holds, as its card on My sessions shows it."""

    pk: int
    session_id: int
    start: datetime
    end: datetime
    number: int
    title: str
    venue: str | None  # its name; None online
    claimed_at: datetime
    cover_request_id: int | None  # their open request for cover, if any
    partner: str | None  # the co-facilitator's name
    undoable: bool  # SessionClaimQuerySet.undoable_by
    # Set by the view:
    release_url: str = ""
    ask_cover_url: str = ""
    can_release: bool = False
    summary: SafeString = mark_safe("")

    @property
    def undo_until(self) -> datetime:
        return self.claimed_at + UNDO_WINDOW


_SUMMARY = (
    '<h3 class="h6 mb-1"><a href="{detail_url}">{day}, {times}</a></h3>'
    '\n    <p class="mb-2">{title}, session {number}{where}.'
    "\n      Co-facilitator: {partner}.</p>"
    '\n    <p class="mb-2"><a href="{register_url}">Take the register'
    '<span class="visually-hidden"> for {title} session {number}</span></a></p>'
)


def summary(
    claim: MyClaim, *, start: datetime, end: datetime, detail_url: str, register_url: str
) -> SafeString:
    """The card's when, what, where, with whom and its register link; ``start`` and
    ``end`` in local time."""
    return mark_safe(  # noqa: S308 - every value escaped
        _SUMMARY.format(
            detail_url=detail_url,
            day=f"{start:%A %-d %B %Y}",
            times=f"{start:%H:%M}–{end:%H:%M}",
            title=escape(claim.title),
            number=claim.number,
            where=f" at {escape(claim.venue)}" if claim.venue else " (online)",
            partner=escape(claim.partner) if claim.partner else "not yet arranged",
            register_url=register_url,
        )
    )


def past_line(*, start: datetime, title: str, number: int, register_url: str) -> SafeString:
    """A session run: its day (``start`` in local time), what, and its register link."""
    title = escape(title)
    return mark_safe(  # noqa: S308 - every value escaped
        f'{start:%-d %b %Y} – {title}, session {number}. <a href="{register_url}">Take the '
        f'register<span class="visually-hidden"> for {title} session {number}</span></a>'
    )
