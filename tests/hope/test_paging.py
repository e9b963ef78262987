"""hope.paging.counted_page: Django's pages, counted in the query that reads them."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from hope.paging import counted_page
from tests.factories import VenueFactory
from venues.models import Venue

pytestmark = pytest.mark.django_db

NUMBERS = ["", None, "x", "1.5", "1", "2", " 3 ", "3", "4", "0", "-2", "9" * 30, "9" * 5000, "٣"]


@pytest.fixture
def venues():
    """Seven rows: pages of three hold 3, 3 and 1."""
    for n in range(7):
        VenueFactory(name=f"Venue {n}")
    return Venue.objects.order_by("name", "pk").values_list("pk", "name")


@pytest.mark.parametrize("number", NUMBERS)
def test_a_page_is_the_one_djangos_paginator_gives(venues, number):
    page = counted_page(venues, number, per_page=3)
    django = Paginator(venues, 3).get_page(number)
    assert page.number == django.number
    assert page.object_list == list(django.object_list)
    assert page.paginator.count == 7
    assert page.paginator.num_pages == 3


@pytest.mark.parametrize("number", ["", "2", "3"])
def test_a_page_and_its_count_are_one_query(venues, number, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(venues, number, per_page=3)
    assert page.paginator.count == 7


def test_an_empty_list_is_one_empty_page_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(Venue.objects.values_list("pk"), "1", per_page=3)
    assert (page.number, page.paginator.num_pages, list(page.object_list)) == (1, 1, [])


def test_a_page_past_the_end_shows_the_last(venues, django_assert_num_queries):
    # A link kept while the list shrank: the page read finds nothing, then Django's
    # paginator counts and reads the last.
    with django_assert_num_queries(3):
        page = counted_page(venues, "5", per_page=3)
    assert page.number == 3
    assert page.object_list == [list(venues)[-1]]
