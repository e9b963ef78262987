"""The referrals queue's rows, written out here rather than by the template: fifty rows of
two forms and some twenty template nodes each were most of the queue's time. The markup is
the template's own (see templates/programmes/referral_list.html for the table around it).

Each value goes through the standard library's ``escape`` (the same five characters as
Django's, which wraps it) rather than ``format_html``: seventeen values a row through
Django's lazy-text checks were a third of the rows' time.
"""

from __future__ import annotations

from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

from hope.formkit import option_list
from hope.links import RowLink, csrf_input
from programmes.models import CLOSED_REFERRAL_STATUSES, HowHeard, ReferralSource, ReferralStatus
from programmes.models.participants import days_waited

# The columns each row reads (``Referral.objects.values(*ROW_FIELDS)``), with the
# ``has_place`` and ``other_record`` annotations of the queue.
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
