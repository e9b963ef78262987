"""Pages of rows in the same number of queries whatever the data."""

from __future__ import annotations

from django.core.paginator import Page, Paginator


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
