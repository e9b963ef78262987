"""A queryset compiled once gives, for any values, the rows the queryset itself gives."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from hope.compiled import Compiled
from hope.models import Invitation
from hope.roles import Role
from programmes.models import Session
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
