"""The cost report (issue 15): ``/reports/costs/``, its CSV and its charts, for whoever
``hope.access.reports_required`` lets read reports. Figures from
expenses/evidence.py, tables and their suppression from hope/reporting.py. The filters
come from the query string through programmes.report_forms (as on the outcomes report):
a bad value is a message next to its field (and no figures), never a 500. Opening the
page or its CSV adds a line to the audit trail (money); a chart, shown on the page, does not."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from expenses.evidence import remembered_cost_tables
from hope.access import reports_required
from hope.audit import audit_viewed
from hope.charts import svg_response, table_chart
from hope.models import AuditArea
from hope.reporting import ReportPage, Table, remembered_html, tables_csv_response
from programmes.report_forms import ReportFilterForm, report_filter_form
from programmes.reports import ReportRange, next_session_end

INTRO = (
    "What the courses in these dates cost, from the money already recorded: approved and "
    "paid claims, direct spend, and venue hire at the price on each session's day."
)


def _report(request: HttpRequest) -> tuple[ReportFilterForm, ReportRange | None, list[Table]]:
    form = report_filter_form(request)
    if not form.is_valid():
        return form, None, []
    report = form.report_range()
    return form, report, remembered_cost_tables(report)


def _what(report: ReportRange) -> str:
    """The report in the audit trail's words (as the outcomes report's): its dates and
    filters, never people."""
    return ", ".join([f"{report.start:%d %b %Y} to {report.end:%d %b %Y}", *report.words()])


@login_required
@reports_required
def costs_report(request: HttpRequest) -> HttpResponse:
    form, report, tables = _report(request)
    query = urlencode(report.query()) if report else ""
    if report:
        audit_viewed(request, f"the cost report ({_what(report)})", area=AuditArea.MONEY)
    chart = reverse("expenses:costs_chart", kwargs={"name": "spend"})
    page = ReportPage(
        title="Cost report",
        csv_url=reverse("expenses:costs_export"),
        chart_base=chart.removesuffix("spend.svg"),
        query=query,
        intro=INTRO,
    )
    context = {"page": page, "form": form, "tables": tables, "report_range": report}
    if report:

        def until(now):
            return next_session_end(report, now)

        context["tables_html"] = remembered_html(
            "costs", report.query(), "reports/_tables.html", {"tables": tables, "page": page}, until
        )
        context["filters_html"] = remembered_html(
            "costs", report.query(), "reports/_filters.html", {"form": form}, until
        )
    return render(request, "expenses/costs_report.html", context)


@login_required
@reports_required
def costs_export(request: HttpRequest) -> HttpResponse:
    """Every table of the page in one CSV, suppressed as on the page."""
    form, report, tables = _report(request)
    if report is None:
        # The page says what to fix in the filters.
        return redirect(reverse("expenses:costs_report") + "?" + request.GET.urlencode())
    audit_viewed(request, f"the cost report as CSV ({_what(report)})", area=AuditArea.MONEY)
    return tables_csv_response(tables, f"hope-costs-{report.start}-to-{report.end}.csv")


@login_required
@reports_required
def costs_chart(request: HttpRequest, name: str) -> HttpResponse:
    """One table's chart as an SVG image (hope/charts.py). Not audited, as on the
    outcomes report: the page that shows it is, and the picture adds nothing hidden there."""
    form, report, tables = _report(request)
    table = next((t for t in tables if t.name == name and t.chart is not None), None)
    if table is None:
        raise Http404
    return svg_response(table_chart(table))
