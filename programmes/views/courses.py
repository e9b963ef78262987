from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from hope.access import coordinator_required, role_required
from hope.audit import save_with_audit
from hope.compiled import Compiled
from hope.days import day_after, day_start
from hope.formkit import option_list
from hope.links import RowLink
from hope.models import AuditEvent
from hope.paging import counted_page_read
from hope.params import date_or_none, int_or_none
from hope.roles import is_coordinator
from programmes.access import (
    courses_visible,
    courses_with_participants_shown,
    get_course_for_user,
    sessions_visible,
    visible_sessions,
)
from programmes.calendar_days import (
    CalendarSession,
    agenda_items,
    day_html,
    month_cell,
    month_rows,
)
from programmes.course_rows import (
    COURSE_ROW_FIELDS,
    SESSION_ROW_FIELDS,
    CourseRow,
    SessionRow,
    course_rows,
    history_lines,
    session_rows,
)
from programmes.forms import ClosureForm, CourseEditForm, CourseForm, ProgrammeForm, SessionForm
from programmes.models import (
    ClosureDate,
    Course,
    CourseStatus,
    Programme,
    Session,
)
from programmes.scheduling import SchedulingError, days_closed, sessions_on_closures
from programmes.services import (
    CourseError,
    course_cancel,
    course_cancel_effects,
    course_create,
    course_plan,
    course_update,
    session_cancel,
    session_cancel_effects,
    session_change,
)
from programmes.signals import courses_listed, sessions_listed
from venues.models import Venue

# Who is still needed, in words, under each session of the calendar (the mark before it,
# in CSS, repeats it for a quick scan).
CALENDAR_COVER = {
    "paired": "Full pair",
    "workforce_only": "Lived experience facilitator needed",
    "lived_only": "Workforce facilitator needed",
    "none": "No facilitators yet",
}
COURSE_TABS = {"upcoming": "Upcoming", "running": "Running", "past": "Past"}


# Each tab's courses, in the tab's order.
_TAB_COURSES = {
    "upcoming": lambda courses, now: courses.upcoming(now).order_by("first_start", "pk"),
    "running": lambda courses, now: courses.running(now).order_by("first_start", "pk"),
    "past": lambda courses, now: courses.past(now).order_by("-last_end", "-pk"),
}
# The filters' lists, compiled once a process as the page's other queries are.
_PROGRAMMES = Compiled(lambda: Programme.objects.values_list("pk", "name"))
_VENUES = Compiled(lambda: Venue.objects.values_list("pk", "name"))


@lru_cache(maxsize=256)
def _course_page(
    tab: str, coordinator: bool, by_programme: bool, by_venue: bool, start: int, stop: int
) -> Compiled:
    """A page of a tab's courses as ``COURSE_ROW_FIELDS`` rows, each ending with how many
    there are in all (hope/paging.py), compiled once a process for each tab, person's
    view, filter and page asked for (LIMIT and OFFSET are written into the SQL): building
    the query cost Django more than PostgreSQL took to run it."""

    def build(now, programme=None, venue=None):
        courses = _TAB_COURSES[tab](
            courses_visible(coordinator=coordinator).select_related(None), now
        )
        if by_programme:
            courses = courses.filter(programme_id=programme)
        if by_venue:
            courses = courses.filter(venue_id=venue)
        return courses.values_list(*COURSE_ROW_FIELDS).annotate(paging_total=Window(Count("*")))[
            start:stop
        ]

    kinds = {"now": datetime}
    if by_programme:
        kinds["programme"] = int
    if by_venue:
        kinds["venue"] = int
    return Compiled(build, **kinds)


@login_required
@role_required
def course_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    tab = request.GET.get("when") if request.GET.get("when") in COURSE_TABS else "upcoming"
    # The filters' lists name each row's programme and venue too: joining both into the
    # dates' aggregate cost the planner more than the rest of the query.
    programmes, venues = _PROGRAMMES.rows(), _VENUES.rows()
    programme_names, venue_names = dict(programmes), dict(venues)
    programme_id = int_or_none(request.GET.get("programme"))
    venue_id = int_or_none(request.GET.get("venue"))
    values = {"now": now}
    if programme_id:
        values["programme"] = programme_id
    if venue_id:
        values["venue"] = venue_id
    coordinator = is_coordinator(request.user)
    # Plain rows, and how many there are, in one query (no COUNT repeating the dates'
    # aggregate, no Course instances).
    page = counted_page_read(
        lambda offset, limit: _course_page(
            tab, coordinator, bool(programme_id), bool(venue_id), offset, offset + limit
        ).rows(**values),
        request.GET.get("page"),
        per_page=25,
    )
    page.object_list = [CourseRow(*row) for row in page.object_list]
    courses_listed.send(sender=Course, courses=page.object_list)
    rows = course_rows(
        page.object_list,
        programme_names=programme_names,
        venue_names=venue_names,
        now=now,
    )
    return render(
        request,
        "programmes/course_list.html",
        {
            "page": page,
            "rows": rows,
            "tab": tab,
            "tabs": COURSE_TABS,
            "programme_options": option_list(programmes, programme_id),
            "venue_options": option_list(venues, venue_id),
            "programme_id": programme_id,
            "venue_id": venue_id,
            "now": now,
        },
    )


# A course's page's queries, compiled once a process (as the list's, above).
_COURSE_SESSIONS = Compiled(
    lambda course: (
        Session.objects.filter(course=course)
        .with_closure_ids()
        .order_by("number")
        .values_list(*SESSION_ROW_FIELDS)
    ),
    course=int,
)
_COURSE_HISTORY = Compiled(
    lambda course: (
        AuditEvent.objects.filter(target_type="programmes.course", target_id=course)
        .order_by("-created_at", "-pk")
        .values_list("created_at", "summary", "actor_id", "actor__full_name")[:20]
    ),
    course=str,
)


@login_required
@role_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_course_for_user(request, pk)
    # Plain rows rather than sessions and their venues as model instances.
    sessions = [SessionRow(*row) for row in _COURSE_SESSIONS.rows(course=course.pk)]
    sessions_listed.send(sender=Session, sessions=sessions)
    courses_listed.send(sender=Course, courses=[course], sessions=sessions)
    now = timezone.now()
    coordinator = is_coordinator(request.user)
    # Coordinators see every course's participants; a facilitator those of the courses
    # they run, in the window around the course (one query, for facilitators only).
    participants_shown = coordinator or (
        courses_with_participants_shown(request.user).filter(pk=course.pk).exists()
    )
    history = []
    if coordinator:
        history = history_lines(_COURSE_HISTORY.rows(course=str(course.pk)))
    return render(
        request,
        "programmes/course_detail.html",
        {
            "course": course,
            "sessions": sessions,
            "rows": session_rows(sessions, now=now, coordinator=coordinator),
            "history": history,
            "now": now,
            "participants_shown": participants_shown,
        },
    )


@login_required
@coordinator_required
def course_create_view(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    planned = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "create":
                course = course_create(
                    title=data["title"],
                    programme=data["programme"],
                    venue=data["venue"],
                    first_day=data["first_day"],
                    start_time=data["start_time"],
                    capacity=data["capacity"],
                    status=data["status"],
                    by=request.user,
                )
                messages.success(request, f"{course.label} is planned with its sessions.")
                return redirect("programmes:course_detail", pk=course.pk)
            planned = course_plan(
                programme=data["programme"],
                venue=data["venue"],
                first_day=data["first_day"],
                start_time=data["start_time"],
                capacity=data["capacity"],
            )
        except CourseError as error:
            form.add_error(error.field or "first_day", str(error))
            planned = None
        except SchedulingError as error:
            form.add_error("first_day", str(error))
            planned = None
    return render(request, "programmes/course_form.html", {"form": form, "planned": planned})


@login_required
@coordinator_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_course_for_user(request, pk)
    form = CourseEditForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = course_update(
                course=course,
                title=data["title"],
                capacity=data["capacity"],
                status=data["status"],
                venue=data["venue"],
                by=request.user,
            )
        except CourseError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"{course.label} is saved.")
            return redirect("programmes:course_detail", pk=course.pk)
    return render(request, "programmes/course_edit.html", {"form": form, "course": course})


@require_http_methods(["GET", "POST"])
@login_required
@coordinator_required
def course_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, saying what will happen; POST cancels."""
    course = get_course_for_user(request, pk)
    if request.method == "GET":
        cancelled = course.status == CourseStatus.CANCELLED
        return render(
            request,
            "programmes/course_cancel.html",
            {
                "question": f"Cancel “{course.title}”?",
                "course": course,
                "effects": None if cancelled else course_cancel_effects(course),
                "can_confirm": not cancelled,
                "refusal": "This course is already cancelled.",
                "back_url": reverse("programmes:course_detail", args=[course.pk]),
            },
        )
    try:
        count = course_cancel(course=course, by=request.user)
    except CourseError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{course.label} is cancelled, with {count} future "
            f"session{'s' if count != 1 else ''}. Past sessions are unchanged.",
        )
    return redirect("programmes:course_detail", pk=course.pk)


def _session_for_coordinator(pk: int) -> Session:
    return get_object_or_404(
        Session.objects.select_related("course", "course__programme", "venue"), pk=pk
    )


@login_required
@coordinator_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_for_coordinator(pk)
    form = SessionForm(request.POST or None, session=session)
    if session.is_cancelled or session.has_started():
        messages.error(request, "Only future sessions that are not cancelled can be changed.")
        return redirect("programmes:course_detail", pk=session.course_id)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_change(
                session=session,
                start=form.cleaned_data["start"],
                venue=form.cleaned_data["venue"],
                by=request.user,
            )
        except CourseError as error:
            form.add_error(error.field or "day", str(error))
        else:
            messages.success(
                request,
                f"Saved: {session.label} at {timezone.localtime(session.start):%H:%M}.",
            )
            return redirect("programmes:course_detail", pk=session.course_id)
    return render(request, "programmes/session_form.html", {"form": form, "session": session})


@require_http_methods(["GET", "POST"])
@login_required
@coordinator_required
def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, saying who will be told; POST cancels."""
    session = _session_for_coordinator(pk)
    if request.method == "GET":
        refusal = (
            "This session is cancelled already."
            if session.is_cancelled
            else "This session has already started; past sessions stay as they were."
            if session.has_started()
            else ""
        )
        return render(
            request,
            "programmes/session_cancel.html",
            {
                "question": f"Cancel session {session.number} of “{session.course.title}”?",
                "session": session,
                "effects": session_cancel_effects(session),
                "can_confirm": not refusal,
                "refusal": refusal,
                "back_url": reverse("programmes:course_detail", args=[session.course_id])
                + f"#session-{session.pk}",
            },
        )
    try:
        session_cancel(session=session, by=request.user)
    except CourseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{session.label} is cancelled.")
    return redirect("programmes:course_detail", pk=session.course_id)


def _calendar_sessions(*, coordinator: bool, one_venue: bool) -> Compiled:
    """The sessions a calendar shows, compiled once a process (hope/compiled.py). Only
    what the days show, as plain rows: a month's sessions as model instances (session,
    course and venue each) were most of the page's reading."""

    def build(start, end, venue=None):
        sessions = sessions_visible(coordinator=coordinator).between(start, end)
        if one_venue:
            sessions = sessions.filter(venue_id=venue)
        return sessions.order_by("start", "pk").values_list(
            "pk", "start", "number", "is_cancelled", "course_id", "course__title",
            "venue_id", "venue__name",
        )  # fmt: skip

    return Compiled(build, start=datetime, end=datetime, **({"venue": int} if one_venue else {}))


_CALENDAR = {
    (coordinator, one_venue): _calendar_sessions(coordinator=coordinator, one_venue=one_venue)
    for coordinator in (True, False)
    for one_venue in (True, False)
}


@login_required
@role_required
def calendar(request: HttpRequest) -> HttpResponse:
    """All sessions across venues, by week or by month (one query for the sessions)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    view = "month" if request.GET.get("view") == "month" else "week"
    anchor = date_or_none(request.GET.get("date")) or today
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        previous, following = first - timedelta(weeks=1), first + timedelta(weeks=1)
        title = f"Week of {first:%-d %B %Y}"
    else:
        month_start = anchor.replace(day=1)
        next_month = (month_start + timedelta(days=32)).replace(day=1)
        first = month_start - timedelta(days=month_start.weekday())
        last = next_month - timedelta(days=1)
        last = last + timedelta(days=6 - last.weekday())
        previous = (month_start - timedelta(days=1)).replace(day=1)
        following = next_month
        title = f"{month_start:%B %Y}"
    venue_id = int_or_none(request.GET.get("venue"))
    between = {
        "start": day_start(first),
        "end": day_after(last),
    }
    one_venue = {"venue": venue_id} if venue_id else {}
    query = _CALENDAR[is_coordinator(request.user), bool(one_venue)]
    sessions = [CalendarSession(*row) for row in query.rows(**between, **one_venue)]
    # Facilitators' apps mark each session's cover (one query).
    sessions_listed.send(sender=Session, sessions=sessions)
    by_day: dict[date, list[CalendarSession]] = {}
    course_url = RowLink("programmes:course_detail")
    for session in sessions:
        start = session.start.astimezone(zone)
        session.course_url = course_url(session.course_id)
        session.time_text = f"{start:%H:%M}"
        if getattr(session, "cover_state", None) and not session.is_cancelled:
            session.cover_text = CALENDAR_COVER[session.cover_state]
        by_day.setdefault(start.date(), []).append(session)
    closed = days_closed(first, last, venue_id)
    days = [
        {
            "date": day,
            "sessions": by_day.get(day, []),
            "closed": closed.get(day, []),
            "in_month": view == "week" or day.month == anchor.month,
        }
        for day in (first + timedelta(days=i) for i in range((last - first).days + 1))
    ]
    # Each day's sessions rendered once: the month shows them twice, as the grid for
    # wide screens and the agenda for phones (120 sessions a month at county scale).
    # A month's empty days render nothing, and are not rendered at all.
    for day in days:
        if day["sessions"] or day["closed"] or view == "week":
            day["html"] = day_html(day, view)
        # Each day's names and id written once rather than by date filters, for every
        # cell of the month and every day of the agenda.
        day["id"] = f"{day['date']:%Y%m%d}"
        day["number"] = f"{day['date']:%-d}"
        day["month_name"] = f"{day['date']:%B}"
        day["short_name"] = f"{day['date']:%A %-d %b}"
        day["long_name"] = f"{day['date']:%A %-d %B}"
        if view == "month":
            day["cell_html"] = month_cell(day, today)
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    # The phone's agenda: the month's days with something on them.
    agenda = [d for d in days if d["in_month"] and (d["sessions"] or d["closed"])]
    return render(
        request,
        "programmes/calendar.html",
        {
            "view": view,
            "title": title,
            "days": days,
            "month_rows": month_rows(weeks) if view == "month" else "",
            "agenda": agenda_items(agenda, today) if view == "month" else "",
            "today": today,
            "anchor": anchor,
            "previous": previous,
            "following": following,
            "venue_options": option_list(_VENUES.rows(), venue_id),
            "venue_id": venue_id,
            "session_count": sum(len(d["sessions"]) for d in days),
        },
    )


@login_required
@role_required
def venue_sessions(request: HttpRequest, pk: int) -> HttpResponse:
    """The sessions booked at one venue, from today on (the venue page links here)."""
    venue = get_object_or_404(Venue, pk=pk)
    sessions = (
        visible_sessions(request.user)
        .at_venue(venue)
        .upcoming()
        .filter(is_cancelled=False)
        .select_related("course__programme")
        .order_by("start", "pk")
    )
    page = Paginator(sessions, 50).get_page(request.GET.get("page"))
    return render(request, "programmes/venue_sessions.html", {"venue": venue, "page": page})


@login_required
@role_required
def programme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "programmes/programme_list.html", {"programmes": Programme.objects.all()}
    )


@login_required
@coordinator_required
def programme_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=pk) if pk else None
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        saved = save_with_audit(form=form, actor=request.user, noun="programme")
        messages.success(request, f"Programme “{saved.name}” is saved.")
        return redirect("programmes:programme_list")
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@login_required
@coordinator_required
def closure_list(request: HttpRequest) -> HttpResponse:
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        closure = form.save()
        messages.success(
            request, _closure_added(closure, sessions_on_closures([closure])[closure.pk])
        )
        return redirect("programmes:closure_list")
    today = timezone.localdate()
    closures = list(
        ClosureDate.objects.select_related("venue").filter(date__gte=today - timedelta(days=31))
    )
    # Sessions still planned on a closed day, for the coordinator to move or cancel;
    # None for a closure already past.
    planned = sessions_on_closures([c for c in closures if c.date >= today])
    for closure in closures:
        closure.planned_sessions = planned.get(closure.pk)
    return render(request, "programmes/closure_list.html", {"form": form, "closures": closures})


def _closure_added(closure: ClosureDate, sessions: list[Session]) -> str:
    when = date_format(closure.date, "l j F Y")
    if not sessions:
        return (
            f"Closure on {when} added. Courses planned from now on skip it; no sessions are "
            "planned that day."
        )
    count = len(sessions)
    return format_html(
        "Closure on {} added. Courses planned from now on skip it, but {} still planned "
        "that day. Move or cancel {}: {}",
        when,
        f"{count} sessions are" if count > 1 else "1 session is",
        "them" if count > 1 else "it",
        render_to_string("programmes/_closed_sessions.html", {"sessions": sessions}),
    )


@require_http_methods(["GET", "POST"])
@login_required
@coordinator_required
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first; POST removes the closure."""
    closure = get_object_or_404(ClosureDate.objects.select_related("venue"), pk=pk)
    if request.method == "GET":
        return render(
            request,
            "programmes/closure_delete.html",
            {
                "question": f"Remove the closure on {date_format(closure.date, 'l j F Y')}?",
                "closure": closure,
                "can_confirm": True,
                "back_url": reverse("programmes:closure_list"),
            },
        )
    closure.delete()
    messages.success(request, f"Closure on {closure.date:%-d %B %Y} removed.")
    return redirect("programmes:closure_list")
