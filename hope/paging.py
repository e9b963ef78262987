"""Pages of rows in the same number of queries whatever the data."""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window

# Past this a page number is past the end of any list we page (and its OFFSET would
# overflow PostgreSQL's bigint): Django's own paginator answers it.
_LAST_PAGE_READ_DIRECTLY = 100_000


class CountedPaginator(Paginator):
    """A paginator for a list whose length the page has already counted (its totals by
    status, say), so it runs no COUNT of its own. Its page always reads its rows in one
    query, even when there are none: Django's skips the query for an empty list, and a
    page's query count would then depend on the data."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.count = count  # Paginator.count is a cached_property: this is its value.

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(list(self.object_list[bottom : bottom + self.per_page]), number, self)


def counted_page(rows: QuerySet, number, *, per_page: int) -> Page:
    """Page ``number`` of ``rows`` (a ``values_list()`` of plain tuples) by Django's
    ``get_page`` rules (not a whole number: the first page; before the first or past the
    last: the last), read with how many rows there are in one query: COUNT(*) OVER ().
    Paginator's own COUNT repeats the list's joins and subqueries: on the open sessions
    board it cost as much as reading the page.

    A page number past the end (a link kept while the list shrank) costs two queries
    more: one for the count and one for the last page."""
    counted = rows.annotate(paging_total=Window(Count("*")))
    return counted_page_read(
        lambda offset, limit: list(counted[offset : offset + limit]), number, per_page=per_page
    )


def counted_page_read(read: Callable[[int, int], list[tuple]], number, *, per_page: int) -> Page:
    """``counted_page`` for rows read some other way (SQL written by hand): ``read(offset,
    limit)`` returns those rows of the list, each ending with how many rows the whole
    list has (COUNT(*) OVER ()). One read; three for a page number past the end."""
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    if 1 <= wanted <= _LAST_PAGE_READ_DIRECTLY:
        found = read((wanted - 1) * per_page, per_page)
        if found or wanted == 1:
            return _page_of(found, wanted, per_page)
    # Past the end or before the first: Django's get_page answers the last page, once
    # it knows how many rows there are.
    first = read(0, 1)
    paginator = CountedPaginator([], per_page, count=first[0][-1] if first else 0)
    try:
        last = paginator.validate_number(number)
    except PageNotAnInteger:
        last = 1
    except EmptyPage:
        last = paginator.num_pages
    return _page_of(read((last - 1) * per_page, per_page), last, per_page)


def _page_of(found: list[tuple], number: int, per_page: int) -> Page:
    # Each row ends with the total, which the caller did not ask for.
    paginator = CountedPaginator(
        [row[:-1] for row in found], per_page, count=found[0][-1] if found else 0
    )
    return paginator._get_page(paginator.object_list, number, paginator)
