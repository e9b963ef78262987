"""The referrals queue's rows, written out here rather than by the template: fifty rows of
two forms and some twenty template nodes each were most of the queue's time. The markup is
the template's own (see templates/programmes/referral_list.html for the table around it).

Each value goes through the standard library's ``escape`` (the same five characters as
Django's, which wraps it) rather than ``format_html``: seventeen values a row through
Django's lazy-text checks were a third of the rows' time.

The queue is counted and paged by SQL compiled once a process (hope/compiled.py): building
and compiling the page's query, with its two subqueries of places and records, cost Django
more than PostgreSQL took to run it.
"""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache
from html import escape

from django.db.models import Count, Exists, OuterRef, Value
from django.db.models.lookups import IsNull
from django.utils.safestring import SafeString, mark_safe

from hope.compiled import Compiled
from hope.formkit import option_list
from hope.links import RowLink, csrf_input
from programmes.models import (
    CLOSED_REFERRAL_STATUSES,
    LIVE_PLACE,
    HowHeard,
    Participant,
    Place,
    Referral,
    ReferralSource,
    ReferralStatus,
)
from programmes.models.participants import days_waited

# The columns each row reads, with the ``has_place`` and ``other_record`` annotations of
# the queue.
ROW_FIELDS = (
    "pk",
    "participant_id",
    "participant__full_name",
    "participant__anonymised_at",
    "source",
    "how_heard",
    "referrer",
    "received_on",
    "closed_on",
    "status",
    "course_id",
    "course__title",
    "has_place",
    "other_record",
)

_SOURCES = dict(ReferralSource.choices)
_HOW_HEARD = dict(HowHeard.choices)
# Each row's choice of status, written once per status rather than once per row.
_STATUS_OPTIONS = {
    status: option_list(ReferralStatus.choices, status) for status in ReferralStatus.values
}


def _queue(show: str):
    """The referrals a filter of the queue shows (``show``: "open", "all" or a status)."""
    queue = Referral.objects.all()
    if show == "open":
        return queue.open()
    if show != "all":
        return queue.filter(status=show)
    return queue


@cache
def _count_of(show: str) -> Compiled:
    # The filters are few and fixed (the view accepts no other), so one compiled count
    # each. A constant grouped by is no GROUP BY: one row, 0 for none.
    return Compiled(
        lambda: _queue(show).order_by().values(one=Value(1)).annotate(n=Count("*")).values_list("n")
    )


@lru_cache(maxsize=256)
def _page_of(show: str, start: int, stop: int) -> Compiled:
    """One page of a filter's rows. LIMIT and OFFSET are written into the SQL: one compiled
    query for each page a process is asked for."""

    def build():
        # The page is chosen by id first, then only its rows are joined and annotated:
        # annotating the whole queue before the limit joined every referral at the far
        # pages.
        page = _queue(show).order_by("received_on", "pk").values_list("pk", flat=True)
        # Whether they hold a place on the course asked for. The test of the outer course
        # (never true without one) keeps PostgreSQL from hashing every live place of ten
        # years to answer for a page of fifty: it looks each one up on the one-live-place
        # index.
        has_place = Place.objects.filter(
            IsNull(OuterRef("course"), False),
            participant=OuterRef("participant"),
            course=OuterRef("course"),
            status__in=LIVE_PLACE,
        )
        # The same person may be on record already (say, referred by their GP, then by
        # themselves): the queue names the other record so the coordinator can check.
        other_record = Participant.objects.same_contact_pk(
            email=OuterRef("participant__email"),
            mobile=OuterRef("participant__mobile"),
            besides=OuterRef("participant_id"),
        )
        return (
            Referral.objects.filter(pk__in=page[start:stop])
            .annotate(has_place=Exists(has_place), other_record=other_record)
            .order_by("received_on", "pk")
            .values_list(*ROW_FIELDS)
        )

    return Compiled(build)


# Referrals a page of the queue.
PER_PAGE = 50


class Queue:
    """A filter of the queue for a ``Paginator`` of ``PER_PAGE``: counted by one query,
    each page read by one more as dicts of ``ROW_FIELDS``."""

    def __init__(self, show: str) -> None:
        self.show = show
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            rows = _count_of(self.show).rows()
            self._count = rows[0][0] if rows else 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[dict]:
        # An empty slice (no referrals at all) reads nothing, as a queryset's [0:0] does.
        if page.start >= page.stop:
            return []
        # The last page's slice ends at the count; a page's worth gives the same rows,
        # from one compiled query a page whatever the count.
        rows = _page_of(self.show, page.start, page.start + PER_PAGE).rows()
        return [dict(zip(ROW_FIELDS, row, strict=True)) for row in rows]


def referral_rows(
    referrals, *, today: date, show: str, page_number: int, csrf_token: str
) -> list[SafeString]:
    """Each referral's row (``referrals``: dicts of ``ROW_FIELDS``): the person and any
    other record with their email or mobile, who referred them, the days waited, the
    course asked for with its "Give a place" form, and the status form; each form brings
    the coordinator back to this filter and page."""
    record = RowLink("programmes:participant_detail")
    course_url = RowLink("programmes:course_detail")
    place_url = RowLink("programmes:referral_place")
    status_url = RowLink("programmes:referral_status")
    back = (
        f"{csrf_input(csrf_token)}\n"
        f'          <input type="hidden" name="show" value="{escape(show)}">\n'
        f'          <input type="hidden" name="page" value="{int(page_number)}">'
    )
    rows = []
    for referral in referrals:
        pk = int(referral["pk"])
        person_id = int(referral["participant_id"])
        name = escape(referral["participant__full_name"])
        anonymised = referral["participant__anonymised_at"] is not None
        closed = referral["status"] in CLOSED_REFERRAL_STATUSES

        other = ""
        if referral["other_record"]:
            other_id = int(referral["other_record"])
            other = (
                '<br><span class="small fw-normal">Same email or mobile as '
                f'<a href="{record(other_id)}">participant #{other_id}</a>: check it is not '
                "the same person</span>"
            )
        source = escape(_SOURCES.get(referral["source"], referral["source"]))
        if referral["how_heard"]:
            heard = escape(_HOW_HEARD.get(referral["how_heard"], referral["how_heard"]))
            source += f'<br><span class="small">Heard from: {heard}</span>'
        if referral["referrer"]:
            source += f'<br><span class="small">{escape(referral["referrer"])}</span>'

        course = "None in particular"
        if referral["course_id"]:
            title = escape(referral["course__title"])
            place = ""
            if referral["has_place"]:
                place = '<br><span class="small">Has a place or is waiting</span>'
            elif not closed and not anonymised:
                place = f"""
        <form method="post" action="{place_url(pk)}" class="mt-1">{back}
          <button type="submit" class="btn btn-sm btn-primary">Give a place\
<span class="visually-hidden"> on {title} to {name}</span></button>
          <span class="small d-block">\
Enrols them, or puts them on the waiting list if it is full.</span>
        </form>
        """
            course = (
                f'<a href="{course_url(int(referral["course_id"]))}">{title}</a>\n'
                f"        {place}\n        "
            )

        received = referral["received_on"]
        waited = days_waited(received, referral["closed_on"], today)
        whose = name or "an anonymised person"
        rows.append(
            mark_safe(  # noqa: S308 - every value escaped above, or a number
                f"""
    <tr>
      <th scope="row"><a href="{record(person_id)}">\
{f"Anonymised #{person_id}" if anonymised else name}</a>
        {other}</th>
      <td data-label="Referred by">{source}</td>
      <td data-label="Received">{received.day} {received:%b %Y}</td>
      <td data-label="Days waited">{waited}\
{' <span class="small">(closed)</span>' if closed else ""}</td>
      <td data-label="Course asked for">{course}</td>
      <td data-label="Status">
        <form method="post" action="{status_url(pk)}" \
class="d-flex flex-wrap gap-1 align-items-center">{back}
          <label class="visually-hidden" for="status-{pk}">\
Status of the referral of {whose}</label>
          <select class="form-select form-select-sm w-auto" id="status-{pk}" name="status">
            {_STATUS_OPTIONS.get(referral["status"], "")}
          </select>
          <button type="submit" class="btn btn-sm btn-outline-primary">Save\
<span class="visually-hidden"> status of the referral of {whose}</span></button>
        </form>
      </td>
    </tr>"""
            )
        )
    return rows
