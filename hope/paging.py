"""Pages of rows in the same number of queries whatever the data."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
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
    more: Django's paginator counts and reads the last page."""
    counted = rows.annotate(paging_total=Window(Count("*")))
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    if 1 <= wanted <= _LAST_PAGE_READ_DIRECTLY:
        found = list(counted[(wanted - 1) * per_page : wanted * per_page])
        if found or wanted == 1:
            # Each row ends with the total, which the caller did not ask for.
            paginator = CountedPaginator(
                [row[:-1] for row in found], per_page, count=found[0][-1] if found else 0
            )
            return paginator._get_page(paginator.object_list, wanted, paginator)
    page = Paginator(counted, per_page).get_page(number)
    page.object_list = [row[:-1] for row in page.object_list]
    return page
