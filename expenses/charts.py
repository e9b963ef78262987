"""The finance dashboard's charts, drawn by hope/charts.py's pygal setup: served as
images from their own address (``expenses:chart``), never inlined into a page."""

from __future__ import annotations

import pygal

from expenses.reports import YearFigures
from hope.charts import HEIGHT, STYLE, WIDTH, render_svg


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
    return render_svg(chart)


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
    return render_svg(chart)


CHARTS = {"categories": categories_chart, "cumulative": cumulative_chart}
