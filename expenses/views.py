from __future__ import annotations

from collections import namedtuple
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    Count,
    F,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST

from expenses import queue_rows, spend_csv
from expenses.access import (
    can_claim_mileage,
    claimant_required,
    finance_required,
    get_claim_for_user,
    is_finance_lead,
)
from expenses.alerts import check_budget_alerts
from expenses.charts import CHARTS
from expenses.figures import cached_chart, cached_dashboard
from expenses.forms import (
    AllocationFormSet,
    BudgetForm,
    DirectSpendForm,
    ExpenseForm,
    MileageForm,
    PayForm,
    RatesForm,
    RejectForm,
    RideMileageForm,
)
from expenses.models import (
    LIVE_STATUSES,
    ZERO,
    Budget,
    DirectSpend,
    ExpenseClaim,
    ExpenseKind,
    ExpenseStatus,
    PendingReceipt,
    Rates,
    financial_year_of,
    tax_year_bounds,
    tax_year_miles_sentence,
    tax_year_of,
)
from expenses.queue_rows import TO_PAY, WAITING, queue_counts, to_pay_rows, waiting_rows
from expenses.rides import (
    MOST_RIDES_PER_CLAIM,
    claim_from_rides_initial,
    claimable_rides,
    claimed_problem,
    rides_by_day,
    rides_problem,
    route_text,
)
from expenses.services import (
    ExpenseError,
    budget_save,
    expense_approve,
    expense_delete_draft,
    expense_mark_paid,
    expense_reject,
    expense_reject_problem,
    expense_save,
    expense_submit,
    mileage_claim_from_rides,
    pending_receipt_discard,
    pending_receipt_find,
    pending_receipt_keep,
)
from hope.audit import audit_record, audit_viewed, save_with_audit
from hope.charts import svg_response
from hope.compiled import Compiled, Paged
from hope.links import RowLink
from hope.models import AuditArea
from hope.params import ids, int_or_none
from hope.spreadsheets import (
    csv_blocks,
)
from hope.templatetags.hope_tags import pounds
from hope.uploads import document_response
from programmes.models import Ride

# Claims shown a page at a time in each of the dashboard's two lists.
DASHBOARD_ROWS = 15

# --- Claimants -----------------------------------------------------------------------


@login_required
@claimant_required
def expense_list(request: HttpRequest) -> HttpResponse:
    tax_start, tax_end = tax_year_bounds(tax_year_of(timezone.localdate()))
    sums = _MY_SUMS.rows(claimant=request.user.pk, tax_start=tax_start, tax_end=tax_end)
    count, waiting, approved, paid, miles, paid_this_tax_year = (
        sums[0] if sums else (0, ZERO, ZERO, ZERO, Decimal("0"), ZERO)
    )
    totals = {"waiting": waiting, "approved": approved, "paid": paid}
    tax_year = {"miles": miles, "paid": paid_this_tax_year}
    page = Paginator(_MY_CLAIMS.counted(count, claimant=request.user.pk), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "expenses/claim_list.html",
        {
            "page": page,
            "rows": _my_claim_rows(page),
            "totals": totals,
            "tax_year": tax_year,
            "tax_start": tax_start,
            "tax_end": tax_end,
            "mileage_sentence": tax_year_miles_sentence(tax_year["miles"], Rates.current()),
            "can_claim_mileage": can_claim_mileage(request.user),
        },
    )


# Someone's totals, this tax year's and how many claims they have, in one query compiled
# once a process (hope/compiled.py): building three querysets of sums cost Django more
# than PostgreSQL took to run them.
_MY_SUMS = Compiled(
    lambda claimant, tax_start, tax_end: (
        ExpenseClaim.objects.filter(claimant=claimant)
        .order_by()
        .values("claimant")
        .annotate(
            count=Count("pk"),
            waiting=Coalesce(Sum("amount", filter=Q(status=ExpenseStatus.SUBMITTED)), ZERO),
            approved=Coalesce(Sum("amount", filter=Q(status=ExpenseStatus.APPROVED)), ZERO),
            paid=Coalesce(Sum("amount", filter=Q(status=ExpenseStatus.PAID)), ZERO),
            tax_year_miles=Coalesce(
                Sum(
                    "miles",
                    filter=Q(
                        kind=ExpenseKind.MILEAGE,
                        status__in=LIVE_STATUSES,
                        spent_on__range=(tax_start, tax_end),
                    ),
                ),
                Decimal("0"),
            ),
            tax_year_paid=Coalesce(
                Sum(
                    "amount",
                    filter=Q(status=ExpenseStatus.PAID, spent_on__range=(tax_start, tax_end)),
                ),
                ZERO,
            ),
        )
        .values_list("count", "waiting", "approved", "paid", "tax_year_miles", "tax_year_paid")
    ),
    claimant=int,
    tax_start=date,
    tax_end=date,
)

_MY_COLUMNS = ("pk", "spent_on", "description", "amount", "status", "rejection_reason")
MyClaim = namedtuple("MyClaim", _MY_COLUMNS)


# Someone's claims, newest first (the model's order), a page at a time.
_MY_CLAIMS = Paged(
    lambda claimant: ExpenseClaim.objects.filter(claimant=claimant).values_list(*_MY_COLUMNS),
    row=MyClaim._make,
    claimant=int,
)


def _my_claim_rows(page) -> list[dict]:
    """A page of someone's own claims as the list shows them, each row written once here
    rather than by a date filter, {% url %}, pounds and an included badge per row."""
    detail, statuses = RowLink("expenses:claim_detail"), dict(ExpenseStatus.choices)
    claims = page.object_list
    return [
        {
            "url": detail(pk),
            "day": date_format(spent_on, "j M Y"),
            "description": description,
            "amount": pounds(amount),
            "status": status,
            "status_label": statuses[status],
            "rejected_because": reason if status == ExpenseStatus.REJECTED else "",
        }
        for pk, spent_on, description, amount, status, reason in claims
    ]


def _expense_form(request, instance=None, kind=None, rides=None, initial=None):
    kind = instance.kind if instance else kind
    if rides:
        return RideMileageForm(
            request.POST or None, instance=instance, initial=initial, claimant=request.user
        )
    if kind == ExpenseKind.MILEAGE:
        return MileageForm(request.POST or None, instance=instance, claimant=request.user)
    # The token comes back from the page: only the claimant's own kept receipt counts.
    kept = pending_receipt_find(owner=request.user, token=request.POST.get("kept_receipt"))
    return ExpenseForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        claimant=request.user,
        kept_receipt=kept,
    )


def _mileage_so_far(user) -> str:
    """The tax-year sentence for a driver about to claim miles (one query)."""
    start, end = tax_year_bounds(tax_year_of(timezone.localdate()))
    miles = ExpenseClaim.objects.filter(
        claimant=user,
        kind=ExpenseKind.MILEAGE,
        status__in=LIVE_STATUSES,
        spent_on__range=(start, end),
    ).aggregate(miles=Coalesce(Sum("miles"), Decimal("0")))["miles"]
    return tax_year_miles_sentence(miles, Rates.current())


def _receipt_to_keep(request, form) -> PendingReceipt | None:
    """After a try that failed on other fields: the receipt kept for the next try (the one
    just uploaded, else the one kept before), so the claimant need not upload it again."""
    if not isinstance(form, ExpenseForm) or not hasattr(form, "cleaned_data"):
        return None
    document = form.new_receipt()
    if document is None and form.cleaned_data.get("receipt") is not False:
        return form.kept_receipt
    if form.kept_receipt:
        pending_receipt_discard(pending=form.kept_receipt)  # replaced or removed
    return pending_receipt_keep(owner=request.user, document=document) if document else None


def _save_from_form(request, form, rides=None) -> HttpResponse | None:
    """Save the claim the form holds (a new one from ``rides``, linked to them), and
    submit it when asked. None when the service refused it: the form then shows why,
    next to the field it is about."""
    try:
        if rides:
            claim = mileage_claim_from_rides(
                claim=form.save(commit=False), ride_ids=[r.pk for r in rides], by=request.user
            )
        else:
            claim = expense_save(claim=form.save(commit=False), by=request.user)
    except ExpenseError as error:
        form.add_service_error(error)
        return None
    if getattr(form, "kept_receipt", None):
        # The claim has its own copy now, or a newer file replaced the kept one.
        pending_receipt_discard(pending=form.kept_receipt)
    if request.POST.get("action") != "submit":
        messages.success(
            request, f"Your {claim.label} is saved as a draft. Submit it when you are ready."
        )
        return redirect("expenses:claim_detail", pk=claim.pk)
    try:
        claim = expense_submit(claim=claim, by=request.user)
    except ExpenseError as error:
        messages.error(request, f"Saved as a draft, not submitted: {error}")
    else:
        messages.success(request, f"Your {claim.label} is submitted for approval.")
    return redirect("expenses:claim_detail", pk=claim.pk)


def _mileage_allowed_or_403(request, kind) -> None:
    if kind == ExpenseKind.MILEAGE and not can_claim_mileage(request.user):
        raise PermissionDenied("Mileage claims are for volunteer drivers.")


@login_required
@claimant_required
def claim_from_rides(request: HttpRequest) -> HttpResponse:
    """The driver's rides still to claim for (held, session ended, on no claim), by day
    and session, newest first; ticking a day's rides opens the mileage form for them."""
    _mileage_allowed_or_403(request, ExpenseKind.MILEAGE)
    rides = claimable_rides(request.user).for_pages().order_by("-session__start", "session", "pk")
    page = Paginator(rides, 60).get_page(request.GET.get("page"))
    if page.object_list:
        audit_viewed(request, "their rides to claim mileage for", area=AuditArea.ROTA)
    return render(
        request,
        "expenses/rides_to_claim.html",
        {"page": page, "days": rides_by_day(page.object_list)},
    )


def _chosen_rides(request) -> list[Ride]:
    """The rides ticked (``ride``, in the query string or the form), each one the
    person drives; anyone else's ride, or an id that is not one, is a 404: nobody learns
    which rides exist."""
    values = (request.POST if request.method == "POST" else request.GET).getlist("ride")
    chosen = ids(values)
    if len(values) > MOST_RIDES_PER_CLAIM or len(chosen) != len(set(values)):
        raise Http404
    rides = list(
        Ride.objects.filter(pk__in=chosen, driver=request.user)
        .for_pages()
        .order_by("session__start", "session", "pk")
    )
    if len(rides) != len(chosen):
        raise Http404
    return rides


def _expense_create_from_rides(request: HttpRequest) -> HttpResponse:
    _mileage_allowed_or_403(request, ExpenseKind.MILEAGE)
    rides = _chosen_rides(request)
    for ride in rides:
        ride.claimed_district = ride.pickup_district  # as the claim will keep it
    # Checked again, with the rides locked, when the claim is saved.
    problem = rides_problem(rides, driver=request.user, now=timezone.now())
    if problem or (problem := claimed_problem(rides)):
        messages.error(request, problem)
        return redirect("expenses:claim_from_rides")
    form = _expense_form(
        request, rides=rides, initial=claim_from_rides_initial(rides, driver=request.user)
    )
    if request.method == "POST" and form.is_valid():
        form.instance.claimant = request.user
        if response := _save_from_form(request, form, rides=rides):
            return response
    audit_viewed(request, "the rides on a new mileage claim", area=AuditArea.MONEY)
    return render(
        request,
        "expenses/claim_form.html",
        {
            "form": form,
            "kind": ExpenseKind.MILEAGE,
            "rides": rides,
            "route": route_text(rides),
            "mileage_sentence": _mileage_so_far(request.user),
        },
    )


@login_required
@claimant_required
def expense_create(request: HttpRequest) -> HttpResponse:
    if "ride" in request.GET or "ride" in request.POST:
        return _expense_create_from_rides(request)
    kind = ExpenseKind.MILEAGE if request.GET.get("kind") == "mileage" else ExpenseKind.EXPENSE
    _mileage_allowed_or_403(request, kind)
    form = _expense_form(request, kind=kind)
    if request.method == "POST" and form.is_valid():
        form.instance.claimant = request.user
        if response := _save_from_form(request, form):
            return response
    return _claim_form_page(
        request, form, kind=kind, can_claim_mileage=can_claim_mileage(request.user)
    )


def _claim_form_page(request, form, *, kind: str, **context) -> HttpResponse:
    """The expense or mileage form, new or being changed: the receipt kept from a POST
    that failed, and, for mileage, the miles claimed so far this tax year."""
    return render(
        request,
        "expenses/claim_form.html",
        {
            "form": form,
            "kind": kind,
            "kept_receipt": _receipt_to_keep(request, form),
            "mileage_sentence": _mileage_so_far(request.user)
            if kind == ExpenseKind.MILEAGE
            else "",
            **context,
        },
    )


@login_required
def expense_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _expense_page(request, get_claim_for_user(request, pk))


def _expense_page(request, claim, *, pay_form=None) -> HttpResponse:
    """The claim, with finance's payment form (bound and showing its errors after a bad
    POST). Rejecting has its own page, which asks first."""
    rides = _claim_rides(claim)
    if rides:
        audit_viewed(request, f"the rides on claim #{claim.pk}", area=AuditArea.MONEY)
    return render(
        request,
        "expenses/claim_detail.html",
        {
            "claim": claim,
            "rides": rides,
            "events": claim.events.select_related("by"),
            "is_own": claim.claimant_id == request.user.pk,
            "finance": is_finance_lead(request.user) and claim.claimant_id != request.user.pk,
            "pay_form": pay_form or PayForm(initial={"paid_on": timezone.localdate()}),
        },
    )


def _claim_rides(claim: ExpenseClaim) -> list[Ride]:
    """The rides a mileage claim is for (one query; none for an expense)."""
    if claim.kind != ExpenseKind.MILEAGE:
        return []
    return list(
        Ride.objects.filter(claim_links__claim=claim)
        .select_related("session__course", "session__venue")
        .annotate(claimed_district=F("claim_links__pickup_district"))
        .order_by("session__start", "session", "pk")
    )


@login_required
@claimant_required
def expense_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim_for_user(request, pk)
    if claim.claimant_id != request.user.pk:
        raise Http404
    if not claim.is_editable:
        messages.error(request, "A submitted claim can no longer be changed.")
        return redirect("expenses:claim_detail", pk=pk)
    _mileage_allowed_or_403(request, claim.kind)
    rides = _claim_rides(claim)
    form = _expense_form(request, instance=claim, rides=rides)
    if request.method == "POST" and form.is_valid():
        if response := _save_from_form(request, form):
            return response
    if rides:
        audit_viewed(request, f"the rides on claim #{claim.pk}", area=AuditArea.MONEY)
    return _claim_form_page(
        request, form, kind=claim.kind, claim=claim, rides=rides, route=claim.route
    )


@require_POST
@login_required
def expense_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim_for_user(request, pk)
    try:
        claim = expense_submit(claim=claim, by=request.user)
    except ExpenseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Your {claim.label} is submitted for approval.")
    return redirect("expenses:claim_detail", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def expense_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, saying what goes (the receipt too); POST deletes."""
    claim = get_claim_for_user(request, pk)
    if request.method == "GET":
        deletable = claim.claimant_id == request.user.pk and claim.status == ExpenseStatus.DRAFT
        return render(
            request,
            "expenses/claim_delete.html",
            {
                "question": f"Delete your draft {claim.label}, “{claim.description}”?",
                "claim": claim,
                "can_confirm": deletable,
                "refusal": "Only your own draft claims can be deleted.",
                "back_url": reverse("expenses:claim_detail", args=[pk]),
            },
        )
    label = claim.label  # before the row (and its pk) is gone
    try:
        expense_delete_draft(claim=claim, by=request.user)
    except ExpenseError as error:
        messages.error(request, str(error))
        return redirect("expenses:claim_detail", pk=pk)
    messages.success(request, f"Your draft {label} is deleted.")
    return redirect("expenses:claim_list")


@login_required
def expense_receipt(request: HttpRequest, pk: int) -> FileResponse:
    """Never public: the claimant and finance leads only; everyone else gets 404."""
    claim = get_claim_for_user(request, pk)
    return document_response(
        claim.receipt, content_type=claim.receipt_type, filename=f"receipt-claim-{claim.pk}"
    )


# --- Finance leads -------------------------------------------------------------------------


def _chosen_budget(request, budgets: list[Budget]) -> Budget | None:
    """The year asked for, else this financial year's, else the latest (``budgets``
    newest first: a budget a year, so a handful)."""
    year = int_or_none(request.GET.get("year"), largest=2100)
    if year:
        return next((b for b in budgets if b.start_year == year), None)
    this_year = financial_year_of(timezone.localdate())
    current = next((b for b in budgets if b.start_year == this_year), None)
    return current or next(iter(budgets), None)


@login_required
@finance_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # Every year's budget in one query: the year chosen, and the years to choose from.
    budgets = list(Budget.objects.all())
    budget = _chosen_budget(request, budgets)
    context = {"budget": budget, "years": [b.start_year for b in budgets]}
    if budget is not None:
        # Remembered in Redis until money changes (expenses/figures.py).
        context["figures"], context["figures_html"] = cached_dashboard(budget)
    # Oldest first, a page at a time: a county's queue can hold hundreds of claims.
    counts = queue_counts()
    queue = Paginator(queue_rows.queue(WAITING, counts), DASHBOARD_ROWS).get_page(
        request.GET.get("waiting")
    )
    to_pay = Paginator(queue_rows.queue(TO_PAY, counts), DASHBOARD_ROWS).get_page(
        request.GET.get("paying")
    )
    context |= {
        "queue": queue,
        "queue_rows": waiting_rows(
            queue.object_list, viewer=request.user, csrf_token=get_token(request)
        ),
        "to_pay": to_pay,
        "to_pay_rows": to_pay_rows(to_pay.object_list),
    }
    return render(request, "expenses/dashboard.html", context)


@login_required
@finance_required
def chart(request: HttpRequest, start_year: int, name: str) -> HttpResponse:
    """One dashboard chart as an SVG image (see expenses/charts.py)."""
    budget = Budget.objects.filter(start_year=start_year).first()
    if budget is None or name not in CHARTS:
        raise Http404
    return svg_response(cached_chart(budget, name))


def _refused(request, pk, error: ExpenseError, **forms) -> HttpResponse:
    """A refusal about something the finance lead typed shows next to it on the claim's
    page; one about the claim itself (decided by someone else meanwhile) is a message."""
    (form,) = forms.values()
    if error.field in form.fields:
        form.add_service_error(error)
        return _expense_page(request, get_claim_for_user(request, pk), **forms)
    messages.error(request, str(error))
    return _back_to(request, pk)


def _back_to(request, pk):
    """Back to the dashboard's queue when the action came from there, else to the claim."""
    if request.POST.get("next") == "dashboard":
        return redirect("expenses:dashboard")
    return redirect("expenses:claim_detail", pk=pk)


@require_POST
@login_required
@finance_required
def approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(ExpenseClaim.objects.select_related("claimant"), pk=pk)
    try:
        expense_approve(claim=claim, by=request.user)
    except ExpenseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{claim.claimant}'s {claim.label} is approved.")
    return _back_to(request, pk)


@require_http_methods(["GET", "POST"])
@login_required
@finance_required
def reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, with the reason to give; POST rejects."""
    claim = get_claim_for_user(request, pk)
    form = RejectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            expense_reject(claim=claim, by=request.user, reason=form.cleaned_data["reason"])
        except ExpenseError as error:
            if error.field not in form.fields:  # about the claim (decided meanwhile)
                messages.error(request, str(error))
                return _back_to(request, pk)
            form.add_service_error(error)
        else:
            messages.success(
                request, f"{claim.claimant}'s {claim.label} is rejected; they see your reason."
            )
            return _back_to(request, pk)
    from_dashboard = (request.POST.get("next") or request.GET.get("next")) == "dashboard"
    refusal = expense_reject_problem(claim=claim, by=request.user)
    return render(
        request,
        "expenses/claim_reject.html",
        {
            "question": f"Reject claim #{claim.pk} from {claim.claimant.full_name}?",
            "claim": claim,
            "form": form,
            "can_confirm": not refusal,
            "refusal": refusal,
            "next": "dashboard" if from_dashboard else "",
            "back_url": reverse("expenses:dashboard")
            if from_dashboard
            else reverse("expenses:claim_detail", args=[pk]),
        },
    )


@require_POST
@login_required
@finance_required
def pay_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(ExpenseClaim.objects.select_related("claimant"), pk=pk)
    form = PayForm(request.POST)
    if not form.is_valid():
        return _expense_page(request, get_claim_for_user(request, pk), pay_form=form)
    try:
        expense_mark_paid(
            claim=claim,
            by=request.user,
            paid_on=form.cleaned_data["paid_on"],
            reference=form.cleaned_data["reference"],
        )
    except ExpenseError as error:
        return _refused(request, pk, error, pay_form=form)
    messages.success(
        request,
        f"{claim.claimant}'s {claim.label} is marked paid "
        f"(reference {form.cleaned_data['reference']}).",
    )
    return _back_to(request, pk)


@login_required
@finance_required
def budget_list(request: HttpRequest) -> HttpResponse:
    form = BudgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        budget = save_with_audit(form=form, actor=request.user, noun="budget", show_values=True)
        messages.success(request, f"Budget for {budget} created. Add allocations if you use them.")
        return redirect("expenses:budget_edit", pk=budget.pk)
    return render(
        request,
        "expenses/budget_list.html",
        {"form": form, "budgets": Budget.objects.prefetch_related("allocations")},
    )


@login_required
@finance_required
def budget_edit(request: HttpRequest, pk: int) -> HttpResponse:
    budget = get_object_or_404(Budget, pk=pk)
    form = BudgetForm(request.POST or None, instance=budget)
    formset = AllocationFormSet(request.POST or None, instance=budget, prefix="allocations")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            budget_save(
                budget=form.save(commit=False), allocations=formset.allocations(), by=request.user
            )
        except ExpenseError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Budget for {budget} saved.")
            return redirect("expenses:budget_list")
    return render(
        request, "expenses/budget_edit.html", {"form": form, "formset": formset, "budget": budget}
    )


@login_required
@finance_required
def spend_list(request: HttpRequest) -> HttpResponse:
    form = DirectSpendForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        form.instance.recorded_by = request.user
        with transaction.atomic():
            spend = save_with_audit(form=form, actor=request.user, noun="spend")
            check_budget_alerts(day=spend.spent_on)
        messages.success(
            request,
            f"£{spend.amount:,.2f} for “{spend.description}” on "
            f"{spend.spent_on:%-d %b %Y} is recorded.",
        )
        return redirect("expenses:spend_list")
    spends = DirectSpend.objects.select_related("venue")
    page = Paginator(spends, 50).get_page(request.GET.get("page"))
    return render(request, "expenses/spend_list.html", {"form": form, "page": page})


@login_required
@finance_required
def spend_attachment(request: HttpRequest, pk: int) -> FileResponse:
    spend = get_object_or_404(DirectSpend, pk=pk)
    return document_response(
        spend.attachment, content_type=spend.attachment_type, filename=f"spend-{spend.pk}"
    )


@login_required
@finance_required
def rates_edit(request: HttpRequest) -> HttpResponse:
    form = RatesForm(request.POST or None, instance=Rates.current())
    if request.method == "POST" and form.is_valid():
        save_with_audit(form=form, actor=request.user, noun="rates", show_values=True)
        messages.success(request, "Rates saved. They apply to mileage claims from now on.")
        return redirect("expenses:rates")
    return render(request, "expenses/rates.html", {"form": form})


@login_required
@finance_required
def export_csv(request: HttpRequest, start_year: int) -> StreamingHttpResponse:
    """Every claim, spend and session's venue hire for the year, for Excel (UTF-8 with BOM)."""
    budget = Budget.objects.filter(start_year=start_year).first()
    if budget is None:
        raise Http404
    audit_record(
        actor=request.user,
        action="export.spend_csv",
        target=budget,
        summary=f"Downloaded the {budget} spend as CSV",
    )
    response = StreamingHttpResponse(
        csv_blocks(spend_csv.HEADER, *spend_csv.spend_lines(start_year, now=timezone.now())),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="hope-spend-{str(budget).replace("/", "-")}.csv"'
    )
    response["Cache-Control"] = "no-store, private"
    return response
