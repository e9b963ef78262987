"""Programmes' models, by topic: courses and sessions (courses.py); participants, their
places and registers (participants.py). Everything is importable from
``programmes.models``."""

from programmes.models.courses import (
    DISPLAY_STATUSES,
    ClosureDate,
    ClosureDateQuerySet,
    Course,
    CourseQuerySet,
    CourseStatus,
    Delivery,
    Programme,
    Session,
    SessionQuerySet,
)

__all__ = [
    "DISPLAY_STATUSES",
    "ClosureDate",
    "ClosureDateQuerySet",
    "Course",
    "CourseQuerySet",
    "CourseStatus",
    "Delivery",
    "Programme",
    "Session",
    "SessionQuerySet",
]
