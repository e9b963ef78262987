"""A queryset compiled once gives, for any values, the rows the queryset itself gives."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
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
