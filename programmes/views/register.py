"""The attendance register of one session, taken on a phone in the room.

Each line's three buttons are a plain form: without JavaScript a tap posts it and comes
back here. ``static/js/register.js`` posts the same form with ``fetch`` and
``Accept: application/json``, so a tap saves without a reload, and retries on a network
failure or a server error; ``attendance_mark`` is idempotent, so a retry of a mark that
did reach the server changes nothing more.

Facilitators see first names and access needs only; coordinators see full names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from hope.audit import audit_viewed
from hope.compiled import Compiled
from hope.links import RowLink, csrf_input
from hope.models import AuditArea
from hope.roles import is_coordinator
from programmes.access import get_session_for_register
from programmes.models import Attendance, Mark, Participant, Place
from programmes.models.participants import first_name
from programmes.services.participants import PlaceError, attendance_mark


def _name(participant: Participant, full: bool) -> str:
    return _name_of(
        participant.pk,
        participant.full_name,
        participant.preferred_name,
        participant.anonymised_at,
        full=full,
    )


def _name_of(pk: int, full_name: str, preferred_name: str, anonymised_at, *, full: bool) -> str:
    if anonymised_at is not None:
        return f"Participant #{pk} (details removed)"
    return full_name if full else first_name(preferred_name, full_name)


def _progress(place: Place, needed: int) -> dict[str, str]:
    """The line under each name; needs ``Place.objects.with_attendance()``."""
    return _progress_of(
        place.sessions_attended, place.sessions_on_register, place.completed, needed
    )


def _progress_of(attended: int, on_register: int, completed: bool, needed: int) -> dict[str, str]:
    return {
        "attended": f"{attended} of {on_register} "
        f"session{'s' if on_register != 1 else ''} attended.",
        "completion": (
            f"Completed (the programme asks for {needed})."
            if completed
            else f"Not completed yet (the programme asks for {needed})."
        ),
    }


# Each line written out here rather than by the template: a line's form and its three
# buttons were two dozen template nodes (~10 µs each), most of the page's time.
_LINE = """
  <li class="card mb-2" id="line-{}"><div class="card-body">
    <h2 class="h5 card-title mb-1" id="name-{}">{}</h2>
    {}{}
    <p class="mb-2 small"><span data-attended>{}</span> <span data-completion>{}</span></p>
    {}
  </div></li>"""
_ACCESS_NEEDS = '<p class="mb-1"><span class="fw-semibold">Access needs:</span> {}</p>'
_NOT_EXPECTED = mark_safe(
    '<p class="mb-1 small">No longer expected: they left the course, or the session was '
    "cancelled.</p>"
)
_FORM = """<form method="post" action="{}" data-register-line>{}
      <div class="hope-marks" role="group" aria-labelledby="name-{}">
        {}
      </div>
      <p class="hope-save-status small mb-0 mt-1" role="status" data-status></p>
    </form>"""  # noqa: E501
_BUTTON = (
    '<button type="submit" name="mark" value="{}" class="btn hope-mark hope-mark-{}" '
    'aria-pressed="{}">{}</button>'
)


def _buttons(marked: str) -> SafeString:
    return format_html_join(
        "",
        _BUTTON,
        (
            (value, value, "true" if value == marked else "false", label)
            for value, label in Mark.choices
        ),
    )


# The buttons as each mark (or none) leaves them: written once, not three a line.
_BUTTONS = {marked: _buttons(marked) for marked in ("", *Mark.values)}


def _line(
    pk: int, name: str, needs: str, expected: bool, progress: dict[str, str], form: str
) -> SafeString:
    return format_html(
        _LINE,
        pk,
        pk,
        name,
        format_html(_ACCESS_NEEDS, needs) if needs else "",
        "" if expected else _NOT_EXPECTED,
        progress["attended"],
        progress["completion"],
        form,
    )


# The register's lines and their places' progress, compiled once a process
# (hope/compiled.py): line, participant and place instances, and building the querysets,
# were most of the page's time.
_LINES = Compiled(
    lambda session: (
        Attendance.objects.on_register()
        .filter(session=session)
        .order_by("participant__full_name", "pk")
        .values_list(
            "pk", "place_id", "expected", "mark", "participant_id", "participant__full_name",
            "participant__preferred_name", "participant__anonymised_at",
            "participant__access_needs",
        )
    ),
    session=int,
)  # fmt: skip
_PROGRESS = Compiled(
    lambda session: (
        Place.objects.with_attendance()
        .filter(pk__in=Attendance.objects.on_register().filter(session=session).values("place_id"))
        .values_list("pk", "sessions_attended", "sessions_on_register", "completed")
    ),
    session=int,
)


class _Line:
    def __init__(self, html: SafeString) -> None:
        self.html = html


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """Two queries for the lines, whatever their number: the lines with their
    participants, and their places with the completion counts."""
    session = get_session_for_register(request, pk)
    audit_viewed(request, f"the register of session #{pk}", area=AuditArea.ROTA)
    full_names = is_coordinator(request.user)
    needed = session.course.programme.completion_min_sessions
    progress = {
        place: _progress_of(attended, on_register, completed, needed)
        for place, attended, on_register, completed in _PROGRESS.rows(session=session.pk)
    }
    is_open = session.register_is_open()
    mark_url = RowLink("programmes:register_mark", session.pk)
    token = csrf_input(get_token(request))
    lines = [
        _Line(
            _line(
                pk,
                _name_of(person, full_name, preferred, anonymised_at, full=full_names),
                needs,
                expected,
                progress[place],
                format_html(_FORM, mark_url(pk), token, pk, _BUTTONS[mark]) if is_open else "",
            )
        )
        for (
            pk, place, expected, mark, person, full_name, preferred, anonymised_at, needs
        ) in _LINES.rows(session=session.pk)
    ]  # fmt: skip
    return render(
        request,
        "programmes/register.html",
        {
            "session": session,
            "lines": lines,
            "is_open": is_open,
        },
    )


@require_POST
@login_required
def register_mark(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    """Answers JSON to the script (400 with ``error`` when the mark is refused) and a
    redirect back to the line, with a message, to a plain form."""
    session = get_session_for_register(request, pk)
    attendance = get_object_or_404(
        Attendance.objects.select_related("participant"), pk=line, session=session
    )
    participant = attendance.participant
    back = reverse("programmes:register", args=[session.pk]) + f"#line-{attendance.pk}"
    try:
        attendance = attendance_mark(
            attendance=attendance, mark=request.POST.get("mark", ""), by=request.user
        )
    except PlaceError as error:
        if _wants_json(request):
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
        return redirect(back)
    place = Place.objects.with_attendance().get(pk=attendance.place_id)
    progress = _progress(place, session.course.programme.completion_min_sessions)
    if _wants_json(request):
        return JsonResponse({"mark": attendance.mark, **progress})
    name = _name(participant, is_coordinator(request.user))
    messages.success(request, f"{name}: {attendance.get_mark_display().lower()}. Saved.")
    return redirect(back)
