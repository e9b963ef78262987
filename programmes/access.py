"""Loading courses and sessions with the rule for who may see them."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from hope.roles import is_coordinator
from programmes.models import Course, CourseStatus, Session


def visible_courses(user):
    """Drafts are the coordinators' work in progress; everyone with a role sees the rest."""
    courses = Course.objects.select_related("programme", "venue")
    if is_coordinator(user):
        return courses
    return courses.exclude(status=CourseStatus.DRAFT)


def visible_sessions(user):
    sessions = Session.objects.select_related("course", "course__programme", "venue")
    if is_coordinator(user):
        return sessions
    return sessions.exclude(course__status=CourseStatus.DRAFT)


def get_course_for_user(request, pk: int) -> Course:
    """404 when the person may not know the course exists (a draft, for non-coordinators)."""
    return get_object_or_404(visible_courses(request.user).with_dates(), pk=pk)
