"""The outcomes report (issue 15): the page, its CSV, its charts, and the coordinators'
page for each measure's meaningful change.

Who may read reports is one check, ``hope.access.reports_required``
(coordinators, finance leads and evidence viewers); feedback lines are for coordinators only
(``hope.access.sees_feedback``). Opening the page or its CSV adds a line to the audit trail.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from hope.access import coordinator_required, reports_required, sees_feedback
from hope.audit import audit_viewed
from hope.charts import svg_response, table_chart
from hope.models import AuditArea
from hope.reporting import ReportPage, remembered_html, tables_csv_response
from programmes.models import meaningful_changes
from programmes.outcomes import FEEDBACK_SHOWN, feedback_items, remembered_outcomes_report
from programmes.report_forms import MeaningfulChangeForm, report_filter_form
from programmes.reports import ReportRange, next_session_end
from programmes.services.outcomes import meaningful_change_set


def _described(r: ReportRange) -> str:
    """The report's coverage for the audit trail (dates and filters, no people)."""
    return ", ".join([f"{r.start:%d %b %Y} to {r.end:%d %b %Y}", *r.words()])


@login_required
@reports_required
def outcomes_report_view(request: HttpRequest) -> HttpResponse:
    form = report_filter_form(request)
    context = {"form": form, "tables": []}
    if form.is_valid():
        r = form.report_range()
        feedback = sees_feedback(request.user)
        report = remembered_outcomes_report(r, with_feedback=feedback)
        query = urlencode(r.query())
        links = []
        if feedback:
            links.append(("Meaningful change", reverse("programmes:meaningful_change")))

        def until(now):
            return next_session_end(r, now)

        page = ReportPage(
            title="Outcomes report",
            csv_url=reverse("programmes:outcomes_export"),
            chart_base=reverse("programmes:outcomes_report") + "charts/",
            query=query,
            intro="Referrals, who took part, attendance and change in the outcome "
            "measures, for the courses starting in the dates chosen.",
            links=links,
        )
        context |= {
            "report_range": r,
            "tables": report.tables,
            "tables_html": remembered_html(
                "outcomes",
                r.query(),
                "reports/_tables.html",
                {"tables": report.tables, "page": page},
                until,
            ),
            "filters_html": remembered_html(
                "outcomes", r.query(), "reports/_filters.html", {"form": form}, until
            ),
            "feedback": report.feedback,
            "feedback_items": feedback_items(report.feedback or []),
            "feedback_shown": FEEDBACK_SHOWN,
            "page": page,
        }
        audit_viewed(request, f"the outcomes report ({_described(r)})", area=AuditArea.ROTA)
    else:
        context["page"] = ReportPage(
            title="Outcomes report", csv_url=reverse("programmes:outcomes_export")
        )
    return render(request, "programmes/outcomes_report.html", context)


@login_required
@reports_required
def outcomes_export(request: HttpRequest) -> HttpResponse:
    """Every table of the page, suppressed as on the page; never the feedback."""
    form = report_filter_form(request)
    if not form.is_valid():
        # The page says what to fix in the filters.
        return redirect(reverse("programmes:outcomes_report") + "?" + request.GET.urlencode())
    r = form.report_range()
    report = remembered_outcomes_report(r)
    audit_viewed(request, f"the outcomes report's CSV ({_described(r)})", area=AuditArea.ROTA)
    return tables_csv_response(report.tables, f"outcomes-{r.start}-to-{r.end}.csv")


@login_required
@reports_required
def outcomes_chart(request: HttpRequest, name: str) -> HttpResponse:
    """One table's chart as an image, for the same filters (hope/charts.py). The page
    that shows it is on the audit trail; the picture adds nothing hidden there."""
    form = report_filter_form(request)
    if not form.is_valid():
        raise Http404
    tables = {table.name: table for table in remembered_outcomes_report(form.report_range()).tables}
    table = tables.get(name)
    if table is None or table.chart is None:
        raise Http404
    return svg_response(table_chart(table))


@login_required
@coordinator_required
@require_http_methods(["GET", "POST"])
def meaningful_change(request: HttpRequest) -> HttpResponse:
    current = meaningful_changes()
    form = MeaningfulChangeForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        changed = meaningful_change_set(
            points={measure: form.cleaned_data[measure] for measure in current},
            by=request.user,
        )
        messages.success(
            request,
            "Meaningful change saved: the outcomes report counts against the new values."
            if changed
            else "Nothing changed.",
        )
        return redirect("programmes:outcomes_report")
    return render(request, "programmes/meaningful_change.html", {"form": form})
