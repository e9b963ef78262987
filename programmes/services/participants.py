"""Referrals, places on courses, the waiting list and its offers, the register and scores.

Capacity: every write that can fill or free a place locks the course row first
(``SELECT … FOR UPDATE``), counts the places held (enrolled, or offered and not yet
lapsed) and decides; two coordinators enrolling at once queue on that lock, so a course
never goes over its places. The database is the backstop for the rest: one live place per
person per course (a partial unique constraint) and no two courses at once for one person
(an exclusion constraint over the register lines' times).

Audit summaries name records by number, never by a participant's name or needs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from hope.audit import audit_record
from hope.models import User
from programmes.measures import Measure, ScoreError, Timepoint, score_items, score_pam
from programmes.models import (
    CLOSED_REFERRAL_STATUSES,
    HOLDING_PLACE,
    Attendance,
    Course,
    CourseStatus,
    Mark,
    Participant,
    Place,
    PlaceStatus,
    Referral,
    ReferralStatus,
    Score,
    Session,
)
from programmes.notices import notify_participant, withdraw_reminders
from programmes.services.rides import rides_follow


class PlaceError(Exception):
    """The change to someone's place cannot be made; the message is for the coordinator."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Referrals ------------------------------------------------------------------------


def referral_create(*, participant: Participant, referral: Referral, by: User | None) -> Referral:
    """Save a new participant (or an existing one) with their referral."""
    with transaction.atomic():
        if participant.pk is None:
            participant.created_by = by
            # Nobody signed in made a self-referral: the record has no creator.
            participant.full_clean(exclude=["created_by"])
            participant.save()
        else:
            # Locked, as retention locks the rows it anonymises: a new referral either
            # lands first (and keeps the details) or sees the record already anonymised.
            participant = Participant.objects.select_for_update().get(pk=participant.pk)
            if participant.is_anonymised:
                raise PlaceError(
                    "This record was anonymised. Record them again as a new participant."
                )
        referral.participant = participant
        referral.created_by = by
        referral.full_clean(exclude=["created_by"])
        referral.save()
        audit_record(
            actor=by,
            action="referral.created",
            target=referral,
            summary=f"Recorded referral #{referral.pk} ({referral.get_source_display()}) "
            f"for participant #{participant.pk}",
        )
    return referral


def referral_set_status(*, referral: Referral, status: str, by: User) -> Referral:
    if status not in ReferralStatus.values:
        raise PlaceError("Choose a status from the list.", "status")
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        _set_referral_status(referral, status)
        audit_record(
            actor=by,
            action="referral.changed",
            target=referral,
            summary=f"Referral #{referral.pk} is now “{referral.get_status_display()}”",
        )
    return referral


# A change to one of these changes which rides they need.
TRANSPORT_FIELDS = {"needs_transport", "transport_legs"}


def participant_update(*, participant: Participant, values: dict, by: User) -> Participant:
    """Change someone's details or consents. The audit line names the fields changed,
    never their values (health details, addresses)."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.is_anonymised:
            raise PlaceError("This record was anonymised; its details can no longer change.")
        changed = [name for name, value in values.items() if getattr(participant, name) != value]
        for name in changed:
            setattr(participant, name, values[name])
        # Who created the record is history (empty once their account is deleted).
        participant.full_clean(exclude=["created_by"])
        if changed:
            participant.save(update_fields=[*changed, "updated_at"])
            if set(changed) & TRANSPORT_FIELDS:
                rides_follow(lines=participant.attendance.all())
            labels = ", ".join(
                str(Participant._meta.get_field(name).verbose_name) for name in changed
            )
            audit_record(
                actor=by,
                action="participant.changed",
                target=participant,
                summary=f"Changed participant #{participant.pk}: {labels}",
            )
    return participant


def _set_referral_status(referral: Referral, status: str) -> None:
    referral.status = status
    referral.closed_on = timezone.localdate() if status in CLOSED_REFERRAL_STATUSES else None
    referral.save(update_fields=["status", "closed_on", "updated_at"])


def _advance_referrals(participant: Participant, status: str) -> None:
    """Open referrals follow the person's place: offered, then enrolled."""
    for referral in participant.referrals.open().select_for_update():
        _set_referral_status(referral, status)


# --- Places, the waiting list and offers -------------------------------------------


def _lock_course(course: Course) -> Course:
    return (
        Course.objects.select_for_update(of=("self",)).select_related("programme").get(pk=course.pk)
    )


def places_held(course: Course) -> int:
    """Places taken: enrolled, or offered and not yet lapsed. Call with the course locked."""
    return Place.objects.filter(course=course, status__in=HOLDING_PLACE).count()


def _check_open_for_places(course: Course, now: datetime) -> None:
    if course.status == CourseStatus.CANCELLED:
        raise PlaceError("This course is cancelled.", "course")
    last = course.sessions.filter(is_cancelled=False).order_by("-end").first()
    if last is None or last.end <= now:
        raise PlaceError("This course has finished.", "course")


def _write_register_lines(place: Place, now: datetime) -> None:
    """One register line for each of the course's sessions still to come. A clash with
    another course the person holds a place on is refused by PostgreSQL."""
    sessions = place.course.sessions.filter(is_cancelled=False, end__gt=now).order_by("start")
    try:
        with transaction.atomic():
            Attendance.objects.bulk_create(
                Attendance(
                    place=place,
                    session=session,
                    participant_id=place.participant_id,
                    start=session.start,
                    end=session.end,
                )
                for session in sessions
            )
    except IntegrityError as error:
        if "programmes_attendance_no_overlap_per_person" not in str(error):
            raise
        clash = (
            Attendance.objects.filter(
                participant_id=place.participant_id,
                expected=True,
                start__lt=max(s.end for s in sessions),
                end__gt=min(s.start for s in sessions),
            )
            .exclude(place=place)
            .select_related("session__course")
            .first()
        )
        where = f"“{clash.session.course.title}”" if clash else "another course"
        raise PlaceError(
            f"They already have a place on {where}, which meets at the same time.", "course"
        ) from None


def _enrol(place: Place, now: datetime) -> None:
    place.status = PlaceStatus.ENROLLED
    place.enrolled_at = now
    place.offer_expires_at = None
    place.save(update_fields=["status", "enrolled_at", "offer_expires_at", "updated_at"])
    _write_register_lines(place, now)
    rides_follow(lines=place.attendance.all(), now=now)
    _advance_referrals(place.participant, ReferralStatus.ENROLLED)
    notify_participant(place=place, what="place_confirmed")


def place_request(
    *, participant: Participant, course: Course, by: User | None, wait: bool = True
) -> Place:
    """A place if one is free; otherwise the end of the course's waiting list, or, with
    ``wait=False``, nothing (PlaceError)."""
    now = timezone.now()
    with transaction.atomic():
        course = _lock_course(course)
        _check_open_for_places(course, now)
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.is_anonymised:
            raise PlaceError("This record was anonymised and can no longer join a course.")
        place = Place(course=course, participant=participant, waiting_since=now)
        place.status = PlaceStatus.WAITING
        try:
            with transaction.atomic():
                place.save()
        except IntegrityError:
            raise PlaceError(
                "They already have a place on this course, or are on its waiting list.", "course"
            ) from None
        if places_held(course) < course.capacity:
            _enrol(place, now)
            action, summary = "place.enrolled", "enrolled"
        elif not wait:
            raise PlaceError("This course has no place free.", "course")
        else:
            notify_participant(place=place, what="waiting_list")
            action, summary = "place.waiting", "added to the waiting list"
        audit_record(
            actor=by,
            action=action,
            target=course,
            summary=f"Participant #{participant.pk} {summary} on “{course.title}”",
        )
    return place


def places_offer_free(course: Course, now: datetime) -> list[Place]:
    """Offer every free place to the next people waiting, in order. Call with the course
    row locked."""
    offered = []
    free = course.capacity - places_held(course)
    for place in Place.objects.filter(course=course).waiting().select_for_update()[: max(free, 0)]:
        place.status = PlaceStatus.OFFERED
        place.offered_at = now
        place.offer_expires_at = now + timedelta(days=settings.PLACE_OFFER_DAYS)
        place.save(update_fields=["status", "offered_at", "offer_expires_at", "updated_at"])
        _advance_referrals(place.participant, ReferralStatus.OFFERED)
        notify_participant(place=place, what="place_offered")
        audit_record(
            actor=None,
            action="place.offered",
            target=course,
            summary=f"Participant #{place.participant_id} offered a place on “{course.title}” "
            f"until {date_format(timezone.localtime(place.offer_expires_at), 'j F Y H:i')}",
        )
        offered.append(place)
    return offered


def _lock_place(place: Place) -> tuple[Course, Place]:
    # Course first, then the place: the order every writer here follows.
    course = _lock_course(place.course)
    place = Place.objects.select_for_update().select_related("participant").get(pk=place.pk)
    place.course = course
    return course, place


def place_withdraw(*, place: Place, by: User) -> Place:
    """They leave the course or its waiting list; a place they held goes to the next
    person waiting. Their past register lines stay; future ones are no longer expected."""
    now = timezone.now()
    with transaction.atomic():
        course, place = _lock_place(place)
        if place.status not in (PlaceStatus.ENROLLED, PlaceStatus.WAITING, PlaceStatus.OFFERED):
            raise PlaceError("They have already left this course.")
        held = place.status in HOLDING_PLACE
        place.status = PlaceStatus.WITHDRAWN
        place.left_at = now
        place.save(update_fields=["status", "left_at", "updated_at"])
        Attendance.objects.filter(place=place, start__gt=now).update(expected=False)
        rides_follow(lines=place.attendance.all(), now=now)
        withdraw_reminders(
            Session.objects.filter(attendance__place=place, start__gt=now),
            person=place.participant_id,
        )
        audit_record(
            actor=by,
            action="place.withdrawn",
            target=course,
            summary=f"Participant #{place.participant_id} left “{course.title}”",
        )
        if held:
            places_offer_free(course, now)
    return place


def offer_accept(*, place: Place, by: User) -> Place:
    now = timezone.now()
    with transaction.atomic():
        course, place = _lock_place(place)
        if place.status not in (PlaceStatus.OFFERED, PlaceStatus.LAPSED):
            raise PlaceError("There is no open offer to accept.")
        if place.status == PlaceStatus.LAPSED or place.offer_expires_at <= now:
            lapsed_at = timezone.localtime(place.offer_expires_at)
            raise PlaceError(
                f"This offer lapsed on {date_format(lapsed_at, 'j F Y')} at {lapsed_at:%H:%M}. "
                "Add them to the waiting list again if they still want a place."
            )
        _check_open_for_places(course, now)
        _enrol(place, now)
        audit_record(
            actor=by,
            action="place.accepted",
            target=course,
            summary=f"Participant #{place.participant_id} accepted a place on “{course.title}”",
        )
    return place


def offer_decline(*, place: Place, by: User) -> Place:
    now = timezone.now()
    with transaction.atomic():
        course, place = _lock_place(place)
        if place.status != PlaceStatus.OFFERED:
            raise PlaceError("There is no open offer to decline.")
        place.status = PlaceStatus.DECLINED
        place.left_at = now
        place.save(update_fields=["status", "left_at", "updated_at"])
        audit_record(
            actor=by,
            action="place.declined",
            target=course,
            summary=f"Participant #{place.participant_id} declined a place on “{course.title}”",
        )
        places_offer_free(course, now)
    return place


def offers_lapse(now: datetime | None = None) -> int:
    """The beat's sweep: offers past their deadline lapse and pass to the next person
    waiting. Safe to run twice or on two workers at once: each course is locked while its
    offers are looked at, and an offer lapses only while it is still "offered"."""
    now = now or timezone.now()
    lapsed = 0
    course_ids = sorted(set(Place.objects.offers_lapsed(now).values_list("course_id", flat=True)))
    for course_id in course_ids:
        with transaction.atomic():
            course = _lock_course(Course(pk=course_id))
            places = list(
                Place.objects.offers_lapsed(now).filter(course=course).select_for_update()
            )
            for place in places:
                place.status = PlaceStatus.LAPSED
                place.left_at = now
                place.save(update_fields=["status", "left_at", "updated_at"])
                audit_record(
                    actor=None,
                    action="place.lapsed",
                    target=course,
                    summary=f"The offer to participant #{place.participant_id} on "
                    f"“{course.title}” lapsed",
                )
            lapsed += len(places)
            if places:
                places_offer_free(course, now)
    return lapsed


# --- The register ---------------------------------------------------------------------


def attendance_mark(*, attendance: Attendance, mark: str, by: User) -> Attendance:
    """Set one register line. Idempotent: the same mark sent twice (a retry on a flaky
    connection) leaves one change."""
    if mark not in Mark.values:
        raise PlaceError("Choose present, did not attend or sent apologies.", "mark")
    with transaction.atomic():
        attendance = (
            Attendance.objects.select_for_update(of=("self",))
            .select_related("session")
            .get(pk=attendance.pk)
        )
        if not attendance.session.register_is_open():
            raise PlaceError("The register opens on the day of the session.")
        if not attendance.expected and not attendance.mark:
            raise PlaceError("They are no longer on this course.")
        if attendance.mark == mark:
            return attendance
        attendance.mark = mark
        attendance.marked_at = timezone.now()
        attendance.marked_by = by
        attendance.save(update_fields=["mark", "marked_at", "marked_by"])
        # Apologies before the start: their ride is no longer needed (and back if taken back).
        rides_follow(lines=Attendance.objects.filter(pk=attendance.pk))
    return attendance


# --- Scores and feedback ----------------------------------------------------------------


def score_record(
    *,
    place: Place,
    measure: str,
    timepoint: str,
    by: User,
    items: list | None = None,
    pam_score=None,
    pam_level=None,
) -> Score:
    """Record (or correct) one measure at one point. Totals are computed here."""
    if place.enrolled_at is None:
        raise PlaceError("Scores are for people who have had a place on the course.")
    if timepoint not in Timepoint.values:
        raise PlaceError("Choose when it was recorded.", "timepoint")
    if measure not in place.course.programme.measures:
        raise PlaceError(f"{place.course.programme} does not use this measure.", "measure")
    if measure == Measure.PAM:
        scored = score_pam(pam_score, pam_level)
    else:
        scored = score_items(measure, items or [])
    with transaction.atomic():
        score, _ = Score.objects.update_or_create(
            place=place,
            measure=measure,
            timepoint=timepoint,
            defaults={
                "items": scored.items,
                "total": scored.total,
                "metric": scored.metric,
                "level": scored.level,
                "recorded_by": by,
            },
        )
        audit_record(
            actor=by,
            action="score.recorded",
            target=place.course,
            summary=f"{Measure(measure).name} ({Timepoint(timepoint).label.lower()}) recorded "
            f"for participant #{place.participant_id}",
        )
    return score


def feedback_record(*, place: Place, text: str, by: User) -> Place:
    """Their one line of feedback on the course (the audit line never quotes it)."""
    with transaction.atomic():
        # The participant's row is what retention locks before it clears their details.
        participant = Participant.objects.select_for_update().get(pk=place.participant_id)
        place = Place.objects.select_for_update().select_related("course").get(pk=place.pk)
        if participant.is_anonymised:
            raise PlaceError("This record was anonymised; nothing more can be added to it.")
        if place.enrolled_at is None:
            raise PlaceError("Feedback is for people who had a place on the course.", "feedback")
        place.feedback = " ".join(text.split())[:300]
        place.save(update_fields=["feedback", "updated_at"])
        audit_record(
            actor=by,
            action="place.feedback",
            target=place.course,
            summary=f"Feedback recorded for participant #{place.participant_id} "
            f"on “{place.course.title}”",
        )
    return place


__all__ = [
    "PlaceError",
    "ScoreError",
    "attendance_mark",
    "feedback_record",
    "offer_accept",
    "offer_decline",
    "offers_lapse",
    "participant_update",
    "place_request",
    "place_withdraw",
    "referral_create",
    "referral_set_status",
    "score_record",
]


def session_attendance_follow(*, sessions: list[Session]) -> None:
    """Register lines keep a copy of their session's time (the no-overlap rule checks
    it); a cancelled session's lines are no longer expected. Called by the session
    services inside their transaction; a move that would give a participant two courses
    at once is refused by PostgreSQL (IntegrityError)."""
    for session in sessions:
        lines = Attendance.objects.filter(session=session)
        lines.update(start=session.start, end=session.end)
        if session.is_cancelled:
            lines.update(expected=False)
    rides_follow(lines=Attendance.objects.filter(session__in=[s.pk for s in sessions]))
