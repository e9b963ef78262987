"""Every write to the rota takes its row locks in the documented order (the docstring of
facilitators/services.py): sessions, then session claims, then cover requests, then
facilitator profiles. Two writers that lock in opposite orders can deadlock."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from facilitators.models import CoverRequest
from facilitators.services import (
    course_claim,
    cover_request_accept,
    cover_request_create,
    cover_request_withdraw,
    slot_assign,
    slot_claim,
    slot_release,
)
from hope.roles import FacilitatorKind
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    SessionClaimFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db

ORDER = [
    "programmes_session",
    "facilitators_sessionclaim",
    "facilitators_coverrequest",
    "facilitators_facilitatorprofile",
]


def tables_locked(queries) -> list[str]:
    """The tables each FOR UPDATE reads, in the order they are first locked."""
    first = []
    for query in queries:
        sql = query["sql"]
        if "FOR UPDATE" not in sql:
            continue
        table = re.search(r'FROM "(\w+)"', sql).group(1)
        if table not in first:
            first.append(table)
    return first


def assert_documented_order(action) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        action()
    locked = tables_locked(queries.captured_queries)
    assert locked == sorted(locked, key=ORDER.index), locked
    return locked


@pytest.fixture
def setting(programme, coordinator):
    course = CourseFactory(programme=programme)
    people = []
    for _ in range(2):
        profile = FacilitatorProfileFactory(kind=FacilitatorKind.WORKFORCE)
        TrainingFactory(profile=profile, programme=programme)
        people.append(profile)
    return course, people, coordinator


def test_claim_release_and_assign_lock_in_order(setting):
    course, (first, second), coordinator = setting
    session = course.sessions.get(number=1)
    claim = None

    def claim_it():
        nonlocal claim
        claim = slot_claim(session=session, facilitator=first, by=first.user)

    assert_documented_order(claim_it)
    assert_documented_order(lambda: slot_release(claim=claim, by=coordinator))
    assert_documented_order(
        lambda: slot_assign(session=session, facilitator=second, by=coordinator)
    )
    others = [s.pk for s in course.sessions.exclude(number=1)]
    assert_documented_order(
        lambda: course_claim(course=course, facilitator=first, session_ids=others, by=first.user)
    )


def test_cover_requests_lock_in_order(setting):
    course, (holder, colleague), coordinator = setting
    claim = SessionClaimFactory(session=course.sessions.get(number=2), facilitator=holder)
    assert_documented_order(lambda: cover_request_create(claim=claim, by=holder.user))
    request = CoverRequest.objects.get()
    locked = assert_documented_order(
        lambda: cover_request_accept(request=request, facilitator=colleague, by=colleague.user)
    )
    assert locked == ORDER  # accepting touches all four
    claim = SessionClaimFactory(session=course.sessions.get(number=3), facilitator=holder)
    cover_request_create(claim=claim, by=holder.user)
    assert_documented_order(
        lambda: cover_request_withdraw(request=CoverRequest.objects.open().get(), by=holder.user)
    )
