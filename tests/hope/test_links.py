"""A row's link, formatted from a route reversed once, is the route's own URL."""

from django.urls import reverse

from hope.links import RowLink, csrf_input


def test_row_links_read_as_reverse_does():
    detail = RowLink("programmes:course_detail")
    assert [detail(pk) for pk in (1, 42, 2_000_000)] == [
        reverse("programmes:course_detail", args=[pk]) for pk in (1, 42, 2_000_000)
    ]
    mark = RowLink("programmes:register_mark", 7)
    assert mark(19) == reverse("programmes:register_mark", args=[7, 19])
    assert RowLink("programmes:register_mark", 19)(7) != mark(19)


def test_a_rows_csrf_field_is_the_one_the_template_tag_writes(rf):
    from django.middleware.csrf import get_token
    from django.template import engines

    request = rf.get("/")
    token = get_token(request)
    tag = engines["django"].from_string("{% csrf_token %}").render({"csrf_token": token})
    assert csrf_input(token) == tag
    assert 'value="&quot;&gt;"' in csrf_input('">')


def test_a_row_link_follows_the_script_prefix_of_the_request():
    from django.urls import get_script_prefix, set_script_prefix

    plain = RowLink("programmes:course_detail")(5)
    before = get_script_prefix()
    set_script_prefix("/hope/")
    try:
        assert RowLink("programmes:course_detail")(5) == "/hope" + plain
    finally:
        set_script_prefix(before)
    assert RowLink("programmes:course_detail")(5) == plain
