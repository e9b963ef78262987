"""A queryset compiled once gives, for any values, the rows the queryset itself gives."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from hope.compiled import LONGEST_LIST, Compiled
from hope.models import Invitation
from hope.roles import Role
from programmes.models import Course, Session
from tests.factories import CourseFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def sessions_after(course, now):
    return (
        Session.objects.filter(course=course, start__gt=now, is_cancelled=False)
        .order_by("start")
        .values_list("number", "start", "course__title", "venue__name")
    )


def test_rows_are_the_querysets_for_every_value(django_assert_num_queries):
    first, second = CourseFactory(), CourseFactory()
    Session.objects.filter(course=second, number=3).update(is_cancelled=True)
    compiled = Compiled(sessions_after, course=int, now=datetime)
    now = timezone.now()
    for course in (first, second):
        for when in (now, now + timedelta(days=15), now + timedelta(days=400)):
            with django_assert_num_queries(1):
                rows = compiled.rows(course=course.pk, now=when)
            assert rows == list(sessions_after(course.pk, when))
    shown = {course: compiled.rows(course=course.pk, now=now) for course in (first, second)}
    assert shown[first] and len(shown[second]) == len(shown[first]) - 1  # one cancelled


def test_columns_are_converted_as_the_orm_converts_them():
    InvitationFactory(roles=[Role.VOLUNTEER, Role.COORDINATOR])
    compiled = Compiled(
        lambda since: Invitation.objects.filter(created_at__gt=since).values_list("roles"),
        since=datetime,
    )
    since = timezone.now() - timedelta(days=1)
    assert compiled.rows(since=since) == list(
        Invitation.objects.filter(created_at__gt=since).values_list("roles")
    )


def test_a_value_the_query_does_not_use_is_refused():
    compiled = Compiled(lambda course: Session.objects.values_list("pk"), course=int)
    with pytest.raises(ValueError, match="course is not a parameter"):
        compiled.rows(course=1)


def test_the_values_named_are_the_values_given():
    compiled = Compiled(sessions_after, course=int, now=datetime)
    with pytest.raises(TypeError):
        compiled.rows(course=1)


@pytest.mark.django_db(transaction=True)
def test_streamed_rows_come_from_a_cursor_in_a_transaction_of_their_own():
    from django.db import connection

    course = CourseFactory()
    compiled = Compiled(sessions_after, course=int, now=datetime)
    now = timezone.now() - timedelta(days=1)
    rows = compiled.stream(chunk_size=2, course=course.pk, now=now)
    first = next(rows)
    # Outside a transaction the cursor would be WITH HOLD: PostgreSQL works out and stores
    # every row before the first is sent.
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable FROM pg_cursors")
        assert cursor.fetchall() == [(False,)]
    assert not connection.get_autocommit()
    assert [first, *rows] == list(sessions_after(course.pk, now))
    assert connection.get_autocommit()  # the transaction ended with the rows


@pytest.mark.django_db(transaction=True)
def test_a_stream_closed_early_ends_its_transaction():
    from django.db import connection

    course = CourseFactory()
    rows = Compiled(sessions_after, course=int, now=datetime).stream(
        chunk_size=1, course=course.pk, now=timezone.now() - timedelta(days=1)
    )
    next(rows)
    rows.close()  # a download dropped part way
    assert connection.get_autocommit()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone() == (0,)


def test_paged_rows_are_the_querysets_slices_and_each_page_is_built_once():
    from django.core.paginator import Paginator

    from hope.compiled import Paged

    course = CourseFactory()  # six sessions
    built = []

    def numbers(course):
        built.append(course)
        return Session.objects.filter(course=course).order_by("number").values_list("number")

    paged = Paged(numbers, row=lambda row: row[0], course=int)
    everything = [row[0] for row in numbers(course.pk)]
    built.clear()
    for _ in range(2):
        pages = Paginator(paged.counted(len(everything), course=course.pk), 4)
        assert [list(pages.page(n)) for n in pages.page_range] == [everything[:4], everything[4:]]
    assert len(built) == 2  # one build for each page, whatever the requests
    assert paged.counted(6, course=course.pk)[6:10] == []
    assert list(Paginator(paged.counted(0, course=course.pk), 4).get_page(1)) == []


def sessions_of(courses):
    return Session.objects.filter(course__in=courses).order_by("pk").values_list("pk", "course")


def test_a_list_of_ids_gives_the_querysets_rows_for_each_length(django_assert_num_queries):
    courses = [CourseFactory().pk for _ in range(3)]
    compiled = Compiled(sessions_of, courses=list)
    for chosen in ([courses[0]], courses[1:], courses, [courses[2], courses[2]], [-5]):
        with django_assert_num_queries(1):
            rows = compiled.rows(courses=chosen)
        assert rows == list(sessions_of(chosen))
    assert {len(rows) for rows in [compiled.rows(courses=[c]) for c in courses]} == {6}


def test_lists_share_the_sql_of_the_next_power_of_two_its_spare_places_matching_nothing():
    courses = [CourseFactory().pk for _ in range(5)]
    built = []

    def counted(courses):
        built.append(len(courses))
        return sessions_of(courses)

    compiled = Compiled(counted, courses=list)
    for length in range(1, 6):
        chosen = courses[:length]
        assert compiled.rows(courses=chosen) == list(sessions_of(chosen))
        assert len(compiled.rows(courses=chosen)) == 6 * length
    # Compiled for 1, 2, 4 and 8 ids: three ids ran in the SQL for four, five in eight's.
    assert built == [1, 2, 4, 8]


def test_an_empty_list_runs_no_query_as_django_runs_none(django_assert_num_queries):
    CourseFactory()
    compiled = Compiled(sessions_of, courses=list)
    with django_assert_num_queries(0):
        assert compiled.rows(courses=[]) == [] == list(sessions_of([]))


def test_a_list_too_long_to_keep_is_run_uncompiled():
    course = CourseFactory()
    compiled = Compiled(sessions_of, courses=list)
    ids = [course.pk] + [-n for n in range(1, LONGEST_LIST + 1)]
    assert compiled.rows(courses=ids) == list(sessions_of(ids))
    assert not compiled._queries


def test_instances_are_the_querysets_own_with_related_rows_deferred_fields_and_annotations(
    django_assert_num_queries,
):
    first, online = CourseFactory(), CourseFactory(venue=None)
    Session.objects.filter(course=first, number=1).update(is_cancelled=True)

    def courses(pk):
        return (
            Course.objects.select_related("programme", "venue")
            .with_dates()
            .filter(pk=pk)
            .only("title", "venue", "programme__name", "venue__name")
        )

    compiled = Compiled(courses, pk=int)
    for course in (first, online):
        with django_assert_num_queries(1):
            (got,) = compiled.instances(pk=course.pk)
        (expected,) = courses(course.pk)
        with django_assert_num_queries(0):
            assert (got.pk, got.title, got.programme.name, got.live_sessions) == (
                expected.pk, expected.title, expected.programme.name, expected.live_sessions,
            )  # fmt: skip
            assert (got.first_start, got.last_end) == (expected.first_start, expected.last_end)
            assert got.venue == expected.venue
            assert (got.venue.name if got.venue else None) == (
                expected.venue.name if expected.venue else None
            )
        assert got.get_deferred_fields() == expected.get_deferred_fields()
    assert compiled.instances(pk=-1) == []
    assert compiled.rows(pk=first.pk)[0][0] == first.pk


def test_instances_are_refused_for_a_values_list():
    compiled = Compiled(
        lambda course: Session.objects.filter(course=course).values_list("pk"), course=int
    )
    with pytest.raises(TypeError):
        compiled.instances(course=1)


@pytest.mark.django_db(transaction=True)
def test_a_stream_closed_early_inside_a_transaction_leaves_it_usable():
    from django.db import connection, transaction

    course = CourseFactory()
    compiled = Compiled(sessions_after, course=int, now=datetime)
    with transaction.atomic():
        rows = compiled.stream(chunk_size=1, course=course.pk, now=timezone.now())
        next(rows)
        rows.close()  # a download dropped part way, inside someone's transaction
        assert not connection.needs_rollback
        Session.objects.filter(course=course, number=1).update(is_cancelled=True)
    assert Session.objects.get(course=course, number=1).is_cancelled


@pytest.mark.django_db(transaction=True)
def test_a_row_lock_is_refused_outside_a_transaction_every_time_not_only_when_compiled():
    """Django checks select_for_update when it compiles a query; compiled once (inside a
    transaction), the SQL would otherwise run later in autocommit, its lock let go at
    once."""
    course = CourseFactory()
    locked = Compiled(
        lambda pk: Course.objects.select_for_update().filter(pk=pk).order_by()[:1], pk=int
    )
    with transaction.atomic():
        assert [c.pk for c in locked.instances(pk=course.pk)] == [course.pk]
    with pytest.raises(TransactionManagementError):
        locked.instances(pk=course.pk)


def test_prefetch_related_is_refused_as_it_would_not_be_done():
    compiled = Compiled(
        lambda pk: Course.objects.filter(pk=pk).prefetch_related("sessions"), pk=int
    )
    with pytest.raises(TypeError, match="prefetch_related"):
        compiled.instances(pk=1)
