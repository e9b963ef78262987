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

A value of kind ``list`` is a list of ids (integer keys, from 1) for a ``field__in=``
filter. Django writes one placeholder an id, so the SQL is compiled for lists of 1, 2,
4, 8 … ids, and a list is run in the shortest that holds it, the places left over given
an id no row has (0): a list keeps about ten SQLs (up to 512), whatever lengths a
process meets. A list longer than
``LONGEST_LIST`` is run as Django builds it, uncompiled. For an empty list Django runs
no query and answers nothing; so does ``rows``.

``instances`` gives model instances for a queryset of them (``select_related``,
``only`` and annotations as Django's own ``ModelIterable`` sets them) instead of rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import closing, nullcontext
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import islice

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.transaction import TransactionManagementError

# Made-up ids of a list's items: the n-th list's i-th item; away from the made-up ints.
_LIST_ITEMS = -1_900_000_000
_LIST_ITEMS_APART = 10_000
LONGEST_LIST = 500


# What fills the places a list leaves over in the SQL compiled for a longer one: ids
# start at 1, so no row is found for it.
_NO_ID = 0


def _compiled_length(length: int) -> int:
    # The shortest of 0, 1, 2, 4, 8 … that holds ``length`` items.
    return 1 << (length - 1).bit_length() if length else 0


def _example(kind: type, n: int, length: int):
    # Values no real query holds, different for each name.
    if kind is int:
        return -2_000_000_000 - n
    if kind is datetime:
        return datetime(1901, 2, 3, 4, 5, n, tzinfo=UTC)
    if kind is date:
        return date(1901, 2, 3 + n)
    if kind is str:
        return f"\x00compiled-example-{n}\x00"
    if kind is list:
        return [_LIST_ITEMS - n * _LIST_ITEMS_APART - i for i in range(length)]
    raise TypeError(f"no made-up value for {kind.__name__}")


class _Query:
    """One compiled SQL: where each value goes among its parameters, how its columns are
    converted, and (for ``instances``) how a row becomes model instances."""

    def __init__(self, queryset: QuerySet, examples: dict) -> None:
        if queryset._prefetch_related_lookups:
            # One query is run: what prefetch_related would read is not.
            raise TypeError("a compiled query cannot prefetch_related")
        self.db = queryset.db
        # Django refuses select_for_update outside a transaction when it compiles the
        # query; compiled once, it is checked here on every run instead.
        self.locks = bool(queryset.query.select_for_update)
        compiler = queryset.query.get_compiler(self.db)
        try:
            self.sql, params = compiler.as_sql()
        except EmptyResultSet:
            # As Django's own: no query, no rows (an empty list for ``__in``).
            self.sql = None
            return
        self.template = list(params)
        # (parameter's index, value's name, the item's index in a list or None)
        self.places: list[tuple[int, str, int | None]] = []
        for name, example in examples.items():
            items = example if isinstance(example, list) else [example]
            for item_index, item in enumerate(items):
                found = [i for i, param in enumerate(self.template) if param == item]
                if not found:
                    raise ValueError(f"{name} is not a parameter of the compiled query")
                at = item_index if isinstance(example, list) else None
                self.places += [(i, name, at) for i in found]
        # As Django's own results_iter: each column's converters, if it has any.
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)
        # As Django's ModelIterable (for ``instances``); None for a values_list's rows.
        self.klass_info = compiler.klass_info
        if self.klass_info is not None and queryset._iterable_class is ModelIterable:
            select = compiler.select
            fields = self.klass_info["select_fields"]
            self.model_columns = slice(fields[0], fields[-1] + 1)
            self.init_list = [column[0].target.attname for column in select[self.model_columns]]
            self.related_populators = get_related_populators(self.klass_info, select, self.db)
            self.annotation_col_map = compiler.annotation_col_map or {}
        else:
            self.klass_info = None

    def _params(self, values: dict) -> list:
        params = list(self.template)
        for i, name, at in self.places:
            if at is None:
                params[i] = values[name]
            else:
                items = values[name]
                params[i] = items[at] if at < len(items) else _NO_ID
        return params

    def rows(self, values: dict) -> list[tuple]:
        if self.sql is None:
            return []
        connection = connections[self.db]
        if self.locks and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self._params(values))
            rows = cursor.fetchall()
        return self._converted(rows, connection)

    def chunks(self, values: dict, chunk_size: int) -> Iterator[list[tuple]]:
        if self.sql is None:
            return
        connection = connections[self.db]
        with read_transaction(self.db), connection.chunked_cursor() as cursor:
            plan_for_every_row(connection)
            cursor.execute(self.sql, self._params(values))
            while rows := cursor.fetchmany(chunk_size):
                yield self._converted(rows, connection)

    def _converted(self, rows: list[tuple], connection) -> list[tuple]:
        if not self.converters:
            return rows
        # SQLCompiler.apply_converters, with this thread's connection.
        converted = []
        for row in rows:
            row = list(row)
            for i, (functions, expression) in self.converters.items():
                value = row[i]
                for function in functions:
                    value = function(value, expression, connection)
                row[i] = value
            converted.append(tuple(row))
        return converted

    def instances(self, values: dict) -> list:
        if self.sql is None:
            return []
        if self.klass_info is None:
            raise TypeError("instances() is for a queryset of model instances")
        model = self.klass_info["model"]
        objects = []
        for row in self.rows(values):
            obj = model.from_db(self.db, self.init_list, row[self.model_columns])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, column in self.annotation_col_map.items():
                setattr(obj, name, row[column])
            objects.append(obj)
        return objects


class Compiled:
    """``build(**values)``'s ``values_list`` rows (or model instances), from SQL compiled
    once a process (once for each length of its lists)."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        self.build, self.kinds = build, kinds
        self._lock = threading.Lock()
        self._queries: dict[tuple[int, ...], _Query] = {}

    def _query(self, values: dict) -> _Query | None:
        """The compiled query for these values; None for a list too long to compile."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"values for {sorted(self.kinds)} wanted, got {sorted(values)}")
        lengths = tuple(len(values[name]) for name, kind in self.kinds.items() if kind is list)
        if lengths and max(lengths) > LONGEST_LIST:
            return None
        lengths = tuple(map(_compiled_length, lengths))
        query = self._queries.get(lengths)
        if query is None:
            with self._lock:
                query = self._queries.get(lengths)
                if query is None:
                    query = self._queries[lengths] = self._compile(lengths)
        return query

    def _compile(self, lengths: tuple[int, ...]) -> _Query:
        list_lengths = iter(lengths)
        examples = {
            name: _example(kind, n, next(list_lengths) if kind is list else 0)
            for n, (name, kind) in enumerate(self.kinds.items())
        }
        return _Query(self.build(**examples), examples)

    def rows(self, **values) -> list[tuple]:
        query = self._query(values)
        return list(self.build(**values)) if query is None else query.rows(values)

    def instances(self, **values) -> list:
        """The model instances of ``build``'s queryset, as iterating it gives them."""
        query = self._query(values)
        return list(self.build(**values)) if query is None else query.instances(values)

    def stream(self, *, chunk_size: int, **values) -> Iterator[tuple]:
        """The rows as they come, ``chunk_size`` at a time, from a server-side cursor in
        a transaction of its own: as ``QuerySet.iterator`` inside ``atomic``, so
        PostgreSQL sends rows as it works them out instead of storing them all first
        (a cursor outside a transaction is WITH HOLD). The transaction, read only, ends
        when the rows do or the generator is closed (a download dropped)."""
        for chunk in self.chunks(chunk_size=chunk_size, **values):
            yield from chunk

    def chunks(self, *, chunk_size: int, **values) -> Iterator[list[tuple]]:
        """``stream``'s rows as the lists they arrive in, for a caller that handles them
        a block at a time (a CSV download)."""
        query = self._query(values)
        if query is not None:
            yield from query.chunks(values, chunk_size)
            return
        queryset = self.build(**values)
        with read_transaction(queryset.db), closing(queryset.iterator(chunk_size)) as rows:
            plan_for_every_row(connections[queryset.db])
            while chunk := list(islice(rows, chunk_size)):
                yield chunk


def read_transaction(db: str):
    """A transaction for server-side cursors that a generator reads (not WITH HOLD), or
    nothing when the caller is in one already: a generator closed early (a dropped
    download) inside the caller's transaction must not mark it for rollback, as an
    ``atomic`` without a savepoint would, nor cost savepoints for each cursor."""
    if connections[db].in_atomic_block:
        return nullcontext()
    return transaction.atomic(using=db)


def plan_for_every_row(connection) -> None:
    """Inside a transaction, before a cursor is declared that will be read to its end
    (a download): PostgreSQL plans a cursor for its first tenth of rows unless told, and
    that plan took a year's export at ten years of data a third longer to read."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


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
