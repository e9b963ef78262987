from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape as html_escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from facilitators.access import own_profile
from facilitators.board import board_page, board_sections
from facilitators.cover import (
    COVER_BADGES,
    COVER_WINDOW_DAYS,
    add_cover,
    cover_state,
    needing_cover_before,
)
from facilitators.forms import CoverRequestForm, OwnProfileForm, ProfileForm, TrainingForm
from facilitators.gap_lines import candidate_row, gap_row
from facilitators.mine import cards, my_past, my_upcoming, past_line, summary, undo_form
from facilitators.models import (
    CoverRequest,
    FacilitatorKind,
    FacilitatorProfile,
    FacilitatorStatus,
    SessionClaim,
    Training,
    new_calendar_token,
    refresher_cutoff,
)
from facilitators.notices import gave_back_tells_coordinators
from facilitators.queries import (
    COVER_ROW_FIELDS,
    CoverRow,
    cover_requests_open_to,
    free_to_step_in,
    gaps_of,
    missing_kinds,
)
from facilitators.services import (
    CourseClaimIncomplete,
    SlotError,
    claims_undo,
    course_claim,
    cover_request_accept,
    cover_request_create,
    cover_request_withdraw,
    self_release_problem,
    slot_assign,
    slot_claim,
    slot_release,
)
from hope.access import coordinator_required, role_required
from hope.audit import audit_viewed, save_with_audit
from hope.compiled import Compiled
from hope.counts import count_of
from hope.days import day_after, day_start
from hope.formkit import option_list
from hope.links import RowLink, csrf_input
from hope.models import AuditEvent, TeamSettings
from hope.params import date_or_none, ids, int_or_none
from hope.redirects import redirect_back, safe_next
from hope.roles import is_coordinator
from programmes.access import get_session_for_user, may_take_register, visible_courses
from programmes.models import Session
from venues.models import Venue

# --- The open sessions board -------------------------------------------------------

# The programmes a person is trained in, by name, and every venue: compiled once a
# process (hope/compiled.py), as building the queries cost Django more than PostgreSQL
# took to run them (about 1 ms of the board's CPU at ten years of data).
_TRAINED = Compiled(
    lambda profile: (
        Training.objects.filter(profile=profile)
        .order_by("programme__name", "programme_id")
        .values_list("programme_id", "programme__name")
    ),
    profile=int,
)
_VENUES = Compiled(lambda: Venue.objects.values_list("pk", "name", "is_active"))


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions with a free slot of my kind, for programmes I am trained in."""
    profile = own_profile(request)
    now = timezone.now()
    # The programmes as a list of ids, not a subquery: joined in as one more table, the
    # subquery took the planner longer (20 ms at ten years) than running the query.
    programmes = _TRAINED.rows(profile=profile.pk)
    trained = [pk for pk, _ in programmes]
    programme_id = int_or_none(request.GET.get("programme"))
    venue_id = int_or_none(request.GET.get("venue"))
    date_from = date_or_none(request.GET.get("from"))
    date_to = date_or_none(request.GET.get("to"))
    # Plain rows (facilitators/board.py), with whether the other slot is held and whether
    # this person holds a session at the same time asked of each row, and the total
    # counted in the same query: sixty session and course instances, two more queries
    # for cover and clashes and a COUNT repeating the joins were most of the page's time
    # at ten years.
    page = board_page(
        profile,
        request.GET.get("page"),
        per_page=60,
        programmes=trained,
        now=now,
        programme=programme_id or None,
        venue=venue_id or None,
        start_from=day_start(date_from) if date_from else None,
        start_before=day_after(date_to) if date_to else None,
    )
    other_kind = profile.other_kind
    # A few dozen venues, all of them: a session may be at one since closed. Their names
    # only: the page shows nothing else of them.
    venues = _VENUES.rows()
    venue_names = {pk: name for pk, name, _ in venues}
    # Every session here lacks this person's kind: its badge says whether the other
    # slot is held.
    badges = {
        held: COVER_BADGES[
            cover_state(
                workforce=held and other_kind == FacilitatorKind.WORKFORCE,
                lived=held and other_kind == FacilitatorKind.LIVED_EXPERIENCE,
            )
        ]
        for held in (0, 1)
    }
    sections = board_sections(
        page.object_list,
        badges=badges,
        programmes=dict(programmes),
        venues=venue_names,
        csrf_token=get_token(request),
        here=request.get_full_path(),
    )
    return render(
        request,
        "facilitators/board.html",
        {
            "profile": profile,
            "page": page,
            "sections": sections,
            "cover_requests": _cover_requests(profile, trained, now, venue_names),
            "programmes": programmes,
            "programme_options": option_list(programmes, programme_id),
            "venue_options": option_list(
                [(pk, name) for pk, name, is_active in venues if is_active], venue_id
            ),
            "programme_id": programme_id,
            "venue_id": venue_id,
            "date_from": date_from,
            "date_to": date_to,
        },
    )


def _cover_requests(profile, programmes: list[int], now, venue_names: dict[int, str]) -> list[dict]:
    """Colleagues' open requests for cover this person could take, soonest first, as
    plain values (``cover_requests_open_to``). Only requests this person could take:
    their reasons are for possible cover only. The venue is named from ``venue_names``."""
    if not profile.is_active:  # a paused facilitator cannot take cover
        return []
    return [
        {
            "pk": row.pk,
            "reason": row.reason,
            "start": row.start,
            "number": row.number,
            "venue": venue_names[row.venue_id] if row.venue_id else None,
            "title": row.title,
            "holder": row.holder,
        }
        for row in cover_requests_open_to(profile, programmes=programmes, now=now)
    ]


def _add_day_and_times(sessions, day_format: str) -> None:
    """Set ``day_text`` (e.g. "Thu 3 Dec 2026" for "%a %-d %b %Y") and ``times_text``
    ("10:00–12:00") on each session, in local time. Written here rather than by the
    template's date filters, which look up day and month names anew for every row: a
    third of the board's rendering."""
    for session in sessions:
        start, end = timezone.localtime(session.start), timezone.localtime(session.end)
        session.day_text = f"{start:{day_format}}"
        session.times_text = f"{start:%H:%M}–{end:%H:%M}"


@require_POST
@login_required
def claim_session_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = own_profile(request)
    session = get_session_for_user(request, pk)
    try:
        claim = slot_claim(session=session, facilitator=profile, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _with_undo(
                request,
                f"You are running {session.label} at {timezone.localtime(session.start):%H:%M}.",
                [claim],
            ),
        )
    return redirect_back(request, reverse("facilitators:board"))


def _with_undo(request, text: str, claims: list[SessionClaim]):
    """The success message of a claim, with its Undo button (a form: it changes data)."""
    form = undo_form(
        pks=[claim.pk for claim in claims],
        until=claims[0].undo_until,
        here=safe_next(request, ""),
        csrf=csrf_input(get_token(request)),
    )
    return format_html("{} {}", text, mark_safe(form))  # noqa: S308 - escaped by undo_form


@require_POST
@login_required
def claim_course_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = own_profile(request)
    course = get_object_or_404(visible_courses(request.user), pk=pk)
    try:
        claims = course_claim(
            course=course,
            facilitator=profile,
            session_ids=ids(request.POST.getlist("session")),
            by=request.user,
        )
    except CourseClaimIncomplete as error:
        messages.warning(request, str(error))
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _with_undo(
                request, _course_claimed(course, [claim.session for claim in claims]), claims
            ),
        )
    return redirect_back(request, reverse("facilitators:board"))


@require_POST
@login_required
def undo_claims_view(request: HttpRequest) -> HttpResponse:
    """Undo claims made by mistake a few minutes ago (all those listed, or none)."""
    own_profile(request)
    claim_ids = ids(request.POST.getlist("claim"))
    try:
        claims = claims_undo(claim_ids=claim_ids, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        sessions = ", ".join(str(c.session.number) for c in claims)
        messages.success(
            request,
            f"Undone: you no longer hold session{'s' if len(claims) > 1 else ''} {sessions} "
            f"of “{claims[0].session.course.title}”. Nobody else was told.",
        )
    return redirect_back(request, reverse("facilitators:mine"))


def _course_claimed(course, sessions: list[Session]) -> str:
    """ "You are running Carers – Northgate: sessions 2, 3 and 4, Fri 11 Dec to Fri 25 Dec." """
    sessions = sorted(sessions, key=lambda s: s.number)
    numbers = [str(s.number) for s in sessions]
    if len(numbers) == 1:
        return f"You are running {course.label}: session {numbers[0]}, {sessions[0].day_label}."
    listed = ", ".join(numbers[:-1]) + f" and {numbers[-1]}"
    return (
        f"You are running {course.label}: sessions {listed}, "
        f"{sessions[0].day_label} to {sessions[-1].day_label}."
    )


# --- My sessions ----------------------------------------------------------------------


@login_required
def my_sessions(request: HttpRequest) -> HttpResponse:
    return _my_sessions_page(request)


def _my_sessions_page(request, *, cover_form=None, cover_claim=None) -> HttpResponse:
    """My sessions; after a bad request for cover, that claim's form shows its error."""
    profile = own_profile(request)
    now = timezone.now()
    notice = TeamSettings.current().release_notice_days
    # Plain rows, with each one's open request for cover (so the page can offer to
    # withdraw it), co-facilitator and whether it can still be undone asked in the same
    # query: a claim, session, course and venue instance a card and two more queries were
    # half the page's work at ten years.
    upcoming = my_upcoming(profile, now)
    register_url = RowLink("programmes:register")
    zone = timezone.get_current_timezone()  # localtime() asks for it anew each call
    # The past list shows when and what only: plain rows, no partner, venue or cover
    # request to read (fifty claims, sessions and courses were half the page's work).
    past = mark_safe(  # noqa: S308 - each line escaped by past_line
        "".join(
            past_line(
                start=start.astimezone(zone),
                title=title,
                number=number,
                register_url=register_url(session_id),
            )
            for session_id, start, title, number in my_past(profile, now)
        )
    )
    # Each row's links from one reverse() per route, not {% url %} per row.
    detail_url = RowLink("facilitators:session_detail")
    release_url, ask_cover_url = RowLink("facilitators:release"), RowLink("facilitators:ask_cover")
    for claim in upcoming:
        claim.release_url = release_url(claim.pk)
        claim.ask_cover_url = ask_cover_url(claim.pk)
        claim.can_release = (
            self_release_problem(
                session=Session(start=claim.start, end=claim.end), now=now, notice_days=notice
            )
            is None
        )
        claim.summary = summary(
            claim,
            start=claim.start.astimezone(zone),
            end=claim.end.astimezone(zone),
            detail_url=detail_url(claim.session_id),
            register_url=register_url(claim.session_id),
        )
    return render(
        request,
        "facilitators/my_sessions.html",
        {
            "profile": profile,
            "upcoming": upcoming,
            "cards": cards(
                upcoming,
                notice=notice,
                csrf_token=get_token(request),
                withdraw_url=RowLink("facilitators:withdraw_cover"),
                here=request.path,
                cover_claim=cover_claim,
                cover_form=cover_form,
            ),
            "past": past,
            "notice": notice,
            "cover_form": cover_form,  # its errors head the page (base.html)
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def release_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, saying what will happen; POST releases."""
    claim = get_object_or_404(
        SessionClaim.objects.select_related(
            "facilitator__user", "session__course", "session__venue"
        ),
        pk=pk,
    )
    # Someone else's claim: facilitators may not know it exists; coordinators may release.
    own = claim.facilitator.user_id == request.user.pk
    if not own and not is_coordinator(request.user):
        raise Http404
    if request.method == "GET":
        return _release_page(request, claim, own=own)
    try:
        slot_release(claim=claim, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        session = claim.session
        text = _released(claim, by=request.user)
        # Their own mistake is mended by claiming it again, while nobody else has.
        take_back = (
            render_to_string("facilitators/_take_back.html", {"session": session}, request=request)
            if own
            else ""
        )
        messages.success(request, format_html("{} {}", text, take_back))
    return redirect_back(request, reverse("facilitators:mine"))


def _release_page(request, claim: SessionClaim, *, own: bool) -> HttpResponse:
    now = timezone.now()
    session = claim.session
    refusal = undo = ""
    if not claim.is_held:
        refusal = "This session was already released."
    elif session.has_started(now):
        refusal = "This session has already started."
    elif own and not is_coordinator(request.user):
        refusal = self_release_problem(
            session=session, now=now, notice_days=TeamSettings.current().release_notice_days
        )
        # Inside the notice period, a claim made by mistake a few minutes ago can still
        # be undone.
        undo = bool(refusal) and (
            SessionClaim.objects.undoable_by(request.user, now).filter(pk=claim.pk).exists()
        )
    default = (
        reverse("facilitators:mine")
        if own
        else reverse("facilitators:session_detail", args=[session.pk])
    )
    back_url = safe_next(request, default)
    return render(
        request,
        "facilitators/release_confirm.html",
        {
            "question": f"Release {session.label}?",
            "claim": claim,
            "session": session,
            "own": own,
            "can_confirm": not refusal,
            "refusal": refusal,
            "undo": undo,
            # Who hears of it (facilitators.notices.notify_released).
            "coordinators_told": own and gave_back_tells_coordinators(session, now),
            "asked_for_cover": claim.is_held
            and CoverRequest.objects.open().filter(claim=claim).exists(),
            "back_url": back_url,
            "next": back_url,
        },
    )


def _released(claim: SessionClaim, *, by) -> str:
    if claim.facilitator.user_id == by.pk:
        return f"You have released {claim.session.label}. It is back on the open sessions board."
    return f"{claim.facilitator.user} is released from {claim.session.label}."


@require_POST
@login_required
def ask_cover_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(
        SessionClaim.objects.held().select_related("session__course", "session__venue"),
        pk=pk,
        facilitator__user=request.user,
    )
    # The ids the page gives this claim's field, so the error summary links to it.
    form = CoverRequestForm(request.POST, auto_id=f"%s-{claim.pk}")
    if not form.is_valid():
        return _my_sessions_page(request, cover_form=form, cover_claim=claim.pk)
    try:
        cover_request_create(claim=claim, by=request.user, reason=form.cleaned_data["reason"])
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Your request for cover for {claim.session.label} is on your colleagues' "
            "boards. You keep the session until someone accepts.",
        )
    return redirect("facilitators:mine")


@require_POST
@login_required
def accept_cover_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = own_profile(request)
    request_ = get_object_or_404(
        CoverRequest.objects.select_related("claim__session__course", "claim__session__venue"),
        pk=pk,
    )
    try:
        cover_request_accept(request=request_, facilitator=profile, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Thank you: {request_.claim.session.label} is now yours.")
    return redirect_back(request, reverse("facilitators:board"))


@require_POST
@login_required
def withdraw_cover_view(request: HttpRequest, pk: int) -> HttpResponse:
    request_ = get_object_or_404(
        CoverRequest.objects.select_related(
            "claim__facilitator__user", "claim__session__course", "claim__session__venue"
        ),
        pk=pk,
    )
    if request_.claim.facilitator.user_id != request.user.pk and not is_coordinator(request.user):
        raise Http404
    try:
        cover_request_withdraw(request=request_, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        claim = request_.claim
        if claim.facilitator.user_id == request.user.pk:
            messages.success(
                request,
                f"Your request for cover for {claim.session.label} is withdrawn. "
                "The session stays yours.",
            )
        else:
            messages.success(
                request,
                f"{claim.facilitator.user}'s request for cover for {claim.session.label} "
                "is withdrawn.",
            )
    return redirect_back(request, reverse("facilitators:mine"))


# --- Sessions and cover, for everyone and for coordinators -------------------------------

# A session's page, compiled once a process (hope/compiled.py): building these cost Django
# more than PostgreSQL took to run them.
_SESSION_CLAIMS = Compiled(
    lambda session: (
        SessionClaim.objects.filter(session=session)
        .select_related("facilitator__user", "claimed_by", "released_by")
        .order_by("claimed_at", "pk")
    ),
    session=int,
)
_SESSION_HISTORY = Compiled(
    lambda session: AuditEvent.objects.filter(
        target_type="programmes.session", target_id=session
    ).only("created_at", "summary")[:30],
    session=str,
)


@login_required
@role_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request, pk)
    claims = _SESSION_CLAIMS.instances(session=session.pk)
    for claim in claims:
        claim.session = session
    add_cover([session], claims)
    holding = {c.kind: c for c in claims if c.is_held}
    now = timezone.now()
    to_come = not session.has_started(now)
    # A coordinator assigns or reassigns only a session still to come, not cancelled: the
    # colleagues who could take it are looked for only then (three queries).
    may_assign = is_coordinator(request.user) and to_come and not session.is_cancelled
    context = {
        "session": session,
        "claims": claims,
        "slots": [
            {"kind": kind, "label": label, "claim": holding.get(kind)}
            for kind, label in FacilitatorKind.choices
        ],
        "history": _SESSION_HISTORY.instances(session=str(session.pk)),
        "may_assign": may_assign,
        "may_release": is_coordinator(request.user) and to_come,
        "may_take_register": not session.is_cancelled and may_take_register(request.user, session),
        # The signed-in person's own claim, made a few minutes ago, can be undone here; only
        # on a session not started (SessionClaim.objects.undoable_by), so not asked after.
        "undoable": set(session.claims.undoable_by(request.user, now).values_list("pk", flat=True))
        if to_come
        else set(),
    }
    if may_assign:
        # Both slots offered (assigning replaces): the holders themselves are busy at
        # this time, so never among them.
        eligible: dict[str, list[FacilitatorProfile]] = {}
        for profile in (
            free_to_step_in(session).select_related("user").order_by("user__full_name", "pk")
        ):
            eligible.setdefault(profile.kind, []).append(profile)
        for slot in context["slots"]:
            slot["eligible"] = eligible.get(slot["kind"], [])
    return render(request, "facilitators/session_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@coordinator_required
def assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the colleagues who could fill the session's open slots, to choose one (from
    the cover page). POST: put the one chosen in the slot of their kind."""
    session = get_object_or_404(Session.objects.select_related("course__programme", "venue"), pk=pk)
    if request.method == "GET":
        return _choose_page(request, session)
    profile = (
        FacilitatorProfile.objects.select_related("user")
        .filter(pk=int_or_none(request.POST.get("facilitator")))
        .first()
    )
    if profile is None:
        messages.error(request, "Choose a facilitator to assign.")
    else:
        try:
            slot_assign(session=session, facilitator=profile, by=request.user)
        except SlotError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{profile.user} assigned to {session.label}.")
            return redirect_back(request, reverse("facilitators:session_detail", args=[pk]))
    # Refused from the page of choices: back to it, to choose again from who is free now.
    if request.POST.get("from") == "choose":
        return redirect("facilitators:assign", pk=pk)
    return redirect_back(request, reverse("facilitators:session_detail", args=[pk]))


def _choose_page(request: HttpRequest, session: Session) -> HttpResponse:
    """Who could step in to each open slot of ``session``: their name, what they hold
    in the coming weeks and their training, each with an Assign button that returns to
    the cover page. A fixed number of queries whatever the team's size."""
    now = timezone.now()
    add_cover([session])
    _add_day_and_times([session], "%A %-d %B %Y")
    kinds = missing_kinds(session)
    open_now = not session.is_cancelled and not session.has_started(now)
    people = []
    if kinds and open_now:
        months = TeamSettings.current().refresher_months
        today = timezone.localdate(now)
        coming = SessionClaim.objects.held().filter(
            facilitator=OuterRef("pk"),
            start__gt=now,
            start__lt=now + timedelta(days=COVER_WINDOW_DAYS),
        )
        people = [
            {
                "pk": pk,
                "kind": kind,
                "kind_label": FacilitatorKind(kind).label.lower(),
                "name": name,
                "availability": availability,
                "training": Training(trained_on=trained_on, refreshed_on=refreshed_on),
                "coming": coming_count,
            }
            for pk, kind, name, availability, trained_on, refreshed_on, coming_count in (
                free_to_step_in(session)
                .filter(kind__in=kinds)
                # The training the rule joined, for this session's programme.
                .annotate(
                    trained_on=F("trainings__trained_on"),
                    refreshed_on=F("trainings__refreshed_on"),
                    coming=count_of(coming),
                )
                .order_by("user__full_name", "pk")
                .values_list(
                    "pk",
                    "kind",
                    "user__full_name",
                    "availability_note",
                    "trained_on",
                    "refreshed_on",
                    "coming",
                )
            )
        ]
        for person in people:
            person["refresher_due"] = person["training"].refresher_due(months, today)
    csrf_token = get_token(request)
    back = safe_next(request, reverse("facilitators:cover_gaps"))
    session.assign_url = request.path
    slots = [
        {
            "kind": kind,
            "label": FacilitatorKind(kind).label,
            "rows": format_html_join(
                "",
                "{}",
                (
                    (
                        candidate_row(
                            person,
                            session,
                            window=COVER_WINDOW_DAYS,
                            csrf_token=csrf_token,
                            next_url=back,
                        ),
                    )
                    for person in people
                    if person["kind"] == kind
                ),
            ),
        }
        for kind in kinds
    ]
    return render(
        request,
        "facilitators/assign.html",
        {
            "session": session,
            "slots": slots,
            "open_now": open_now,
            "window": COVER_WINDOW_DAYS,
        },
    )


# The cover page's sessions and open requests, compiled once a process
# (hope/compiled.py): building and compiling the unpaired rule's count subquery and the
# requests' five joins cost Django more than PostgreSQL took to run them.
_NEEDING_COVER = Compiled(
    lambda now, until: (
        needing_cover_before(now, until).values_list(*COVER_ROW_FIELDS).order_by("start", "pk")
    ),
    now=datetime,
    until=datetime,
)
_OPEN_COVER_REQUESTS = Compiled(
    lambda now: (
        CoverRequest.objects.open()
        .filter(claim__session__start__gt=now)
        .order_by("claim__session__start")
        .values_list(
            "claim__session_id",
            "claim__session__start",
            "claim__session__course__title",
            "claim__session__number",
            "claim__facilitator__user__full_name",
            "claim__kind",
            "requested_at",
            "reason",
        )
    ),
    now=datetime,
)


@login_required
@coordinator_required
def cover_gaps(request: HttpRequest) -> HttpResponse:
    """Sessions coming up without a full pair, soonest first, each open slot with how
    many could step in and a link to choose who (``assign_view``)."""
    now = timezone.now()
    sessions = [
        CoverRow(*row)
        for row in _NEEDING_COVER.rows(now=now, until=now + timedelta(days=COVER_WINDOW_DAYS))
    ]
    _add_day_and_times(sessions, "%a %-d %b")
    # Each row's links from one reverse() per route, not {% url %} per row.
    detail_url, choose_url = RowLink("facilitators:session_detail"), RowLink("facilitators:assign")
    for session in sessions:
        session.detail_url = detail_url(session.pk)
        session.choose_url = choose_url(session.pk)
    gaps = gaps_of(sessions)
    for gap in gaps:
        gap.row_html = gap_row(gap)
    # Plain values, the few the lines show: five joined instances a request cost more
    # to read than the (usually empty) list.
    kinds = {kind: label.lower() for kind, label in FacilitatorKind.choices}
    cover_requests = [
        {
            "url": detail_url(session_id),
            "start": start,
            "title": title,
            "number": number,
            "name": name,
            "kind": kinds[kind],
            "requested_at": requested_at,
            "reason": reason,
        }
        for session_id, start, title, number, name, kind, requested_at, reason in (
            _OPEN_COVER_REQUESTS.rows(now=now)
        )
    ]
    return render(
        request,
        "facilitators/cover_gaps.html",
        {"gaps": gaps, "cover_requests": cover_requests, "window": COVER_WINDOW_DAYS},
    )


# --- Profiles ------------------------------------------------------------------------------


def _profiles_with_upcoming(now: datetime):
    """Every profile, by name, as the list's plain columns: who, kind, status and how
    many held claims they have to come."""
    upcoming = (
        SessionClaim.objects.held()
        .upcoming(now)
        .filter(facilitator=OuterRef("pk"))
        .order_by()
        .values("facilitator")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        FacilitatorProfile.objects
        # Counted per person on the held-claims index: a COUNT over a join read every
        # claim of ten years to find the few dozen to come.
        .annotate(upcoming=Coalesce(Subquery(upcoming), 0))
        .order_by("user__full_name", "pk")
        .values_list("pk", "user__full_name", "kind", "status", "upcoming")
    )


def _trainings_with_due(trainings, cutoff: date):
    """``trainings`` as (profile, programme name, refresher due) rows, by programme."""
    return (
        trainings.with_refresher_due_by(cutoff)
        .order_by("programme__name", "pk")
        .values_list("profile_id", "programme__name", "is_refresher_due")
    )


# The list's two queries, everyone's or one kind's, compiled once a process
# (hope/compiled.py): Django took longer to build and compile the count subquery and the
# refresher rule (about 2 ms at ten years) than PostgreSQL took to run them.
_PROFILES = Compiled(_profiles_with_upcoming, now=datetime)
_PROFILES_OF_KIND = Compiled(
    lambda now, kind: _profiles_with_upcoming(now).filter(kind=kind), now=datetime, kind=str
)
_TRAININGS = Compiled(
    lambda cutoff: _trainings_with_due(Training.objects.all(), cutoff), cutoff=date
)
_TRAININGS_OF_KIND = Compiled(
    lambda cutoff, kind: _trainings_with_due(Training.objects.filter(profile__kind=kind), cutoff),
    cutoff=date,
    kind=str,
)


@login_required
@coordinator_required
def facilitator_list(request: HttpRequest) -> HttpResponse:
    audit_viewed(request, "the list of facilitators")
    months = TeamSettings.current().refresher_months
    now, cutoff = timezone.now(), refresher_cutoff(months)
    kind = request.GET.get("kind")
    if kind in FacilitatorKind.values:
        profiles = _PROFILES_OF_KIND.rows(now=now, kind=kind)
        chosen_trainings = _TRAININGS_OF_KIND.rows(cutoff=cutoff, kind=kind)
    else:
        profiles = _PROFILES.rows(now=now)
        chosen_trainings = _TRAININGS.rows(cutoff=cutoff)
    # Everyone's trainings in one query of plain tuples, grouped here: a thousand
    # Training and Programme instances, each working out its own refresher date, were
    # most of the page's time at ten years. Each programme's name escaped once: a
    # thousand trainings name a dozen programmes.
    names: dict[str, str] = {}
    trainings: dict[int, list[str]] = {}
    due: dict[int, list[str]] = {}
    for profile_id, programme, is_due in chosen_trainings:
        if (name := names.get(programme)) is None:
            name = names[programme] = html_escape(programme)
        trainings.setdefault(profile_id, []).append(name)
        if is_due:
            due.setdefault(profile_id, []).append(programme)
    # Each row written here, the template's markup, from plain values: 150 rows of ten
    # template nodes each (~10 µs a node) were most of the page's time, and format_html's
    # checks on each of seven values a row most of what was left (the standard library's
    # escape: the same five characters). Labels looked up and escaped once per kind and
    # status rather than per person.
    kinds = {value: html_escape(label) for value, label in FacilitatorKind.choices}
    statuses = {value: html_escape(label) for value, label in FacilitatorStatus.choices}
    edit_url = RowLink("facilitators:facilitator_edit")
    rows = [
        {
            "pk": pk,
            "refresher_due": due.get(pk, []),
            "html": mark_safe(  # noqa: S308 - every value escaped here or above, or a number
                _FACILITATOR_ROW.format(
                    html_escape(edit_url(pk)),
                    html_escape(name),
                    kinds[profile_kind],
                    statuses[status],
                    "; ".join(trainings.get(pk, ())) or "No training recorded",
                    _REFRESHER_DUE if pk in due else "",
                    int(upcoming_count),
                )
            ),
        }
        for pk, name, profile_kind, status, upcoming_count in profiles
    ]
    return render(
        request,
        "facilitators/facilitator_list.html",
        {
            "rows": rows,
            # Joined here: the template's loop cost 10 µs a row, over a hundred rows.
            "rows_html": mark_safe("".join(f"{row['html']}\n  " for row in rows)),  # noqa: S308 - each row escaped above
            "kind": kind,
            "kinds": FacilitatorKind.choices,
            "months": months,
        },
    )


_FACILITATOR_ROW = """
  <tr>
    <th scope="row"><a href="{}">{}</a></th>
    <td data-label="Kind">{}</td>
    <td data-label="Status">{}</td>
    <td data-label="Trained to deliver" class="small">{}
      {}</td>
    <td data-label="Upcoming sessions">{}</td>
  </tr>"""
_REFRESHER_DUE = mark_safe(
    '<br><span class="badge hope-status hope-status-cancelled">Refresher due</span>'
)


def _lock_profile_row(profile: FacilitatorProfile) -> None:
    # Claims lock the profile while checking training; so do changes to training, so a
    # claim never slips through on a training being removed at the same moment.
    FacilitatorProfile.objects.select_for_update().filter(pk=profile.pk).first()


@login_required
@coordinator_required
def facilitator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(FacilitatorProfile.objects.select_related("user"), pk=pk)
    if request.method == "GET":
        audit_viewed(request, f"the facilitator details of {profile.user.email}")
    months = TeamSettings.current().refresher_months
    action = request.POST.get("action")
    form = ProfileForm(request.POST if action == "profile" else None, instance=profile)
    training_form = TrainingForm(request.POST if action == "training" else None, profile=profile)
    if action == "profile" and form.is_valid():
        save_with_audit(form=form, actor=request.user, noun="facilitator")
        messages.success(request, f"{profile.user}'s profile is saved.")
        return redirect("facilitators:facilitator_edit", pk=pk)
    if action == "training" and training_form.is_valid():
        with transaction.atomic():
            _lock_profile_row(profile)
            save_with_audit(form=training_form, actor=request.user, noun="training")
        messages.success(
            request,
            f"{profile.user}'s training in {training_form.instance.programme.name} is recorded.",
        )
        return redirect("facilitators:facilitator_edit", pk=pk)
    today = timezone.localdate()
    trainings = [
        {"training": t, "due": t.refresher_due(months, today)}
        for t in profile.trainings.select_related("programme")
    ]
    return render(
        request,
        "facilitators/facilitator_edit.html",
        {
            "profile": profile,
            "form": form,
            "training_form": training_form,
            "trainings": trainings,
            "months": months,
            "statuses": FacilitatorStatus,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@coordinator_required
def training_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, saying which sessions they keep; POST removes the training."""
    training = get_object_or_404(
        Training.objects.select_related("profile__user", "programme"), pk=pk
    )
    if request.method == "GET":
        # Removing a training stops new claims; it does not release sessions held.
        kept = (
            SessionClaim.objects.held()
            .upcoming()
            .filter(facilitator=training.profile, session__course__programme=training.programme)
            .count()
        )
        return render(
            request,
            "facilitators/training_delete.html",
            {
                "question": f"Remove {training.profile.user.full_name}'s "
                f"{training.programme.name} training?",
                "training": training,
                "kept": kept,
                "can_confirm": True,
                "back_url": reverse("facilitators:facilitator_edit", args=[training.profile_id]),
            },
        )
    with transaction.atomic():
        _lock_profile_row(training.profile)
        training.delete()
    messages.success(
        request, f"{training.profile.user}'s training in {training.programme.name} is removed."
    )
    return redirect("facilitators:facilitator_edit", pk=training.profile_id)


@login_required
def my_profile(request: HttpRequest) -> HttpResponse:
    profile = own_profile(request)
    form = OwnProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        save_with_audit(form=form, actor=request.user, noun="facilitator")
        messages.success(request, "Your details are saved.")
        return redirect("facilitators:my_profile")
    feed_url = request.build_absolute_uri(
        reverse("facilitators:feed", args=[profile.calendar_token])
    )
    return render(
        request,
        "facilitators/my_profile.html",
        {
            "profile": profile,
            "form": form,
            "feed_url": feed_url,
            "trainings": profile.trainings.select_related("programme"),
        },
    )


@require_POST
@login_required
def reset_feed_token(request: HttpRequest) -> HttpResponse:
    profile = own_profile(request)
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token", "updated_at"])
    messages.success(
        request,
        "Your calendar address has changed. Subscribe again with the new address; the old "
        "one no longer works.",
    )
    return redirect("facilitators:my_profile")
