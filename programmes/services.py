"""Writes to courses and sessions. Each runs in one transaction and leaves an audit line."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from facilitators.reminders import notify_session_changed
from facilitators.services import release_for_cancelled_sessions, sync_claim_times
from hope.audit import audit_record
from hope.models import User
from programmes.models import Course, CourseStatus, Programme, Session
from programmes.scheduling import plan_sessions
from venues.models import Venue


class CourseError(Exception):
    """A change that cannot be made; the message is for the coordinator."""


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
        super().__init__(message)


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
) -> Course:
    planned = plan_sessions(
        programme=programme, first_day=first_day, start_time=start_time, venue=venue
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
    """Change the course; a new venue applies to its future sessions at the old venue."""
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == CourseStatus.CANCELLED:
            raise CourseError("This course is cancelled and can no longer be changed.")
        old_venue = course.venue
        moving = []
        if venue != old_venue:
            moving = list(
                course.sessions.filter(start__gt=now, is_cancelled=False, venue=old_venue)
            )
        slots = [(s.start, s.end) for s in moving]

        def write() -> None:
            course.title, course.capacity, course.status, course.venue = (
                title,
                capacity,
                status,
                venue,
            )
            course.save()
            Session.objects.filter(pk__in=[s.pk for s in moving]).update(venue=venue)

        _save_or_clash(venue, slots, write)
        audit_record(
            actor=by,
            action="course.changed",
            target=course,
            summary=f"Changed “{title}”"
            + (f"; {len(moving)} future sessions moved to {venue or 'online'}" if moving else ""),
        )
    return course


def course_cancel(*, course: Course, by: User) -> int:
    """Cancel the course and its future sessions; past sessions stay as they were."""
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == CourseStatus.CANCELLED:
            raise CourseError("This course is already cancelled.")
        future = list(course.sessions.filter(start__gt=now, is_cancelled=False))
        cancelled = course.sessions.filter(pk__in=[s.pk for s in future]).update(is_cancelled=True)
        release_for_cancelled_sessions(sessions=future, by=by)
        for session in future:
            session.is_cancelled = True
            notify_session_changed(session=session, cancelled=True)
        course.status = CourseStatus.CANCELLED
        course.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=by,
            action="course.cancelled",
            target=course,
            summary=f"Cancelled “{course.title}” and {cancelled} future sessions",
        )
    return cancelled


def _lock_future_session(session: Session) -> Session:
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    if session.is_cancelled:
        raise CourseError("This session is cancelled.")
    if session.is_past():
        raise CourseError("This session has already started; past sessions stay as they were.")
    return session


def session_change(*, session: Session, start: datetime, venue: Venue | None, by: User) -> Session:
    """Move one session and/or change its venue, keeping its length."""
    if start <= timezone.now():
        raise CourseError("A session can only be moved to a time in the future.")
    with transaction.atomic():
        session = _lock_future_session(session)
        end = start + session.duration
        before = (session.start, session.venue_id)

        def write() -> None:
            session.start, session.end, session.venue = start, end, venue
            session.save()
            try:
                with transaction.atomic():
                    sync_claim_times(session=session)
            except IntegrityError as error:
                if "facilitators_claim_no_overlap_per_person" not in str(error):
                    raise
                raise CourseError(
                    "One of this session's facilitators runs another session at that time. "
                    "Release or reassign them first, or choose another time."
                ) from None

        _save_or_clash(venue, [(start, end)], write, exclude_pk=session.pk)
        notify_session_changed(session=session)
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
        session.save(update_fields=["is_cancelled", "updated_at"])
        release_for_cancelled_sessions(sessions=[session], by=by)
        notify_session_changed(session=session, cancelled=True)
        audit_record(
            actor=by,
            action="session.cancelled",
            target=session,
            summary=f"Cancelled “{session.course.title}” session {session.number}",
        )
    return session
