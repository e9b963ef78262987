"""Loading courses and sessions with the rule for who may see them."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.db.models.query import MAX_GET_RESULTS
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.safestring import SafeString

from hope.cache import CacheVersion, cache_breaker
from hope.compiled import Compiled
from hope.formkit import option_list
from hope.models import User
from hope.roles import Role, has_role, is_coordinator
from hope.signals import roles_changed
from programmes.models import Course, CourseStatus, Participant, Place, Ride, Session
from programmes.signals import sessions_staffed_by


def visible_courses(user):
    return courses_visible(coordinator=is_coordinator(user))


def courses_visible(*, coordinator: bool):
    """Drafts are the coordinators' work in progress; everyone with a role sees the rest."""
    courses = Course.objects.select_related("programme", "venue")
    if coordinator:
        return courses
    return courses.exclude(status=CourseStatus.DRAFT)


def visible_sessions(user):
    return sessions_visible(coordinator=is_coordinator(user))


def sessions_visible(*, coordinator: bool):
    """As ``courses_visible``: a draft course's sessions are the coordinators' alone."""
    sessions = Session.objects.select_related("course", "course__programme", "venue")
    if coordinator:
        return sessions
    return sessions.exclude(course__status=CourseStatus.DRAFT)


# Every page of a course loads it, with its dates, programme and venue: compiled once a
# process (hope/compiled.py), as building that query cost Django more than PostgreSQL
# took to run it. The SQL is get()'s own (no ordering, LIMIT 21).
_COURSE = {
    coordinator: Compiled(
        lambda pk, coordinator=coordinator: (
            courses_visible(coordinator=coordinator)
            .with_dates()
            .filter(pk=pk)
            .order_by()[:MAX_GET_RESULTS]
        ),
        pk=int,
    )
    for coordinator in (True, False)
}
# Django answers an id past a bigint's range with no query (it can match nothing).
_LARGEST_PK = 2**63 - 1


def _visible_one(queries: dict[bool, Compiled], request, pk: int, model):
    """The row ``queries`` (one for coordinators, one for everyone else) find for ``pk``;
    404 as get_object_or_404 would, with no query for an id past a bigint's range."""
    found = queries[is_coordinator(request.user)].instances(pk=pk) if pk <= _LARGEST_PK else []
    if not found:
        raise Http404(f"No {model.__name__} matches the given query.")
    return found[0]


def get_course_for_user(request, pk: int) -> Course:
    """404 when the person may not know the course exists (a draft, for non-coordinators)."""
    return _visible_one(_COURSE, request, pk, Course)


# Every page of a session loads it with its course, programme and venue: compiled once a
# process, as _COURSE is.
_SESSION = {
    coordinator: Compiled(
        lambda pk, coordinator=coordinator: (
            sessions_visible(coordinator=coordinator).filter(pk=pk).order_by()[:MAX_GET_RESULTS]
        ),
        pk=int,
    )
    for coordinator in (True, False)
}


def get_session_for_user(request, pk: int) -> Session:
    """404 when the person may not know the session exists (a draft course's, for
    non-coordinators)."""
    return _visible_one(_SESSION, request, pk, Session)


# --- Participants ---------------------------------------------------------------------
# Coordinators see everything about participants. A facilitator sees the participants of
# the courses where they hold a session (first name and access needs only), from
# FACILITATOR_VIEW_BEFORE before the course to FACILITATOR_VIEW_AFTER after its last
# session, and takes the register of the sessions they hold. Nobody else sees any.

FACILITATOR_VIEW_BEFORE = timedelta(days=14)
FACILITATOR_VIEW_AFTER = timedelta(days=30)


def staffed_sessions(user) -> QuerySet[Session]:
    """The sessions ``user`` runs, as the apps that staff sessions say (facilitators: the
    slots they hold), through ``programmes.signals.sessions_staffed_by``."""
    ids = Session.objects.none().values("pk")
    for _, answer in sessions_staffed_by.send(sender=Session, user=user):
        if answer is not None:
            ids = ids.union(answer)
    return Session.objects.filter(pk__in=ids)


def may_take_register(user, session: Session) -> bool:
    return is_coordinator(user) or staffed_sessions(user).filter(pk=session.pk).exists()


def get_session_for_register(request, pk: int) -> Session:
    """The session whose register ``request.user`` may take (coordinators, and the
    facilitators holding it). 404 for anyone else: they may not learn who is on it."""
    session = get_session_for_user(request, pk)
    if not may_take_register(request.user, session):
        raise Http404
    # A facilitator sees the names and needs on it only within the course's window, as
    # on the course's participants page (a coordinator sees every course's).
    if (
        not is_coordinator(request.user)
        and not courses_with_participants_shown(request.user).filter(pk=session.course_id).exists()
    ):
        raise Http404
    return session


def courses_with_participants_shown(user, now=None) -> QuerySet[Course]:
    """The courses whose participants ``user`` may see (all, for coordinators)."""
    if is_coordinator(user):
        return Course.objects.all()
    now = now or timezone.now()
    # The window is the whole course's, not the sessions they hold: the courses are
    # chosen by a subquery, so with_dates() still spans all of each course's sessions
    # (a join filtered to their sessions would narrow first_start and last_end too).
    return (
        Course.objects.with_dates()
        .filter(pk__in=staffed_sessions(user).values("course_id"))
        .filter(
            first_start__lte=now + FACILITATOR_VIEW_BEFORE,
            last_end__gte=now - FACILITATOR_VIEW_AFTER,
        )
    )


# A participant's every column, by SQL compiled once a process (hope/compiled.py):
# building the query cost Django more than PostgreSQL took to answer it.
_PARTICIPANT_FIELDS = tuple(field.attname for field in Participant._meta.concrete_fields)
_PARTICIPANT = Compiled(
    lambda pk: Participant.objects.filter(pk=pk).values_list(*_PARTICIPANT_FIELDS), pk=int
)


def get_participant_for_user(request, pk: int) -> Participant:
    """A participant's record is for coordinators; 404 for anyone else."""
    if not is_coordinator(request.user):
        raise Http404
    rows = _PARTICIPANT.rows(pk=pk)
    if not rows:
        raise Http404("No Participant matches the given query.")
    return Participant.from_db(Participant.objects.db, _PARTICIPANT_FIELDS, rows[0])


def get_place_for_user(request, pk: int) -> Place:
    """A place on a course, with its course and person: for coordinators; 404 for anyone
    else, who may not know the person exists."""
    if not is_coordinator(request.user):
        raise Http404
    return get_object_or_404(
        Place.objects.select_related("course__programme", "participant"), pk=pk
    )


def get_course_participants_for_user(request, pk: int) -> tuple[Course, bool]:
    """The course whose participants the page lists, and whether ``request.user`` sees
    them in full (coordinators) or by first name and access needs only (a facilitator
    who holds one of its sessions, inside the window). 404 for everyone else."""
    course = get_course_for_user(request, pk)
    if is_coordinator(request.user):
        return course, True
    if not courses_with_participants_shown(request.user).filter(pk=course.pk).exists():
        raise Http404
    return course, False


def is_driver(user) -> bool:
    """Volunteers marked as drivers (on the people page); the rides pages are theirs (and
    coordinators')."""
    return (
        user.is_authenticated
        and user.is_active
        and user.is_driver
        and has_role(user, Role.VOLUNTEER)
    )


def drivers() -> QuerySet:
    """Everyone ``is_driver`` lets drive, by name: for a coordinator's choice of driver
    and for whom to ask to cover a ride."""
    return User.objects.filter(
        groups__name=Role.VOLUNTEER, is_active=True, is_driver=True
    ).order_by("full_name", "pk")


# The drivers' options are remembered: at a hundred drivers, reading and writing them was
# a tenth of the coordinator's home page, though they change only when a person does (a
# save, other than a sign-in's, or a change of roles: ``connect``).
DRIVERS_VERSION = CacheVersion("programmes:drivers:version")


def driver_options() -> SafeString:
    """The ``<option>``s of the one-click choice of driver, built once for the page: the
    template would otherwise render every driver again for every ride wanted (ten rides by
    a hundred drivers on the home page). One query when not remembered, else none; always
    read afresh while Redis is away (this process's memory hears no one else's changes)."""
    if cache_breaker.is_open:
        return option_list(drivers().values_list("pk", "full_name"))
    key = f"programmes:driver-options:{DRIVERS_VERSION.current()}"
    options = cache.get(key)
    if options is None:
        options = option_list(drivers().values_list("pk", "full_name"))
        cache.set(key, options, timeout=24 * 3600)
    return options


def _people_changed(sender=None, **kwargs) -> None:
    if sender is User and kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    DRIVERS_VERSION.replace()


def connect() -> None:
    """Forget the drivers' options whenever a person or their roles change. Called from
    ``ProgrammesConfig.ready``."""
    post_save.connect(_people_changed, sender=User, dispatch_uid="drivers-user-saved")
    post_delete.connect(_people_changed, sender=User, dispatch_uid="drivers-user-deleted")
    m2m_changed.connect(
        _people_changed, sender=User.groups.through, dispatch_uid="drivers-user-groups"
    )
    roles_changed.connect(_people_changed, dispatch_uid="drivers-roles-changed")


def get_ride_for_user(request, pk: int) -> Ride:
    """A ride, for coordinators; for a driver, one they hold or one the board offers them
    (still to come). 404 for everyone else, who may not know it exists."""
    rides = Ride.objects.for_pages().select_related("attendance__place")
    user = request.user
    if is_coordinator(user):
        return get_object_or_404(rides, pk=pk)
    if not is_driver(user):
        raise Http404
    return get_object_or_404(
        rides.filter(Q(driver=user) | Q(pk__in=Ride.objects.upcoming().open_to_drivers())),
        pk=pk,
    )
