"""Server-side SVG charts (pygal): no CDN, no JavaScript, the same figures as the tables.

Charts are served as images from their own address (``expenses:chart``), never inlined
into a page: an SVG image cannot run script, and the page's Content-Security-Policy stays
strict. pygal by default links its tooltip script from kozea.github.io and writes an
inline script with its settings; ``js=[]`` drops the first and ``_render`` the second.
"""

from __future__ import annotations

import re
import sys

import pygal
from pygal.style import Style

from expenses.reports import YearFigures

# pygal puts a legacy import hook (for its optional map plugins, unused here) on
# sys.meta_path; it makes every later import warn. Take it off.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212b32",
    foreground_strong="#212b32",
    foreground_subtle="#4c6272",
    colors=("#005eb8", "#768692", "#007f3b", "#b30000"),
    font_family="Arial, sans-serif",
    # Drawn 480 units wide and shown at the screen's width: on a 390 px phone (about
    # 358 px of chart) 16-unit labels are 12 px high, readable without zooming.
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=16,
    title_font_size=18,
    value_font_size=16,
    tooltip_font_size=16,
    value_label_font_size=16,
)

# The size each chart is drawn at (the dashboard's <img> says the same).
WIDTH, HEIGHT = 480, 360


_SCRIPT = re.compile(r"<script\b.*?(?:</script>|/>)", re.DOTALL | re.IGNORECASE)


# pygal plots floats; the figures themselves stay Decimal in the tables beside each chart.
def _render(chart) -> str:
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    if "<script" in svg.lower():
        raise ValueError("A chart still carries a script.")
    return svg


def categories_chart(figures: YearFigures) -> str:
    chart = pygal.HorizontalBar(
        style=STYLE, height=HEIGHT, width=WIDTH, legend_at_bottom=True, print_values=False, js=[],
        value_formatter=lambda v: f"£{v:,.0f}", disable_xml_declaration=True,
        # Narrow enough for a phone: three value marks and the key one to a line, so no
        # label runs into the next.
        truncate_label=-1, truncate_legend=-1, legend_at_bottom_columns=1,
        title="Spend and commitments by category, against allocation",
    )  # fmt: skip
    largest = max(
        [float(line.spent + line.committed) for line in figures.categories]
        + [float(line.allocation or 0) for line in figures.categories]
        + [1.0]
    )
    chart.y_labels = [0, round(largest / 2), round(largest)]
    chart.x_labels = [line.label for line in figures.categories]
    chart.add("Spent", [float(line.spent) for line in figures.categories])
    chart.add("Committed", [float(line.committed) for line in figures.categories])
    chart.add(
        "Allocation",
        [
            float(line.allocation) if line.allocation is not None else None
            for line in figures.categories
        ],
    )
    return _render(chart)


def cumulative_chart(figures: YearFigures) -> str:
    chart = pygal.Line(
        style=STYLE, height=HEIGHT, width=WIDTH, legend_at_bottom=True, show_dots=True, js=[],
        value_formatter=lambda v: f"£{v:,.0f}", disable_xml_declaration=True,
        x_labels_major_every=3, show_minor_x_labels=False, legend_at_bottom_columns=1,
        truncate_label=-1, truncate_legend=-1,
        title="Cumulative spend by month, against a straight line to the budget",
    )  # fmt: skip
    months = figures.months
    chart.x_labels = [m.strftime("%b %y") for m, _ in months]
    past = [float(total) if m <= figures.today else None for m, total in months]
    chart.add("Spent to date", past)
    per_month = figures.budget.total / len(months)
    chart.add("Even spend to budget", [float(per_month * (i + 1)) for i in range(len(months))])
    return _render(chart)


CHARTS = {"categories": categories_chart, "cumulative": cumulative_chart}
