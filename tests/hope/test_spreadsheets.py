"""CSV for spreadsheets: formula-safe cells, and blocks that read the same as lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hope.spreadsheets import csv_blocks, csv_lines, spreadsheet_cell


def test_cells_keep_numbers_and_dates_and_defuse_formulas():
    assert spreadsheet_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_cell("-12") == "'-12"
    assert spreadsheet_cell("Tea and biscuits") == "Tea and biscuits"
    assert spreadsheet_cell(Decimal("12.50")) == Decimal("12.50")
    assert spreadsheet_cell(3) == 3
    assert spreadsheet_cell(None) == ""
    assert spreadsheet_cell(True) == "Yes"
    assert str(spreadsheet_cell(date(2026, 4, 1))) == "2026-04-01"
    assert spreadsheet_cell(datetime(2026, 4, 1, 9, 30, tzinfo=UTC)) == "2026-04-01T09:30:00+00:00"


def test_blocks_read_exactly_as_the_lines():
    rows = [
        [n, f"=cmd{n}", Decimal(n) / 4, date(2026, 1, 1 + n % 28), None, n % 2 == 0,
         datetime(2026, 4, 1, 9, n % 60, tzinfo=UTC), f"-{n}", "tea"]
        for n in range(2500)
    ]  # fmt: skip
    header = ["A", "B", "C", "D", "E", "F", "G", "H", "I"]
    blocks = list(csv_blocks(header, rows, rows_per_block=1000))
    assert len(blocks) == 3
    assert "".join(blocks) == "".join(csv_lines(header, rows))
    assert blocks[0].startswith(
        "\ufeffA,B,C,D,E,F,G,H,I\r\n0,'=cmd0,0,2026-01-01,,Yes,2026-04-01T09:00:00+00:00,'-0,tea\r\n"
    )
