"""The shared pieces of the evidence reports (hope/reporting.py, hope/charts.py): tables
with small counts hidden and their totals unable to give them away, the CSV of them, and
their charts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hope.charts import table_chart
from hope.reporting import (
    FEW,
    PRIMARY,
    SECONDARY,
    count_table,
    mean,
    share,
    tables_csv_response,
)
from hope.suppression import recoverable


def test_small_count_is_hidden_and_the_total_cannot_give_it_away():
    table = count_table(
        name="by-source",
        title="Referrals by source",
        heading="Source",
        columns=["Referrals"],
        rows=[("GP", [12]), ("Self-referral", [3]), ("Hospital", [9])],
    )
    cells = {row.label: row.cells[0] for row in table.rows}
    assert cells["Self-referral"].hidden == PRIMARY
    assert cells["Self-referral"].shown == "fewer than 5"
    # 24 - 12 - 9 would give the 3 back: the smallest other part is hidden as well.
    assert cells["Hospital"].hidden == SECONDARY
    assert cells["Hospital"].shown == "not shown*"
    assert cells["GP"].shown == "12"
    assert cells["Total"].shown == "24"
    assert any("cannot be worked out" in note for note in table.footnotes)


def test_nested_columns_protect_the_difference():
    """Seven enrolled and six started: the one who did not start is a count under 5."""
    table = count_table(
        name="people",
        title="People",
        heading="Programme",
        columns=["Enrolled", "Started"],
        rows=[("A", [7, 6]), ("B", [20, 10])],
        nested=[(1, 0)],
    )
    a = table.rows[0].cells
    assert a[0].hidden or a[1].hidden
    # Whatever is shown, the row's difference and every hidden count stay unknown.
    values, sums, hidden = {}, [], set()
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            values[(r, c)] = cell.value
            if cell.hidden:
                hidden.add((r, c))
    for c in range(2):
        sums.append(((2, c), [(0, c), (1, c)]))
    assert recoverable(values, sums, hidden) == set()


def test_means_and_shares_are_not_shown_for_fewer_than_five_people():
    assert mean(Decimal("3.25"), 4).hidden == FEW
    assert mean(Decimal("3.25"), 5).shown == "3.3"  # half up, not banker's
    assert share(2, 10).hidden == FEW  # 2 of a shown 10 is a count under 5
    assert share(8, 10).hidden == FEW  # so are the 2 who did not
    assert share(6, 12).shown == "50%"


def test_csv_holds_every_table_prefixed_by_its_title_and_is_formula_safe():
    first = count_table(
        name="a", title="=HYPERLINK(evil)", heading="Source", columns=["N"],
        rows=[("-1 row", [2]), ("B", [9]), ("C", [8])],
    )  # fmt: skip
    second = count_table(
        name="b", title="Second", heading="Venue", columns=["N"], rows=[("X", [5]), ("Y", [6])]
    )
    response = tables_csv_response([first, second], "report.csv")
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0] == ["'=HYPERLINK(evil)", "Source", "N"]
    assert lines[1] == ["'=HYPERLINK(evil)", "'-1 row", "fewer than 5"]
    assert ["Second", "Total", "11"] in lines
    assert lines[-1][0] == "Notes"


def test_chart_draws_no_bar_for_a_hidden_figure_and_carries_no_script():
    table = count_table(
        name="a", title="T", heading="Source", columns=["N"],
        rows=[("GP", [12]), ("Self", [3]), ("Other", [9])],
    )  # fmt: skip
    svg = table_chart(table)
    assert "<script" not in svg.lower()
    assert "Self (fewer than 5)" in svg
    assert "Other (not shown*)" in svg


def test_a_table_with_no_rows_has_a_hidden_total_and_no_error():
    table = count_table(
        name="a", title="T", heading="Source", columns=["N", "Of them"], rows=[], nested=[(1, 0)]
    )
    assert table.is_empty
    assert [cell.shown for cell in table.rows[0].cells] == ["fewer than 5", "fewer than 5"]
