"""Server-side SVG charts (pygal): no CDN, no JavaScript, the same figures as the tables.

Charts are served as images from their own address, never inlined into a page: an SVG
image cannot run script, and the page's Content-Security-Policy stays strict. pygal by
default links its tooltip script from kozea.github.io and writes an inline script with
its settings; ``js=[]`` drops the first and ``render_svg`` the second. Used by the
finance dashboard (expenses/charts.py) and the evidence reports (``table_chart``).
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal

import pygal
from django.http import HttpResponse
from pygal.style import Style

from hope.reporting import Cell, Table

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

# The size each chart is drawn at (the pages' <img> say the same).
WIDTH, HEIGHT = 480, 360

_SCRIPT = re.compile(r"<script\b.*?(?:</script>|/>)", re.DOTALL | re.IGNORECASE)


# pygal plots floats; the figures themselves stay exact in the tables beside each chart.
def render_svg(chart) -> str:
    svg = _SCRIPT.sub("", chart.render(is_unicode=True))
    if "<script" in svg.lower():
        raise ValueError("A chart still carries a script.")
    return svg


def svg_response(svg: str) -> HttpResponse:
    """A chart as an image of its own, with nothing to run."""
    response = HttpResponse(svg, content_type="image/svg+xml")
    # pygal styles its drawing with an inline <style>; this image has no script to allow.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "no-store, private"
    return response


def table_chart(table: Table) -> str:
    """A bar for each row (not the total) of the table's ``chart`` column. A hidden
    figure has no bar, and its label says why, as the table does."""
    column = table.chart if table.chart is not None else 0
    chart = pygal.HorizontalBar(
        style=STYLE, height=HEIGHT, width=WIDTH, show_legend=False, print_values=False, js=[],
        disable_xml_declaration=True, truncate_label=-1, title=table.columns[column],
    )  # fmt: skip
    rows = [row for row in table.rows if not row.is_total]
    labels, values = [], []
    for row in rows:
        cell = row.cells[column]
        labels.append(f"{row.label} ({cell.shown})" if cell.hidden else row.label)
        values.append(_plotted(cell))
    # A few value marks (pygal would draw one a unit), taking in negative changes.
    plotted = [v for v in values if v is not None]
    low, high = min([0.0, *plotted]), max([0.0, *plotted]) or 1.0
    chart.y_labels = sorted({round(low, 1), 0.0, round((low + high) / 2, 1), round(high, 1)})
    # pygal draws the first bar at the bottom; the table reads top down.
    chart.x_labels = list(reversed(labels))
    chart.add(table.columns[column], list(reversed(values)))
    return render_svg(chart)


def _plotted(cell: Cell) -> float | None:
    if cell.hidden or isinstance(cell.value, bool):
        return None
    return float(cell.value) if isinstance(cell.value, int | float | Decimal) else None
