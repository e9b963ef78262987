"""The participant record's lists (their places, rides to come, each place's register and
scores), read as plain rows of the few columns they print and written here rather than by
the template: ride, session, course, driver, register line and score instances, through
prefetching and a dozen template nodes a line, were a third of the record's time. The
markup is the template's own (templates/programmes/participant_detail.html).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from html import escape

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from hope.compiled import Compiled
from hope.links import RowLink
from programmes.measures import Timepoint
from programmes.models import (
    Arranged,
    Attendance,
    Course,
    Direction,
    Mark,
    Participant,
    Place,
    Programme,
    Referral,
    ReferralSource,
    ReferralStatus,
    Ride,
    Score,
)
from programmes.models.participants import days_waited

_DIRECTIONS = dict(Direction.choices)
_ARRANGED = dict(Arranged.choices)
_MARKS = dict(Mark.choices)
_TIMEPOINTS = dict(Timepoint.choices)
_SOURCES = dict(ReferralSource.choices)
_STATUSES = dict(ReferralStatus.choices)


# The record's lists, compiled once a process (hope/compiled.py): building and compiling
# these querysets cost Django more than PostgreSQL took to run them.

# What the record shows of each place, in the order of Place's fields (``from_db`` takes
# them so), then its course's title and programme and the programme's measures (for the
# score forms): not every column of three tables.
_PLACE_FIELDS = (
    "id", "course_id", "participant_id", "status", "waiting_since", "offered_at",
    "offer_expires_at", "enrolled_at", "left_at", "feedback",
)  # fmt: skip
_PLACES = Compiled(
    lambda participant: (
        Place.objects.filter(participant=participant)
        .order_by("-waiting_since", "-pk")
        .values_list(
            *_PLACE_FIELDS, "course__title", "course__programme", "course__programme__measures"
        )
    ),
    participant=int,
)
_RIDES_TO_COME = Compiled(
    lambda participant, now: (
        Ride.objects.live()
        .upcoming(now)
        .filter(participant=participant)
        .order_by("start", "pk")
        .values_list(
            "pk",
            "direction",
            "arranged",
            "cover_wanted_at",
            "session__start",
            "session__number",
            "session__course__title",
            "driver_id",
            "driver__full_name",
        )
    ),
    participant=int,
    now=datetime,
)
_REGISTERS = Compiled(
    lambda participant: (
        Attendance.objects.filter(place__participant=participant)
        .order_by("start")
        .values_list(
            "place_id", "session__number", "start", "mark", "expected", "session__is_cancelled"
        )
    ),
    participant=int,
)
_REFERRALS = Compiled(
    lambda participant: (
        Referral.objects.filter(participant=participant)
        .order_by("-received_on", "-pk")
        .values_list("received_on", "source", "referrer", "course__title", "status", "closed_on")
    ),
    participant=int,
)
_SCORES = Compiled(
    lambda participant: (
        Score.objects.filter(place__participant=participant)
        .order_by("measure", "timepoint")
        .values_list("place_id", "measure", "timepoint", "total", "metric", "level")
    ),
    participant=int,
)


def record_places(participant: Participant) -> list[Place]:
    """Their places, latest first, each with its course (its title) and the course's
    programme (its measures), and whose place it is: instances of only those columns. One
    query."""
    db, places = participant._state.db, []
    for row in _PLACES.rows(participant=participant.pk):
        place = Place.from_db(db, _PLACE_FIELDS, row[:10])
        course_id, title, programme_id, measures = row[1], *row[10:]
        place.course = Course.from_db(
            db, ("id", "title", "programme_id"), (course_id, title, programme_id)
        )
        place.course.programme = Programme.from_db(db, ("id", "measures"), (programme_id, measures))
        place.participant = participant
        places.append(place)
    return places


def ride_lines(participant: Participant) -> list[SafeString]:
    """Their rides to come, soonest first: when and which way, the course and session,
    and who drives (or how it is arranged). One query."""
    detail = RowLink("programmes:ride_detail")
    lines = []
    for (
        pk,
        direction,
        arranged,
        cover_wanted_at,
        start,
        number,
        title,
        driver_id,
        driver,
    ) in _RIDES_TO_COME.rows(participant=participant.pk, now=timezone.now()):
        if driver_id:
            who = escape(driver) + (" (asked for cover)" if cover_wanted_at else "")
        elif arranged:
            who = f"Arranged: {escape(_ARRANGED.get(arranged, arranged).lower())}"
        else:
            who = "<strong>No driver yet</strong>"
        way = escape(_DIRECTIONS.get(direction, direction).lower())
        lines.append(
            mark_safe(  # noqa: S308 - every value escaped, or a number
                f'<a href="{detail(pk)}">{timezone.localtime(start):%a %-d %b}, {way}</a> '
                f"({escape(title)}, session {int(number)}):\n      {who}"
            )
        )
    return lines


def record_referrals(participant: Participant, today: date) -> list[dict]:
    """Their referrals, newest first, as the record's table prints them. One query."""
    return [
        {
            "received_on": received_on,
            "source": _SOURCES.get(source, source),
            "referrer": referrer,
            "course_title": course_title,
            "status": _STATUSES.get(status, status),
            "waited": days_waited(received_on, closed_on, today),
        }
        for received_on, source, referrer, course_title, status, closed_on in _REFERRALS.rows(
            participant=participant.pk
        )
    ]


def register_lines(participant: Participant) -> dict[int, list[SafeString]]:
    """Each of their places' registers, by place: every session's line in order, with
    its mark, or why there is none. One query."""
    lines: dict[int, list[SafeString]] = defaultdict(list)
    for place_id, number, start, mark, expected, cancelled in _REGISTERS.rows(
        participant=participant.pk
    ):
        if mark:
            said = f"<strong>{escape(_MARKS.get(mark, mark))}</strong>"
        elif not expected:
            said = "no longer expected"
        else:
            said = "cancelled" if cancelled else "not marked yet"
        start = timezone.localtime(start)
        lines[place_id].append(
            mark_safe(  # noqa: S308 - every value escaped, or a number
                f"Session {int(number)}, {start:%a} {start.day} {start:%b %Y}: {said}"
            )
        )
    return lines


def score_lines(participant: Participant) -> dict[int, list[SafeString]]:
    """Each of their places' scores, by place, by measure then time point: the total,
    and the metric score or level where the measure has one. One query."""
    lines: dict[int, list[SafeString]] = defaultdict(list)
    for place_id, measure, timepoint, total, metric, level in _SCORES.rows(
        participant=participant.pk
    ):
        # The template's own filters: floatformat:"-1" for the total, the metric as
        # {{ }} prints a number.
        line = (
            f"{escape(measure.upper())}, {escape(_TIMEPOINTS.get(timepoint, timepoint).lower())}:"
            f" <strong>{floatformat(total, '-1')}</strong>"
        )
        if metric is not None:
            line += f" (metric score {localize(metric)})"
        if level:
            line += f", level {int(level)}"
        lines[place_id].append(mark_safe(line))  # noqa: S308 - every value escaped, or a number
    return lines
