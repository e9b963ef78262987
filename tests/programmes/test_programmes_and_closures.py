from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent
from programmes.models import SESSION_ON_OPEN_DAY_SQL, ClosureDate, Programme, Session
from tests.factories import ClosureDateFactory, CourseFactory, ProgrammeFactory, VenueFactory

LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.django_db

GOOD_PROGRAMME = {
    "name": "HOPE for carers",
    "description": "For people caring for someone.",
    "sessions_per_course": "6",
    "session_length": "2:30:00",
    "usual_group_size": "12",
    "delivery": "in_person",
    "completion_min_sessions": "3",
    "is_active": "on",
}


def test_coordinator_adds_and_changes_a_programme(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("programmes:programme_create"), GOOD_PROGRAMME)
    assert response.status_code == 302
    programme = Programme.objects.get()
    assert programme.session_length == timedelta(hours=2, minutes=30)
    response = client.post(
        reverse("programmes:programme_edit", args=[programme.pk]),
        {**GOOD_PROGRAMME, "sessions_per_course": "8", "session_length": "2:00:00"},
    )
    programme.refresh_from_db()
    assert programme.sessions_per_course == 8
    assert AuditEvent.objects.filter(action="programme.changed", actor=coordinator).exists()
    html = client.get(reverse("programmes:programme_list")).content.decode()
    assert "2 h" in html and "HOPE for carers" in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"completion_min_sessions": "7"}, "completion_min_sessions", "Cannot be more than the 6"),
        ({"session_length": "0:00:00"}, "session_length", "Enter a length between"),
        (
            {"session_length": "soon"},
            "session_length",
            "Enter the length of a session in hours, minutes and seconds, like 2:30:00.",
        ),
        ({"sessions_per_course": "0"}, "sessions_per_course", "must be 1 or more"),
        ({"delivery": "carrier pigeon"}, "delivery", "Choose how it is delivered from the list."),
    ],
)
def test_bad_programme_input_is_refused_at_the_field(
    client, coordinator, overrides, field, message
):
    client.force_login(coordinator)
    response = client.post(reverse("programmes:programme_create"), {**GOOD_PROGRAMME, **overrides})
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not Programme.objects.exists()


def test_duplicate_programme_name_is_refused(client, coordinator):
    ProgrammeFactory(name="HOPE for Carers")
    client.force_login(coordinator)
    response = client.post(reverse("programmes:programme_create"), GOOD_PROGRAMME)
    assert response.status_code == 200
    assert Programme.objects.count() == 1


def test_coordinator_adds_and_removes_closures(client, coordinator):
    client.force_login(coordinator)
    day = timezone.localdate() + timedelta(days=40)
    response = client.post(
        reverse("programmes:closure_list"), {"date": day.isoformat(), "reason": "Training day"}
    )
    assert response.status_code == 302
    closure = ClosureDate.objects.get()
    response = client.post(
        reverse("programmes:closure_list"), {"date": day.isoformat(), "reason": "Again"}
    )
    assert response.status_code == 200
    assert "already entered" in response.context["form"].errors["date"][0]
    assert ClosureDate.objects.count() == 1
    client.post(reverse("programmes:closure_delete", args=[closure.pk]))
    assert not ClosureDate.objects.exists()


def test_closure_needs_a_date_and_reason(client, coordinator):
    ClosureDateFactory()
    client.force_login(coordinator)
    response = client.post(reverse("programmes:closure_list"), {"date": "31/02/2027", "reason": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "date" in errors and "reason" in errors
    assert ClosureDate.objects.count() == 1


def test_the_team_chooses_a_programmes_outcome_measures(client, coordinator):
    from programmes.measures import Measure

    client.force_login(coordinator)
    data = {
        "name": "HOPE for carers",
        "sessions_per_course": "6",
        "session_length": "2:30:00",
        "usual_group_size": "12",
        "delivery": "in_person",
        "completion_min_sessions": "4",
        "measures": [Measure.WEMWBS, Measure.PAM],
        "is_active": "on",
    }
    assert client.post(reverse("programmes:programme_create"), data).status_code == 302
    assert Programme.objects.get(name="HOPE for carers").measures == [Measure.WEMWBS, Measure.PAM]
    data["name"], data["measures"] = "HOPE for everyone", ["made-up"]
    response = client.post(reverse("programmes:programme_create"), data)
    assert response.context["form"].errors["measures"] == [
        "Choose the outcome measures from the list."
    ]
    assert not Programme.objects.filter(name="HOPE for everyone").exists()


def test_the_sql_for_sessions_on_open_days_agrees_with_the_queryset():
    """SESSION_ON_OPEN_DAY_SQL (for queries written as SQL) and on_open_days(): a
    team-wide closure shuts every session that local day, online ones too; a venue's
    shuts its own sessions only; a session late in the evening is on its local day."""
    riverside, elsewhere = VenueFactory(), VenueFactory()
    first = datetime(2030, 6, 3, 10, tzinfo=LONDON)  # British Summer Time: UTC+1
    course = CourseFactory(venue=riverside, first_start=first)
    online = CourseFactory(venue=None, first_start=first)
    ClosureDateFactory(date=date(2030, 6, 10), venue=None)  # week 2, everyone
    ClosureDateFactory(date=date(2030, 6, 17), venue=riverside)  # week 3
    ClosureDateFactory(date=date(2030, 6, 24), venue=elsewhere)  # week 4, not theirs
    # Week 5's session moved to 00:30 local time, 23:30 UTC the day before a closure
    # that shuts the online course's week 5.
    late = course.sessions.get(number=5)
    late.start = datetime(2030, 7, 2, 0, 30, tzinfo=LONDON)
    late.end = late.start + timedelta(hours=2)
    late.save()
    ClosureDateFactory(date=date(2030, 7, 1), venue=None)

    ids = [s.pk for s in Session.objects.all()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id FROM programmes_session s WHERE s.id = ANY(%(ids)s) "  # noqa: S608
            f"AND {SESSION_ON_OPEN_DAY_SQL}",
            {"ids": ids, "time_zone": settings.TIME_ZONE},
        )
        open_by_sql = {pk for (pk,) in cursor.fetchall()}
    open_days = set(Session.objects.on_open_days().values_list("pk", flat=True))
    assert open_by_sql == open_days
    assert late.pk in open_days
    closed = set(ids) - open_days
    assert closed == {
        course.sessions.get(number=2).pk,
        online.sessions.get(number=2).pk,
        course.sessions.get(number=3).pk,
        online.sessions.get(number=5).pk,
    }
