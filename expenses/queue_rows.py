"""The finance dashboard's claims, each row written once here from plain values: fifteen
rows of a dozen template nodes, two forms and a date filter each were most of the page's
time."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from hope.links import RowLink, csrf_input
from hope.templatetags.hope_tags import pounds

_WAITING = (
    "\n    <tr>"
    '\n      <th scope="row" class="fw-normal"><a href="{url}">{title}</a>{badge}</th>'
    '\n      <td data-label="Claimant">{claimant}</td>'
    '\n      <td data-label="Amount" class="text-end">{amount}</td>'
    '\n      <td data-label="Decide">'
    "\n        {decide}"
    "\n      </td>"
    "\n    </tr>"
)
_RESUBMITTED = mark_safe(' <span class="badge text-bg-warning">Resubmitted</span>')
_OWN = mark_safe('<span class="small">Your own claim: another finance lead decides.</span>')
_DECIDE = (
    '\n        <div class="d-flex flex-wrap gap-2 align-items-end">'
    '\n          <form method="post" action="{approve}">'
    "{token}"
    '<input type="hidden" name="next" value="dashboard">'
    '\n            <button type="submit" class="btn btn-sm btn-primary">Approve'
    '<span class="visually-hidden"> claim {pk} from {claimant}</span></button></form>'
    '\n          <a class="btn btn-sm btn-outline-danger" href="{reject}?next=dashboard">Reject'
    '<span class="visually-hidden"> claim {pk}</span>…</a>'
    "\n        </div>"
    "\n        "
)
_TO_PAY = '<li><a href="{}">{}: {} ({})</a></li>'

_FIELDS = (
    "pk", "spent_on", "description", "amount", "times_resubmitted", "claimant_id",
    "claimant__full_name",
)  # fmt: skip


def waiting_rows(claims, *, viewer, csrf_token: str) -> SafeString:
    """The claims waiting for approval as table rows: each with Approve and Reject, except
    the finance lead's own (another decides those)."""
    detail, approve, reject = (
        RowLink("expenses:claim_detail"),
        RowLink("expenses:approve"),
        RowLink("expenses:reject"),
    )
    rows = []
    for pk, spent_on, description, amount, resubmitted, claimant_id, name in claims.values_list(
        *_FIELDS
    ):
        decide = _OWN
        if claimant_id != viewer.pk:
            decide = format_html(
                _DECIDE,
                approve=approve(pk),
                token=csrf_input(csrf_token),
                pk=pk,
                claimant=name,
                reject=reject(pk),
            )
        rows.append(
            format_html(
                _WAITING,
                url=detail(pk),
                title=f"{date_format(spent_on, 'j M Y')}: {description}",
                badge=_RESUBMITTED if resubmitted > 0 else "",
                claimant=name,
                amount=pounds(amount),
                decide=decide,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - each row built by format_html


def to_pay_rows(claims) -> SafeString:
    """The approved claims to be paid, as list items."""
    detail = RowLink("expenses:claim_detail")
    return mark_safe(  # noqa: S308 - each item built by format_html
        "".join(
            format_html(_TO_PAY, detail(pk), name, description, pounds(amount))
            for pk, _, description, amount, _, _, name in claims.values_list(*_FIELDS)
        )
    )
