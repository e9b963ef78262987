"""Programmes' writes, by topic: courses and sessions (courses.py); participants,
places, registers and scores (participants.py). Everything is importable from
``programmes.services``."""

from programmes.services.courses import (
    FACILITATORS_PER_SESSION,
    CancelEffects,
    CourseError,
    VenueClash,
    check_course_venue,
    course_cancel,
    course_cancel_effects,
    course_create,
    course_plan,
    course_update,
    first_clash,
    session_cancel,
    session_cancel_effects,
    session_change,
)

__all__ = [
    "FACILITATORS_PER_SESSION",
    "CancelEffects",
    "CourseError",
    "VenueClash",
    "check_course_venue",
    "course_cancel",
    "course_cancel_effects",
    "course_create",
    "course_plan",
    "course_update",
    "first_clash",
    "session_cancel",
    "session_cancel_effects",
    "session_change",
]
