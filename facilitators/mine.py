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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.db import connection
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from facilitators.models import UNDO_WINDOW, UNDOABLE_BY_SQL, FacilitatorProfile
from hope.links import csrf_input
from hope.nav import route

# A person's coming sessions, as their cards read them: the claims they hold
# (``held()``) on sessions not started (``SessionClaimQuerySet.upcoming``, by the claim's
# copy of its session's times), soonest first, each with its open request for cover
# (``CoverRequestQuerySet.open``; one at most, facilitators_cover_one_open_per_claim),
# the co-facilitator (whoever holds the other kind's slot) and whether the person may
# still undo it (``UNDOABLE_BY_SQL``).
#
# Written as SQL: as a queryset Django took longer to build and compile it (2.7 ms at
# ten years: three subqueries and the undo rule's) than PostgreSQL to plan and run it.
_UPCOMING = f"""
SELECT c.id, c.session_id, s."start", s."end", s.number, course.title, venue.name,
       c.claimed_at,
       (SELECT r.id FROM facilitators_coverrequest r
        WHERE r.resolved_at IS NULL AND r.claim_id = c.id LIMIT 1),
       (SELECT u.full_name FROM facilitators_sessionclaim pair
        JOIN facilitators_facilitatorprofile partner ON partner.id = pair.facilitator_id
        JOIN hope_user u ON u.id = partner.user_id
        WHERE pair.released_at IS NULL AND pair.kind = %(other_kind)s
          AND pair.session_id = c.session_id LIMIT 1),
       {UNDOABLE_BY_SQL}
FROM facilitators_sessionclaim c
JOIN programmes_session s ON s.id = c.session_id
JOIN programmes_course course ON course.id = s.course_id
LEFT JOIN venues_venue venue ON venue.id = s.venue_id
WHERE c.released_at IS NULL AND c.facilitator_id = %(profile)s
  AND c."start" > %(now)s AND c."end" > %(now)s
ORDER BY s."start", c.id
"""  # noqa: S608 - constants only, the values are parameters

# The last fifty sessions a person ran, when and what only (held claims started by now).
# Ordered by the claim's own copy of its times: a person's held claims never overlap, so
# latest end is latest start, and the last fifty come straight from the index of what a
# person holds (facilitators_claim_held_by) rather than from joining all of their claims
# to every session to sort them (EXPLAIN at ten years: 2.0 -> 0.2 ms).
_PAST = """
SELECT c.session_id, c."start", course.title, s.number
FROM facilitators_sessionclaim c
JOIN programmes_session s ON s.id = c.session_id
JOIN programmes_course course ON course.id = s.course_id
WHERE c.released_at IS NULL AND c.facilitator_id = %(profile)s AND c."start" <= %(now)s
ORDER BY c."end" DESC, c.id DESC
LIMIT 50
"""


def my_upcoming(profile: FacilitatorProfile, now: datetime) -> list[MyClaim]:
    """The sessions ``profile`` holds, not started, soonest first (see ``_UPCOMING``).
    One query."""
    params = {
        "profile": profile.pk,
        "other_kind": profile.other_kind,
        "user": profile.user_id,
        "now": now,
        "undo_since": now - UNDO_WINDOW,
    }
    with connection.cursor() as cursor:
        cursor.execute(_UPCOMING, params)
        return [MyClaim(*row) for row in cursor.fetchall()]


def my_past(profile: FacilitatorProfile, now: datetime) -> list[tuple[int, datetime, str, int]]:
    """The last fifty sessions ``profile`` held that have started, latest first, as
    (session id, start, course title, number). One query."""
    with connection.cursor() as cursor:
        cursor.execute(_PAST, {"profile": profile.pk, "now": now})
        return cursor.fetchall()


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
    undoable: bool  # UNDOABLE_BY_SQL, SessionClaimQuerySet.undoable_by's rule
    # Set by the view:
    release_url: str = ""
    ask_cover_url: str = ""
    can_release: bool = False
    summary: SafeString = mark_safe("")

    @property
    def undo_until(self) -> datetime:
        return self.claimed_at + UNDO_WINDOW


def summary(
    claim: MyClaim, *, start: datetime, end: datetime, detail_url: str, register_url: str
) -> SafeString:
    """The card's when, what, where, with whom and its register link; ``start`` and
    ``end`` in local time."""
    # f-strings here and in the cards: str.format parses its template anew each call,
    # several times slower.
    title, number = escape(claim.title), claim.number
    where = f" at {escape(claim.venue)}" if claim.venue else " (online)"
    partner = escape(claim.partner) if claim.partner else "not yet arranged"
    return mark_safe(  # noqa: S308 - every value escaped
        f'<h3 class="h6 mb-1"><a href="{detail_url}">{start:%A %-d %B %Y}, '
        f"{start.hour:02}:{start.minute:02}–{end.hour:02}:{end.minute:02}</a></h3>"
        f'\n    <p class="mb-2">{title}, session {number}{where}.'
        f"\n      Co-facilitator: {partner}.</p>"
        f'\n    <p class="mb-2"><a href="{register_url}">Take the register'
        f'<span class="visually-hidden"> for {title} session {number}</span></a></p>'
    )


def past_line(*, start: datetime, title: str, number: int, register_url: str) -> SafeString:
    """A session run, as its list item: its day (``start`` in local time), what, and its
    register link."""
    title = escape(title)
    return mark_safe(  # noqa: S308 - every value escaped
        f'<li>{start:%-d %b %Y} – {title}, session {number}. <a href="{register_url}">Take the '
        f'register<span class="visually-hidden"> for {title} session {number}</span></a></li>'
    )


# A card's frame (in ``cards``) and the three things it may offer; the template's
# markup, whitespace and all (templates/facilitators/my_sessions.html places the cards).
_WITHDRAW = (
    '\n      <p class="mb-2"><strong>You have asked for cover.</strong> You keep the session'
    " until a colleague accepts.</p>"
    '\n      <form method="post" action="{url}">{csrf}'
    '\n        <button type="submit" class="btn btn-sm btn-outline-primary">Withdraw cover'
    ' request<span class="visually-hidden"> for {title} session {number}</span></button>'
    "\n      </form>\n    "
)

_ASK_COVER = (
    '\n      <p class="mb-2">This session is less than {notice} days away: ask for cover,'
    " or contact your coordinator.</p>"
    '\n      <form method="post" action="{url}" class="row g-2 align-items-end" novalidate>'
    "{csrf}"
    '\n        <div class="col-sm-8"><label class="form-label" for="reason-{pk}">Why'
    " (optional)</label>"
    "\n          {errors}"
    '\n          <input class="form-control{invalid}" id="reason-{pk}" name="reason"'
    ' maxlength="200" aria-describedby="reason-{pk}-help{described}"{value}>'
    '\n          <div class="form-text" id="reason-{pk}-help">Seen only by coordinators and'
    " by colleagues who could cover this session. There is no need to give health or"
    " personal details.</div></div>"
    '\n        <div class="col-auto"><button type="submit" class="btn btn-sm'
    ' btn-outline-primary">Ask for cover<span class="visually-hidden"> for {title} session'
    " {number}</span></button></div>"
    "\n      </form>\n    "
)

_ERROR = (
    '<p class="invalid-feedback d-block" id="reason-{pk}-error">'
    '<span class="visually-hidden">Error:</span> {error}</p>'
)


# The one home of the Undo form (the claim message, My sessions' cards, the session page
# and the release page). Written here rather than by a template: rendered for each card,
# a template was a third of My sessions' time just after someone claimed a course.
def undo_form(*, pks: Sequence[int], until: datetime, here: str, csrf: str) -> str:
    """The Undo form of the claims ``pks`` (all or none), offered until ``until``, coming
    back to ``here``; ``csrf`` the page's CSRF field (``csrf_input``)."""
    until = timezone.localtime(until)
    claims = "".join(f'<input type="hidden" name="claim" value="{int(pk)}">' for pk in pks)
    next_ = f'<input type="hidden" name="next" value="{escape(here)}">' if here else ""
    which = "these claims" if len(pks) > 1 else "this claim"
    return (
        f'\n<form method="post" action="{route("facilitators:undo_claims")}" class="d-inline">'
        f"{csrf}\n  {claims}"
        f"\n  {next_}"
        '\n  <button type="submit" class="btn btn-sm btn-outline-dark">Undo'
        f'<span class="visually-hidden"> {which}</span></button>'
        f'\n  <span class="small">(until {until.hour:02}:{until.minute:02})</span>'
        "\n</form>\n"
    )


def cards(
    claims: list[MyClaim],
    *,
    notice: int,
    csrf_token: str,
    withdraw_url,
    here: str,
    cover_claim: int | None = None,
    cover_form=None,
) -> SafeString:
    """Each upcoming claim's card: its summary, its Undo for the few minutes after it
    was claimed, and then one of: withdrawing its request for cover, Release (far enough
    ahead), or asking for cover (too near), the last with ``cover_form``'s error when
    ``cover_claim`` is this claim. ``withdraw_url`` makes a request's withdraw link from
    its pk. The cards are the page's bulk, so written here rather than by template nodes
    (see above), their Undo forms too (``undo_form``)."""
    csrf = csrf_input(csrf_token)
    written = []
    for claim in claims:
        title = escape(claim.title)
        undo = ""
        if claim.undoable:
            form = undo_form(pks=[claim.pk], until=claim.undo_until, here=here, csrf=csrf)
            undo = f'\n      <p class="mb-2">Claimed by mistake? {form}</p>\n    '
        if claim.cover_request_id:
            action = _WITHDRAW.format(
                url=withdraw_url(claim.cover_request_id),
                csrf=csrf,
                title=title,
                number=claim.number,
            )
        elif claim.can_release:
            action = (
                f'\n      <a class="btn btn-sm btn-outline-danger" href="{claim.release_url}">'
                f'Release<span class="visually-hidden"> {title} session {claim.number}</span>'
                "…</a>\n    "
            )
        else:
            errors, value = [], ""
            if cover_claim == claim.pk:
                reason = cover_form["reason"]
                errors = reason.errors
                value = f' value="{escape(str(reason.value() or ""))}"'
            action = _ASK_COVER.format(
                notice=notice,
                url=claim.ask_cover_url,
                csrf=csrf,
                pk=claim.pk,
                errors="".join(_ERROR.format(pk=claim.pk, error=escape(str(e))) for e in errors),
                invalid=" is-invalid" if errors else "",
                described=f" reason-{claim.pk}-error" if errors else "",
                value=value,
                title=title,
                number=claim.number,
            )
        written.append(
            f'\n  <li class="card mb-2"><div class="card-body">\n    {claim.summary}'
            f"\n    {undo}\n    {action}\n  </div></li>\n"
        )
    return mark_safe("".join(written))  # noqa: S308 - every value escaped above
