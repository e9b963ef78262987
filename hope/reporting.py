"""Published report tables: counts and figures turned into rows of cells with small
numbers hidden (hope/suppression.py), ready for the page (templates/reports/_table.html),
the CSV (``tables_csv_response``) and the charts (hope/charts.py). Shared by the
outcomes report (programmes) and the cost report (expenses).

A report view builds its ``Table``s from figures counted in SQL:

- ``count_table`` for counts with totals (referrals by source with a total; people by
  programme with a total): it adds the totals, hides every count under
  ``settings.SUPPRESS_BELOW`` ("fewer than 5") and then whatever else a reader could
  use to work one out ("not shown"), through ``hope.suppression.suppress``.
- ``figure_table`` for rows of other figures (a mean, a rate, money), each cell made by
  ``count``, ``mean``, ``share`` or ``shown``, which hide what is about fewer than 5
  people.

Then ``render(request, "…", {"tables": tables, …})`` with a template extending
``reports/_report.html``, and ``tables_csv_response(tables, filename)`` for its CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format

from hope.cache import CacheVersion, cache_breaker
from hope.spreadsheets import csv_lines
from hope.suppression import suppress, threshold, too_few

# Why a cell is empty: each kind has its words in the cell and its footnote.
PRIMARY = "primary"  # a count under the threshold
SECONDARY = "secondary"  # hidden so that a small count cannot be worked out
FEW = "few"  # a mean, rate or share over fewer people than may be published


# Each "not shown" carries a mark saying which footnote explains it.
MARKS = {PRIMARY: "", SECONDARY: "*", FEW: "†"}


def hidden_words(kind: str) -> str:
    """What a hidden cell says, on the page and in the CSV."""
    if kind == PRIMARY:
        return f"fewer than {threshold()}"
    return "not shown" + MARKS[kind]


def footnote(kind: str) -> str:
    below = threshold()
    return {
        PRIMARY: f"“fewer than {below}”: a count under {below}, hidden so that nobody can "
        "be recognised.",
        SECONDARY: f"* Not shown so that a count under {below} cannot be worked out from "
        "the totals and the other figures.",
        FEW: f"† Not shown: a figure about fewer than {below} people (or one that would "
        f"give away a count under {below}), hidden so that nobody can be recognised.",
    }[kind]


@dataclass(frozen=True)
class Cell:
    """One figure. ``value`` is what the CSV holds (a number stays a number); ``text``
    what the page shows; ``hidden`` why it is hidden ("" when shown)."""

    value: object = None
    text: str = ""
    hidden: str = ""

    @property
    def shown(self) -> str:
        return hidden_words(self.hidden) if self.hidden else self.text

    @property
    def csv_value(self) -> object:
        return hidden_words(self.hidden) if self.hidden else self.value


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    is_total: bool = False


@dataclass(frozen=True)
class Table:
    """A published table. ``name`` is a slug (ids, the chart's address); ``title`` its
    caption (and each of its lines' first column in the CSV); ``heading`` the rows'
    column heading. ``chart`` is the index of the column drawn as a bar chart beside it,
    or None for no chart."""

    name: str
    title: str
    heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: int | None = None
    note: str = ""

    @property
    def footnotes(self) -> list[str]:
        kinds = {cell.hidden for row in self.rows for cell in row.cells}
        return [footnote(kind) for kind in (PRIMARY, SECONDARY, FEW) if kind in kinds]

    @property
    def lines(self) -> list[tuple[Row, list[tuple[str, Cell]]]]:
        """Each row with its cells' column headings (the cards' labels on a phone)."""
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in self.rows]

    @property
    def is_empty(self) -> bool:
        return not any(not row.is_total for row in self.rows)


# --- Cells --------------------------------------------------------------------------


def _number(value, places: int) -> str:
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def rounded(value, places: int = 1) -> Decimal | None:
    """A figure for publishing, rounded half up (never float's banker's rounding)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def count(n: int, *, hidden: str | None = None) -> Cell:
    """A count: hidden as "fewer than 5" when small (``hidden`` overrides)."""
    if hidden is None:
        hidden = PRIMARY if too_few(n) else ""
    return Cell(value=n, text=_number(n, 0), hidden=hidden)


def mean(value, people: int, *, places: int = 1, suffix: str = "") -> Cell:
    """A mean (or median) over ``people``: not shown for fewer than 5."""
    if too_few(people):
        return Cell(hidden=FEW)
    if value is None:
        return shown(None)
    value = rounded(value, places)
    return Cell(value=value, text=_number(value, places) + suffix)


def share(part: int, whole: int, *, protect_rest: bool = True) -> Cell:
    """``part`` of ``whole`` as a percentage. Not shown when ``whole`` is under 5, nor
    when the part (or, with ``protect_rest``, the rest) is: the share times a shown
    whole would give that small count back."""
    rest_too_few = protect_rest and too_few(whole - part)
    if not whole or too_few(whole) or too_few(part) or rest_too_few:
        return Cell(hidden=FEW) if whole else shown(None)
    percent = rounded(Decimal(part) * 100 / Decimal(whole), 0)
    return Cell(value=percent, text=f"{_number(percent, 0)}%")


def share_of(part: Cell, whole: Cell) -> Cell:
    """A rate between two published counts (completed of those started): not shown
    when either count is hidden, for it would give the hidden one back."""
    if part.hidden or whole.hidden:
        return Cell(hidden=FEW)
    return share(part.value, whole.value)


def shown(value, text: str | None = None) -> Cell:
    """A figure published as it is (money, a setting, a label); None shows as "–"."""
    if value is None:
        return Cell(value="", text="–")
    if text is None:
        text = value if isinstance(value, str) else _number(value, 0)
    return Cell(value=value, text=text)


def figure_table(
    *,
    name: str,
    title: str,
    heading: str,
    columns: Sequence[str],
    rows: Sequence[tuple[str, Sequence[Cell]]],
    chart: int | None = None,
    note: str = "",
) -> Table:
    """A table of cells already made (``count``, ``mean``, ``share``, ``shown``)."""
    return Table(
        name=name,
        title=title,
        heading=heading,
        columns=tuple(columns),
        rows=tuple(Row(label, tuple(cells)) for label, cells in rows),
        chart=chart,
        note=note,
    )


@dataclass(frozen=True)
class Counts:
    """A table of counts to publish (``count_table``, ``count_tables``).

    The rows must not overlap (each person or thing counted in one row), so the
    ``total_row`` ("Total") adds up each column. ``total_column`` names a last column
    adding up each row, when the columns do not overlap either. ``nested`` lists pairs
    of columns (part, whole) where the part counts some of the whole's people (started,
    of those enrolled): the difference (who did not start) is a count a reader can work
    out, so it is protected as if it were shown. ``implied`` does the same for any count
    a reader can work out: ``(name, whole, parts)`` is ``whole`` minus the ``parts``,
    each a column's index or an earlier implied count's name (of 20 enrolled, 12
    started, 12 completed and 6 both: 2 did neither). ``chart``: the column drawn
    beside the table (None for no chart).
    """

    name: str
    title: str
    heading: str
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[int]]]
    total_row: str | None = "Total"
    total_column: str | None = None
    nested: Sequence[tuple[int, int]] = ()
    implied: Sequence[tuple[str, int | str, Sequence[int | str]]] = ()
    chart: int | None = 0
    note: str = ""

    def hidden_counts(self) -> list[tuple[str | tuple, int | str, list[int | str]]]:
        """Every count a reader can work out though no column shows it."""
        return [
            *((("rest", part, whole), whole, [part]) for part, whole in self.nested),
            *((name, whole, list(parts)) for name, whole, parts in self.implied),
        ]


def count_table(**counts) -> Table:
    """One table of counts (the keywords of ``Counts``), suppressed on its own."""
    return count_tables(Counts(**counts))[0]


def count_tables(*tables: Counts, same_total: bool = False) -> list[Table]:
    """Tables of counts suppressed together. With ``same_total`` they count the same
    people split different ways (by programme, by venue), so they share their total row:
    a total hidden in one is hidden in all, and no table can give back what another
    hides."""
    values: dict = {}
    sums: list = []

    def put(key, value) -> None:
        if key in values and values[key] != value:
            raise ValueError("Tables with the same total must have the same totals.")
        values[key] = value

    for i, table in enumerate(tables):
        width = len(table.columns)
        if any(len(counts) != width for _, counts in table.rows):
            raise ValueError(f"Each row of {table.name} needs {width} counts.")
        rows = [(i, r) for r in range(len(table.rows))]
        total = ("total",) if same_total else (i, "total")
        for r, (_, counts) in enumerate(table.rows):
            for c, n in enumerate(counts):
                put((i, r, c), n)
        lines = [*rows]
        # A total of no rows is 0 by definition, not by any count: it has no sum to check.
        if table.total_row is not None and not rows:
            lines.append(total)
            for c in range(width):
                put((*total, c), 0)
        elif table.total_row is not None:
            lines.append(total)
            for c in range(width):
                put((*total, c), sum(values[(*row, c)] for row in rows))
                sums.append(((*total, c), [(*row, c) for row in rows]))
        if table.total_column is not None:
            for line in lines:
                put((*line, "total"), sum(values[(*line, c)] for c in range(width)))
                sums.append(((*line, "total"), [(*line, c) for c in range(width)]))
            if table.total_row is not None and rows:
                sums.append(((*total, "total"), [(*row, "total") for row in rows]))
        for name, whole, parts in table.hidden_counts():
            for line in lines:
                rest = values[(*line, whole)] - sum(values[(*line, part)] for part in parts)
                if rest < 0:
                    raise ValueError(f"{table.name}: {name} is not part of {whole}.")
                put((*line, name), rest)
                sums.append(((*line, whole), [*((*line, part) for part in parts), (*line, name)]))
            if table.total_row is not None and rows:
                sums.append(((*total, name), [(*row, name) for row in rows]))
    hidden = suppress(values, sums)

    def cell(key) -> Cell:
        kind = PRIMARY if key in hidden.primary else SECONDARY if key in hidden.secondary else ""
        return count(values[key], hidden=kind)

    made = []
    for i, table in enumerate(tables):
        shown = [*range(len(table.columns)), *(["total"] if table.total_column else [])]
        rows = [
            Row(label, tuple(cell((i, r, c)) for c in shown))
            for r, (label, _) in enumerate(table.rows)
        ]
        if table.total_row is not None:
            total = ("total",) if same_total else (i, "total")
            rows.append(
                Row(table.total_row, tuple(cell((*total, c)) for c in shown), is_total=True)
            )
        made.append(
            Table(
                name=table.name,
                title=table.title,
                heading=table.heading,
                columns=(*table.columns, *([table.total_column] if table.total_column else [])),
                rows=tuple(rows),
                chart=table.chart,
                note=table.note,
            )
        )
    return made


def total_row(table: Table) -> Row | None:
    return next((row for row in table.rows if row.is_total), None)


# --- CSV ----------------------------------------------------------------------------


def table_lines(tables: Sequence[Table]) -> list[list]:
    """Every table, one after another: its heading line, then its rows, each line
    starting with the table's title; hidden cells in words; then the footnotes."""
    lines: list[list] = []
    notes: list[str] = []
    for table in tables:
        lines.append([table.title, table.heading, *table.columns])
        lines += [
            [table.title, row.label, *(cell.csv_value for cell in row.cells)] for row in table.rows
        ]
        notes += [note for note in table.footnotes if note not in notes]
    lines += [["Notes", note] for note in notes]
    return lines


def tables_csv_response(tables: Sequence[Table], filename: str) -> HttpResponse:
    """One CSV file holding every table of a report, as a download (formula-safe:
    hope/spreadsheets.py)."""
    header, *rest = table_lines(tables) or [["No tables"]]
    response = HttpResponse(
        "".join(csv_lines(header, rest)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@dataclass(frozen=True)
class ReportPage:
    """What the base template (reports/_report.html) needs besides the tables: the
    title, where the CSV and charts are, and the filters as a query string."""

    title: str
    csv_url: str
    chart_base: str = ""  # the charts' address, ending in "/": <chart_base><name>.svg?<query>
    query: str = ""
    intro: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (words, url) beside CSV


# --- Remembered reports ---------------------------------------------------------------
#
# At ten years of data a report's figures took 80-130 ms of SQL and as much again of
# Python per request, though they change only when a row they are counted from does. So
# a report's published tables are kept in the cache, per filter choice, under a version
# that every change to such a row replaces: each app connects the rows its reports read
# to ``report_rows_changed`` (programmes/reports.py, expenses/evidence.py). As on the
# finance dashboard (expenses/figures.py), the version is replaced at once, so the
# request that changed a row sees it, and again after commit, so figures worked out by
# someone else from the old rows meanwhile are not kept.

REPORTS_VERSION = CacheVersion("reports:version")
# An hour: a change made outside the app (a hand-run SQL update, or one made while Redis
# was away and the version could not be replaced) shows within it.
REMEMBER_SECONDS = 3600

T = TypeVar("T")


# Forgets every remembered report: a signal receiver for each row a report reads.
report_rows_changed = REPORTS_VERSION.replace


def remembered(
    name: str,
    filters: Mapping[str, str],
    work: Callable[[], T],
    until: Callable[[datetime], datetime | None],
) -> T:
    """``work()``, remembered for this report (``name``) and these filters until a row it
    reads changes, or until ``until(now)`` (when time alone changes the figures: the next
    session to end; None for never).

    While Redis is away the cache is this process's own memory, which the other
    processes' changes never reach, so the report is worked out afresh each time."""
    version = REPORTS_VERSION.current()
    if cache_breaker.is_open:
        return work()
    # The threshold too: a deploy that changes it must not show tables hidden the old way.
    below = threshold()
    key = f"reports:{name}:{version}:{below}:{urlencode(sorted(filters.items()))}"
    now = timezone.now()
    entry = cache.get(key)
    if entry is None or (entry["until"] is not None and now >= entry["until"]):
        # ``until`` before the figures: a session ending while they are counted then
        # makes the entry stale at once rather than kept.
        entry = {"until": until(now)}
        entry["value"] = work()
        if not cache_breaker.is_open:
            cache.set(key, entry, timeout=REMEMBER_SECONDS)
    return entry["value"]


def remembered_html(
    name: str,
    filters: Mapping[str, str],
    template: str,
    context: dict,
    until: Callable[[datetime], datetime | None],
) -> str:
    """A part of a report's page that is the same for every reader of these filters
    (its tables, reports/_tables.html; its filter boxes, reports/_filters.html), rendered
    once and remembered beside the figures (``remembered(name, filters, ...)``) under the
    same version, filters and time limit: rendering a report's hundred cells and its
    six crispy fields cost more than the rest of a warm page."""
    return remembered(
        f"{name}:{template}", filters, lambda: render_to_string(template, context), until
    )
