"""Writes to courses and sessions. Each runs in one transaction and leaves an audit line.

What other apps need to hear is announced with the signals in ``programmes/signals.py``,
sent inside the same transaction once the rows are written:
- ``sessions_moved`` by ``session_change`` and by ``course_update`` (new venue);
- ``sessions_cancelled`` by ``session_cancel`` and ``course_cancel``;
- ``course_unpublished`` by ``course_update`` when a course goes back to Draft.
Participants are programmes' own: the same services tell them directly
(``programmes/notices.py``), in the same transaction, and withdraw their queued reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from hope.audit import audit_record
from hope.models import User
from programmes.models import Attendance, ClosureDate, Course, CourseStatus, Programme, Session
from programmes.notices import (
    course_notice_places,
    notify_course_changed,
    notify_sessions_changed,
    session_notice_lines,
    who_hears,
    withdraw_reminders,
)
from programmes.public import forget_listing
from programmes.scheduling import PlannedSession, closed_reason, plan_sessions
from programmes.services.participants import (
    places_held,
    places_offer_free,
    session_attendance_follow,
)
from programmes.services.rides import rides_follow
from programmes.signals import (
    course_unpublished,
    sessions_cancelled,
    sessions_held_by,
    sessions_moved,
)
from venues.models import Venue

# Two facilitators share the room with the group.
FACILITATORS_PER_SESSION = 2


class CourseError(Exception):
    """A change that cannot be made; the message is for the coordinator. ``field`` names
    the form field it is about, when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class VenueClash(CourseError):
    def __init__(self, venue: Venue, clash: Session | None):
        self.clash = clash
        if clash is None:
            message = f"{venue} was booked by someone else at the same moment; try again."
        else:
            local_start = timezone.localtime(clash.start)
            local_end = timezone.localtime(clash.end)
            message = (
                f"{venue} is already booked for “{clash.course.title}”, session "
                f"{clash.number}, on {date_format(local_start, 'l j F Y')} from "
                f"{local_start:%H:%M} to {local_end:%H:%M}."
            )
        super().__init__(message, field="venue")


def check_course_venue(*, programme: Programme, venue: Venue | None, capacity: int) -> None:
    """An in-person course needs a venue, and its places must fit the room with the two
    facilitators. Raises CourseError."""
    if venue is None and not programme.is_online:
        raise CourseError(f"Choose a venue: {programme} is delivered in person.", field="venue")
    if venue is not None and capacity:
        most = venue.room_capacity - FACILITATORS_PER_SESSION
        if capacity > most:
            raise CourseError(
                f"The room at {venue} holds {venue.room_capacity} people, so a course there "
                f"can take at most {most} participants alongside two facilitators.",
                field="capacity",
            )


def first_clash(venue: Venue | None, slots, exclude_pk=None) -> Session | None:
    """The first booking at ``venue`` overlapping any (start, end) slot; a query per slot."""
    for start, end in slots:
        clash = (
            Session.objects.clashing_with(venue=venue, start=start, end=end, exclude_pk=exclude_pk)
            .select_related("course")
            .first()
        )
        if clash is not None:
            return clash
    return None


def _save_or_clash(venue: Venue | None, slots, write, exclude_pk=None):
    """Run ``write`` in a savepoint; a venue overlap becomes a VenueClash naming the other booking.

    The explicit check gives the friendly message in the common case; the exclusion
    constraint is what holds when two coordinators save at the same moment.
    """
    clash = first_clash(venue, slots, exclude_pk)
    if clash is not None:
        raise VenueClash(venue, clash)
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as error:
        if "programmes_session_no_venue_overlap" not in str(error):
            raise
        raise VenueClash(venue, first_clash(venue, slots, exclude_pk)) from None


def course_plan(
    *,
    programme: Programme,
    venue: Venue | None,
    first_day: date,
    start_time: time,
    capacity: int,
    already_ran: bool = False,
) -> list[PlannedSession]:
    """The sessions a new course would have, or CourseError/SchedulingError saying why it
    cannot be planned. The preview and ``course_create`` both go through here.
    ``already_ran`` records a course from the past (the demo's history, an import)."""
    check_course_venue(programme=programme, venue=venue, capacity=capacity)
    planned = plan_sessions(
        programme=programme, first_day=first_day, start_time=start_time, venue=venue
    )
    if not already_ran and planned[0].start <= timezone.now():
        raise CourseError("The first session must be in the future.", field="first_day")
    clash = first_clash(venue, [(p.start, p.end) for p in planned])
    if clash is not None:
        raise VenueClash(venue, clash)
    return planned


def course_create(
    *,
    title: str,
    programme: Programme,
    venue: Venue | None,
    first_day: date,
    start_time: time,
    capacity: int,
    status: str,
    by: User,
    already_ran: bool = False,
) -> Course:
    planned = course_plan(
        programme=programme,
        venue=venue,
        first_day=first_day,
        start_time=start_time,
        capacity=capacity,
        already_ran=already_ran,
    )
    slots = [(p.start, p.end) for p in planned]

    def write() -> Course:
        course = Course.objects.create(
            title=title,
            programme=programme,
            venue=venue,
            capacity=capacity,
            status=status,
            created_by=by,
        )
        Session.objects.bulk_create(
            Session(course=course, number=p.number, start=p.start, end=p.end, venue=venue)
            for p in planned
        )
        return course

    with transaction.atomic():
        course = _save_or_clash(venue, slots, write)
        audit_record(
            actor=by,
            action="course.created",
            target=course,
            summary=f"Created “{title}” with {len(planned)} sessions "
            f"from {planned[0].start:%d %b %Y}",
        )
    return course


def course_update(
    *, course: Course, title: str, capacity: int, status: str, venue: Venue | None, by: User
) -> Course:
    """Change the course; a new venue applies to its future sessions at the old venue.

    Back to Draft, the future sessions are no longer promised to anyone: receivers of
    ``course_unpublished`` release whoever holds them, with notice.
    """
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().select_related("programme").get(pk=course.pk)
        if course.status == CourseStatus.CANCELLED:
            raise CourseError("This course is cancelled and can no longer be changed.")
        check_course_venue(programme=course.programme, venue=venue, capacity=capacity)
        held = places_held(course)
        if capacity < held:
            raise CourseError(
                f"{held} people hold places on this course (enrolled or offered), so it "
                f"needs at least {held} places. Withdraw someone first to make it smaller.",
                field="capacity",
            )
        old_venue, old_status = course.venue, course.status
        moving = []
        if venue != old_venue:
            moving = list(
                course.sessions.upcoming(now)
                .filter(is_cancelled=False, venue=old_venue)
                .select_for_update()
                .order_by("pk")
            )
        if moving and venue is not None:
            _check_venue_open(venue, moving)
        slots = [(s.start, s.end) for s in moving]

        def write() -> None:
            course.title, course.capacity, course.status, course.venue = (
                title,
                capacity,
                status,
                venue,
            )
            course.save()
            for session in moving:
                session.venue = venue
                session.revision += 1
                session.save(update_fields=["venue", "revision", "updated_at"])

        _save_or_clash(venue, slots, write)
        if capacity > held:
            # New places go to the people already waiting, in their order, before anyone new.
            places_offer_free(course, now)
        # Back to Draft is announced before the move: its holders are released with the
        # one notice that matters (no longer yours), and the move has nobody left to tell.
        if old_status == CourseStatus.PUBLISHED and status == CourseStatus.DRAFT:
            future = list(
                course.sessions.upcoming(now).filter(is_cancelled=False).order_by("start", "pk")
            )
            course_unpublished.send(sender=Course, course=course, sessions=future, by=by)
            # A draft's sessions are not promised: no reminders until it is published again.
            withdraw_reminders(future)
        if moving:
            sessions_moved.send(sender=Session, sessions=moving, by=by)
            notify_course_changed(course=course, sessions=moving, what="moved")
        # Published, back to draft, or another venue: the rides follow.
        rides_follow(lines=Attendance.objects.filter(session__course=course), now=now)
        audit_record(
            actor=by,
            action="course.changed",
            target=course,
            summary=f"Changed “{title}”"
            + (f"; {len(moving)} future sessions moved to {venue or 'online'}" if moving else "")
            + ("; back to draft" if old_status != status == CourseStatus.DRAFT else ""),
        )
    return course


def _check_venue_open(venue: Venue, sessions: list[Session]) -> None:
    """Sessions moving to ``venue`` must not land on one of its own closures; raises
    CourseError. (Team-wide closures and bank holidays close a day wherever the session
    is, so a new venue changes nothing about them.) One query."""
    by_day: dict[date, Session] = {}
    for session in sorted(sessions, key=lambda s: s.start):
        by_day.setdefault(timezone.localtime(session.start).date(), session)
    closure = ClosureDate.objects.filter(venue=venue, date__in=by_day).order_by("date").first()
    if closure is not None:
        raise CourseError(
            f"{venue} is closed on {date_format(closure.date, 'l j F Y')} ({closure.reason}), "
            f"the day of session {by_day[closure.date].number}. Move that session first, or "
            "choose another venue.",
            field="venue",
        )


@dataclass(frozen=True)
class CancelEffects:
    """What cancelling would do, worked out by the rules the cancelling services follow,
    for the page that asks first."""

    sessions: list[Session]  # the sessions cancelled: future ones, not cancelled already
    facilitators: list[str]  # who holds them: freed and told
    participants_told: int  # participants who get a message
    participants_not_told: list[str]  # affected, but no automatic message reaches them

    @property
    def session_count(self) -> int:
        return len(self.sessions)


def _sessions_to_cancel(course: Course, now: datetime):
    """Cancelling a course cancels these; past sessions stay as they were."""
    return course.sessions.upcoming(now).filter(is_cancelled=False)


def _effects(sessions: list[Session], participants) -> CancelEffects:
    holders = [
        name
        for _, names in sessions_held_by.send(sender=Session, sessions=sessions)
        for name in names or []
    ]
    reached, not_reached = who_hears(participants)
    return CancelEffects(
        sessions=sessions,
        facilitators=sorted(holders),
        participants_told=len(reached),
        participants_not_told=sorted(p.full_name or str(p) for p in not_reached),
    )


def course_cancel_effects(course: Course) -> CancelEffects:
    """What ``course_cancel`` would do now: nobody is told when no session is left to
    cancel. Three queries, whatever the course's size."""
    sessions = list(_sessions_to_cancel(course, timezone.now()).order_by("start", "pk"))
    if not sessions:
        return _effects([], [])
    places = course_notice_places(course, "cancelled")
    return _effects(sessions, [place.participant for place in places])


def session_cancel_effects(session: Session) -> CancelEffects:
    """What ``session_cancel`` would do now. Two queries."""
    if session.is_cancelled or session.has_started():
        return _effects([], [])
    lines = session_notice_lines([session])
    return _effects([session], [line.participant for line in lines])


def course_cancel(*, course: Course, by: User) -> int:
    """Cancel the course and its future sessions; past sessions stay as they were."""
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == CourseStatus.CANCELLED:
            raise CourseError("This course is already cancelled.")
        future = list(_sessions_to_cancel(course, now).select_for_update().order_by("pk"))
        for session in future:
            session.is_cancelled = True
            session.revision += 1
            session.save(update_fields=["is_cancelled", "revision", "updated_at"])
        cancelled = len(future)
        if future:
            _attendance_follow(future)
            sessions_cancelled.send(sender=Session, sessions=future, by=by)
            notify_course_changed(course=course, sessions=future, what="cancelled")
        course.status = CourseStatus.CANCELLED
        course.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=by,
            action="course.cancelled",
            target=course,
            summary=f"Cancelled “{course.title}” and {cancelled} future sessions",
        )
    return cancelled


def _attendance_follow(sessions: list[Session]) -> None:
    """Participants' register lines follow their sessions' times; a move that would give
    a participant two courses at once is refused."""
    try:
        with transaction.atomic():
            session_attendance_follow(sessions=sessions)
    except IntegrityError as error:
        if "programmes_attendance_no_overlap_per_person" not in str(error):
            raise
        raise CourseError(
            "A participant on this course has a place on another course at that time. "
            "Choose another time.",
            field="day",
        ) from None


def _lock_future_session(session: Session) -> Session:
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("course__programme")
        .get(pk=session.pk)
    )
    if session.is_cancelled:
        raise CourseError("This session is cancelled.")
    if session.has_started():
        raise CourseError("This session has already started; past sessions stay as they were.")
    return session


def session_change(*, session: Session, start: datetime, venue: Venue | None, by: User) -> Session:
    """Move one session and/or change its venue, keeping its length."""
    if start <= timezone.now():
        raise CourseError("A session can only be moved to a time in the future.", field="day")
    with transaction.atomic():
        session = _lock_future_session(session)
        if venue is None and not session.course.programme.is_online:
            raise CourseError(
                "Choose a venue: this programme is delivered in person.", field="venue"
            )
        day = timezone.localtime(start).date()
        reason = closed_reason(day, venue)
        if reason is not None:
            raise CourseError(
                f"{date_format(day, 'l j F Y')} is closed ({reason}). Choose another date.",
                field="day",
            )
        end = start + session.duration
        before = (session.start, session.venue_id)

        def write() -> None:
            session.start, session.end, session.venue = start, end, venue
            session.revision += 1
            session.save()
            # Receivers may refuse the move with a CourseError (a facilitator would
            # hold two sessions at once); the savepoint then rolls it back.
            _attendance_follow([session])
            sessions_moved.send(sender=Session, sessions=[session], by=by)
            notify_sessions_changed(sessions=[session], what="moved")

        _save_or_clash(venue, [(start, end)], write, exclude_pk=session.pk)
        audit_record(
            actor=by,
            action="session.changed",
            target=session,
            summary=(
                f"“{session.course.title}” session {session.number}: "
                f"{timezone.localtime(before[0]):%d %b %Y %H:%M} → "
                f"{timezone.localtime(start):%d %b %Y %H:%M} at {venue or 'online'}"
            ),
        )
    return session


def session_cancel(*, session: Session, by: User) -> Session:
    with transaction.atomic():
        session = _lock_future_session(session)
        session.is_cancelled = True
        session.revision += 1
        session.save(update_fields=["is_cancelled", "revision", "updated_at"])
        _attendance_follow([session])
        sessions_cancelled.send(sender=Session, sessions=[session], by=by)
        notify_sessions_changed(sessions=[session], what="cancelled")
        audit_record(
            actor=by,
            action="session.cancelled",
            target=session,
            summary=f"Cancelled “{session.course.title}” session {session.number}",
        )
    return session


def programmes_list_publicly(*, listed: list[Programme], by: User) -> list[str]:
    """Which programmes' courses appear on the public pages ("Find a course"): exactly
    those in ``listed``. Returns the names of those that changed, for the message."""
    with transaction.atomic():
        listed_ids = {programme.pk for programme in listed}
        changed = [
            programme
            for programme in Programme.objects.select_for_update().order_by("pk")
            if programme.is_listed != (programme.pk in listed_ids)
        ]
        for programme in changed:
            programme.is_listed = programme.pk in listed_ids
            programme.save(update_fields=["is_listed", "updated_at"])
            # Now, and again once committed, in case a visitor rebuilt it in between.
            forget_listing()
            transaction.on_commit(forget_listing)
            audit_record(
                actor=by,
                action="programme.listing_changed",
                target=programme,
                summary=f"{'Listed' if programme.is_listed else 'Unlisted'} “{programme.name}” "
                "on the public pages",
            )
    return [programme.name for programme in changed]
