"""The finance dashboard's claims, each row written once here from plain values: fifteen
rows of a dozen template nodes, two forms and a date filter each were most of the page's
time. The two queues are counted and paged by SQL compiled once a process
(hope/compiled.py): building and compiling their querysets cost Django more than
PostgreSQL took to run them."""

from __future__ import annotations

from html import escape

from django.db.models import Count
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from expenses.models import ExpenseClaim, ExpenseStatus
from hope.compiled import Compiled, CountedRows, Paged
from hope.links import RowLink, csrf_input
from hope.templatetags.hope_tags import pounds

# Each queue: its claims' status and their order, oldest first.
WAITING = (ExpenseStatus.SUBMITTED, ("submitted_at", "pk"))
TO_PAY = (ExpenseStatus.APPROVED, ("decided_at", "pk"))

_FIELDS = (
    "pk", "spent_on", "description", "amount", "times_resubmitted", "claimant_id",
    "claimant__full_name",
)  # fmt: skip

# Both queues counted in one query.
_COUNTS = Compiled(
    lambda waiting, to_pay: (
        ExpenseClaim.objects.filter(status__in=[waiting, to_pay])
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    ),
    waiting=str,
    to_pay=str,
)


def _queue(status: str, order: tuple[str, ...]) -> Paged:
    return Paged(
        lambda status: (
            ExpenseClaim.objects.filter(status=status).order_by(*order).values_list(*_FIELDS)
        ),
        status=str,
    )


_QUEUES = {queue: _queue(*queue) for queue in (WAITING, TO_PAY)}


def queue_counts() -> dict[str, int]:
    """How many claims each queue holds (one query)."""
    return dict(_COUNTS.rows(waiting=WAITING[0], to_pay=TO_PAY[0]))


def queue(queue: tuple, counts: dict[str, int]) -> CountedRows:
    """One queue's claims for a ``Paginator``: its count known (``queue_counts``), each
    page read as rows of ``_FIELDS``."""
    status = queue[0]
    return _QUEUES[queue].counted(counts.get(status, 0), status=status)


_RESUBMITTED = ' <span class="badge text-bg-warning">Resubmitted</span>'
_OWN = '<span class="small">Your own claim: another finance lead decides.</span>'


def waiting_rows(rows: list[tuple], *, viewer, csrf_token: str) -> SafeString:
    """The claims waiting for approval as table rows: each with Approve and Reject, except
    the finance lead's own (another decides those)."""
    detail, approve, reject = (
        RowLink("expenses:claim_detail"),
        RowLink("expenses:approve"),
        RowLink("expenses:reject"),
    )
    token = csrf_input(csrf_token)
    out = []
    for pk, spent_on, description, amount, resubmitted, claimant_id, name in rows:
        # Every value written is escaped here (html.escape, as Django's escape), or
        # is a number or a route of ours.
        name = escape(name)
        decide = _OWN
        if claimant_id != viewer.pk:
            decide = (
                '\n        <div class="d-flex flex-wrap gap-2 align-items-end">'
                f'\n          <form method="post" action="{escape(approve(pk))}">'
                f'{token}<input type="hidden" name="next" value="dashboard">'
                '\n            <button type="submit" class="btn btn-sm btn-primary">Approve'
                f'<span class="visually-hidden"> claim {pk} from {name}</span></button></form>'
                '\n          <a class="btn btn-sm btn-outline-danger"'
                f' href="{escape(reject(pk))}?next=dashboard">Reject'
                f'<span class="visually-hidden"> claim {pk}</span>…</a>'
                "\n        </div>"
                "\n        "
            )
        out.append(
            "\n    <tr>"
            f'\n      <th scope="row" class="fw-normal"><a href="{escape(detail(pk))}">'
            f"{escape(date_format(spent_on, 'j M Y'))}: {escape(description)}</a>"
            f"{_RESUBMITTED if resubmitted > 0 else ''}</th>"
            f'\n      <td data-label="Claimant">{name}</td>'
            f'\n      <td data-label="Amount" class="text-end">{escape(pounds(amount))}</td>'
            '\n      <td data-label="Decide">'
            f"\n        {decide}"
            "\n      </td>"
            "\n    </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped above


def to_pay_rows(rows: list[tuple]) -> SafeString:
    """The approved claims to be paid, as list items."""
    detail = RowLink("expenses:claim_detail")
    return mark_safe(  # noqa: S308 - every value escaped here
        "".join(
            f'<li><a href="{escape(detail(pk))}">{escape(name)}: {escape(description)}'
            f" ({escape(pounds(amount))})</a></li>"
            for pk, _, description, amount, _, _, name in rows
        )
    )
