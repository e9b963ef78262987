"""Demo programmes, venues and a year of courses for `seed_demo` (relative to today)."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.utils import timezone

from hope.models import User
from programmes.models import ClosureDate, Course, CourseStatus, Delivery, Programme
from programmes.services import CourseError, course_cancel, course_create
from venues.models import Setting, Venue

PROGRAMMES = [
    dict(
        name="HOPE for people with long-term conditions",
        description="Six weekly sessions on living well with one or more long-term conditions.",
    ),
    dict(
        name="HOPE for carers",
        description="For people caring for a family member or friend.",
    ),
    dict(
        name="HOPE for cancer survivors",
        description="For people living with and beyond cancer.",
        session_length=timedelta(hours=2),
        usual_group_size=10,
    ),
    dict(
        name="HOPE online",
        description="The core programme over video call, in eight shorter sessions.",
        sessions_per_course=8,
        session_length=timedelta(hours=2),
        usual_group_size=10,
        delivery=Delivery.ONLINE,
        completion_min_sessions=4,
    ),
]

VENUES = [
    dict(
        name="Riverside Community Centre",
        address="14 Mill Lane\nRiverside\nNorthgate",
        postcode="NG4 2RL",
        setting=Setting.COMMUNITY,
        room_capacity=20,
        hire_cost=Decimal("25.00"),
        contact_name="Brenda Kaye",
        contact_phone="01632 960123",
        step_free_access=True,
        accessible_toilet=True,
        hearing_loop=True,
        parking=True,
        near_public_transport=True,
        accessibility_notes="Lift to the first-floor meeting room. Free parking behind the centre.",
    ),
    dict(
        name="St Mark's Church Hall",
        address="Church Street\nNorthgate",
        postcode="NG1 5SM",
        setting=Setting.COMMUNITY,
        room_capacity=16,
        hire_cost=Decimal("15.00"),
        contact_name="Rev. Alan Petty",
        contact_phone="01632 960456",
        step_free_access=True,
        accessible_toilet=True,
        near_public_transport=True,
        accessibility_notes="Ramp at the side door. Street parking only.",
    ),
    dict(
        name="Oakfield Library",
        address="2 Oakfield Parade\nOakfield",
        postcode="NG7 1OL",
        setting=Setting.COMMUNITY,
        room_capacity=14,
        hire_cost=Decimal("0.00"),
        contact_email="oakfield.library@example.org",
        step_free_access=True,
        accessible_toilet=True,
        hearing_loop=True,
        near_public_transport=True,
        accessibility_notes="Room donated by the library. Bus stop outside.",
    ),
    dict(
        name="Parkside GP Surgery",
        address="Parkside Road\nNorthgate",
        postcode="NG3 9PS",
        setting=Setting.GP_SURGERY,
        room_capacity=12,
        hire_cost=Decimal("0.00"),
        step_free_access=True,
        accessible_toilet=True,
        parking=True,
    ),
    dict(
        name="Northgate Community Hospital",
        address="Seminar room 2, Hospital Lane\nNorthgate",
        postcode="NG2 8CH",
        setting=Setting.COMMUNITY_HOSPITAL,
        room_capacity=18,
        hire_cost=Decimal("40.00"),
        step_free_access=True,
        accessible_toilet=True,
        hearing_loop=True,
        parking=True,
        near_public_transport=True,
    ),
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def seed_courses(*, by: User) -> int:
    """Create the demo programmes, venues and about 30 courses spanning a year. Idempotent."""
    programmes = [
        Programme.objects.get_or_create(name=p["name"], defaults=p)[0] for p in PROGRAMMES
    ]
    venues = [Venue.objects.get_or_create(name=v["name"], defaults=v)[0] for v in VENUES]
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    ClosureDate.objects.get_or_create(
        date=monday + timedelta(weeks=5, days=2),
        venue=None,
        defaults={"reason": "Team training day"},
    )
    in_person = [p for p in programmes if not p.is_online]
    online = next(p for p in programmes if p.is_online)
    created = 0
    # Each venue has its own weekday; a new course starts there every eight weeks, from
    # half a year ago to half a year ahead, so the demo has past, running (started last
    # week, whatever today is) and upcoming courses.
    for v, venue in enumerate(venues):
        start_time = time(10, 0) if v % 2 == 0 else time(13, 30)
        for k, weeks in enumerate(range(-25, 27, 8)):
            first_day = monday + timedelta(weeks=weeks, days=v)
            programme = in_person[(v + k) % len(in_person)]
            title = (
                f"{programme.name.removeprefix('HOPE for ').capitalize()} – "
                f"{venue.name.split()[0]} {WEEKDAYS[v]}s from {first_day:%-d %b %Y}"
            )
            created += _course(
                title=title,
                programme=programme,
                venue=venue,
                first_day=first_day,
                start_time=start_time,
                by=by,
                draft=weeks > 20,
            )
    for weeks in (-12, 4):
        first_day = monday + timedelta(weeks=weeks, days=3)
        created += _course(
            title=f"HOPE online – Thursday evenings from {first_day:%-d %b %Y}",
            programme=online,
            venue=None,
            first_day=first_day,
            start_time=time(18, 30),
            by=by,
        )
    cancelled = Course.objects.filter(venue=venues[3], status=CourseStatus.PUBLISHED).last()
    if cancelled and not Course.objects.filter(status=CourseStatus.CANCELLED).exists():
        course_cancel(course=cancelled, by=by)
    return created


def _course(*, title, programme, venue, first_day, start_time, by, draft=False) -> int:
    if Course.objects.filter(title=title).exists():
        return 0
    capacity = min(programme.usual_group_size, venue.room_capacity - 2) if venue else 10
    try:
        course_create(
            title=title,
            programme=programme,
            venue=venue,
            first_day=first_day,
            start_time=start_time,
            capacity=capacity,
            status=CourseStatus.DRAFT if draft else CourseStatus.PUBLISHED,
            by=by,
            already_ran=True,
        )
    except CourseError:
        return 0  # a rare run of holidays pushed it into the next course's weeks
    return 1
