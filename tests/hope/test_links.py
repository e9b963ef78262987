"""A row's link, formatted from a route reversed once, is the route's own URL."""

from django.urls import reverse

from hope.links import RowLink


def test_row_links_read_as_reverse_does():
    detail = RowLink("programmes:course_detail")
    assert [detail(pk) for pk in (1, 42, 2_000_000)] == [
        reverse("programmes:course_detail", args=[pk]) for pk in (1, 42, 2_000_000)
    ]
    mark = RowLink("programmes:register_mark", 7)
    assert mark(19) == reverse("programmes:register_mark", args=[7, 19])
    assert RowLink("programmes:register_mark", 19)(7) != mark(19)
