"""Querysets compiled to SQL once a process, then run with each request's values.

Building and compiling a queryset of a few joins costs Django a millisecond or more,
often more than PostgreSQL takes to plan and run it: at ten years of data that was a
third of some pages. A page that runs the same query every time, only its values changing
(whose record, the time now), can compile it once::

    RIDES_TO_COME = Compiled(
        lambda participant, now: Ride.objects.live().upcoming(now)
        .filter(participant=participant).values_list("pk", "start"),
        participant=int, now=datetime,
    )
    RIDES_TO_COME.rows(participant=7, now=timezone.now())

The queryset stays the rule's one home; only its compiling is shared. ``build`` is
called once, with a made-up value of each named type that no query would hold, and
must not branch on its values: what it returns is the SQL for every value. Each made-up
value must turn up among the SQL's parameters, where ``rows`` puts the real one. What the
SQL takes from its surroundings when compiled (the time zone a date lookup converts to)
is fixed then: the site runs in one time zone and activates no other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from functools import lru_cache

from django.db import connections, transaction
from django.db.models import QuerySet


def _example(kind: type, n: int):
    # Values no real query holds, different for each name.
    if kind is int:
        return -2_000_000_000 - n
    if kind is datetime:
        return datetime(1901, 2, 3, 4, 5, n, tzinfo=UTC)
    if kind is date:
        return date(1901, 2, 3 + n)
    if kind is str:
        return f"\x00compiled-example-{n}\x00"
    raise TypeError(f"no made-up value for {kind.__name__}")


class Compiled:
    """``build(**values)``'s ``values_list`` rows, from SQL compiled once a process."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        self.build, self.kinds = build, kinds
        self._lock = threading.Lock()
        self._compiled = None

    def _compile(self):
        examples = {name: _example(kind, n) for n, (name, kind) in enumerate(self.kinds.items())}
        queryset = self.build(**examples)
        compiler = queryset.query.get_compiler(queryset.db)
        sql, params = compiler.as_sql()
        params = list(params)
        places = {
            name: [i for i, param in enumerate(params) if param == example]
            for name, example in examples.items()
        }
        for name, found in places.items():
            if not found:
                raise ValueError(f"{name} is not a parameter of the compiled query")
        # As Django's own results_iter: each column's converters, if it has any.
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        return queryset.db, sql, params, places, converters

    def _statement(self, values: dict):
        if values.keys() != self.kinds.keys():
            raise TypeError(f"values for {sorted(self.kinds)} wanted, got {sorted(values)}")
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._compile()
        db, sql, template, places, converters = self._compiled
        params = list(template)
        for name, found in places.items():
            for i in found:
                params[i] = values[name]
        return db, sql, params, converters

    def rows(self, **values) -> list[tuple]:
        db, sql, params, converters = self._statement(values)
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return _converted(rows, converters, connection)

    def stream(self, *, chunk_size: int, **values) -> Iterator[tuple]:
        """The rows as they come, ``chunk_size`` at a time, from a server-side cursor in
        a transaction of its own: as ``QuerySet.iterator`` inside ``atomic``, so
        PostgreSQL sends rows as it works them out instead of storing them all first
        (a cursor outside a transaction is WITH HOLD). The transaction, read only, ends
        when the rows do or the generator is closed (a download dropped)."""
        db, sql, params, converters = self._statement(values)
        connection = connections[db]
        with transaction.atomic(using=db), connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(chunk_size):
                yield from _converted(rows, converters, connection)


def _converted(rows: list[tuple], converters: dict, connection) -> list[tuple]:
    if not converters:
        return rows
    # SQLCompiler.apply_converters, with this thread's connection.
    converted = []
    for row in rows:
        row = list(row)
        for i, (functions, expression) in converters.items():
            value = row[i]
            for function in functions:
                value = function(value, expression, connection)
            row[i] = value
        converted.append(tuple(row))
    return converted


class Paged:
    """``build(**values)``'s rows a page at a time, for a ``Paginator`` of a list counted
    already (often by the page's one query of sums): each page's SQL is compiled once a
    process, its LIMIT and OFFSET written into it, up to ``pages`` pages remembered.
    ``row`` makes each row into what the page shows (a namedtuple's ``_make``)."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        row: Callable[[tuple], object] | None = None,
        pages: int = 256,
        **kinds: type,
    ) -> None:
        self.build, self.row, self.kinds = build, row, kinds
        self._page = lru_cache(maxsize=pages)(self._compile_page)

    def _compile_page(self, start: int, stop: int) -> Compiled:
        return Compiled(lambda **values: self.build(**values)[start:stop], **self.kinds)

    def counted(self, count: int, **values) -> CountedRows:
        return CountedRows(self, count, values)


class CountedRows:
    """A ``Paged`` query's rows with the values of one request and their count: what a
    ``Paginator`` asks of a list (its count, then one slice)."""

    def __init__(self, paged: Paged, count: int, values: dict) -> None:
        self.paged, self._count, self.values = paged, count, values

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, page: slice) -> list:
        if page.start >= self._count:
            return []
        rows = self.paged._page(page.start, page.stop).rows(**self.values)
        return rows if self.paged.row is None else [self.paged.row(row) for row in rows]
