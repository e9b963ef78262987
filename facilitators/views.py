from __future__ import annotations

import copy
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from facilitators.access import own_profile
from facilitators.cover import COVER_WINDOW_DAYS, add_cover, needing_cover
from facilitators.forms import CoverRequestForm, OwnProfileForm, ProfileForm, TrainingForm
from facilitators.models import (
    CoverRequest,
    FacilitatorKind,
    FacilitatorProfile,
    FacilitatorStatus,
    SessionClaim,
    Training,
    held,
    new_calendar_token,
)
from facilitators.queries import clashes_with, gaps_with_eligible
from facilitators.services import (
    CourseClaimIncomplete,
    SlotError,
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
from hope.models import AuditEvent, TeamSettings
from hope.params import date_or_none, ids, int_or_none
from hope.redirects import redirect_back
from hope.roles import is_coordinator
from programmes.access import may_take_register, visible_courses, visible_sessions
from programmes.models import CourseStatus, Programme, Session
from venues.models import Venue

# --- The open sessions board -------------------------------------------------------


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Upcoming sessions with a free slot of my kind, for programmes I am trained in."""
    profile = own_profile(request)
    now = timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    trained = Training.objects.filter(profile=profile).values("programme_id")
    my_kind_held = SessionClaim.objects.held().filter(session=OuterRef("pk"), kind=profile.kind)
    sessions = (
        Session.objects.upcoming(now)
        .filter(
            is_cancelled=False,
            course__status=CourseStatus.PUBLISHED,
            course__programme__in=trained,
        )
        .exclude(Exists(my_kind_held))
        # A session on a day the team has since closed is for the coordinator to move
        # or cancel, not for anyone to claim.
        .on_open_days()
        .annotate(clashes=clashes_with(profile))
        .select_related("course", "course__programme", "course__venue", "venue")
    )
    programme_id = int_or_none(request.GET.get("programme"))
    venue_id = int_or_none(request.GET.get("venue"))
    date_from = date_or_none(request.GET.get("from"))
    date_to = date_or_none(request.GET.get("to"))
    if programme_id:
        sessions = sessions.filter(course__programme_id=programme_id)
    if venue_id:
        sessions = sessions.filter(venue_id=venue_id)
    if date_from:
        sessions = sessions.filter(start__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to:
        sessions = sessions.filter(
            start__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
        )
    page = Paginator(sessions.order_by("start", "pk"), 60).get_page(request.GET.get("page"))
    add_cover(page.object_list)
    courses: dict[int, dict] = {}
    for session in page:
        group = courses.setdefault(
            session.course_id, {"course": session.course, "sessions": [], "free_ids": []}
        )
        group["sessions"].append(session)
        if not session.clashes:
            group["free_ids"].append(session.pk)
    # Only requests this person could take: their reasons are for possible cover only.
    cover_requests = (
        CoverRequest.objects.open()
        .filter(
            claim__kind=profile.kind,
            claim__session__start__gt=now,
            claim__session__course__programme__in=trained,
            claim__session__in=Session.objects.on_open_days(),
        )
        .exclude(claim__facilitator=profile)
        .select_related(
            "claim__session__course", "claim__session__venue", "claim__facilitator__user"
        )
        .order_by("claim__session__start")
    )
    if not profile.is_active:  # a paused facilitator cannot take cover
        cover_requests = cover_requests.none()
    return render(
        request,
        "facilitators/board.html",
        {
            "profile": profile,
            "page": page,
            "courses": list(courses.values()),
            "cover_requests": cover_requests,
            "programmes": Programme.objects.filter(pk__in=trained),
            "venues": Venue.objects.active(),
            "programme_id": programme_id,
            "venue_id": venue_id,
            "date_from": date_from,
            "date_to": date_to,
        },
    )


@require_POST
@login_required
def claim_session_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = own_profile(request)
    session = get_object_or_404(visible_sessions(request.user), pk=pk)
    try:
        slot_claim(session=session, facilitator=profile, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"You are running “{session.course.title}” session {session.number} on "
            f"{timezone.localtime(session.start):%A %-d %B at %H:%M}.",
        )
    return redirect_back(request, reverse("facilitators:board"))


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
        messages.success(request, f"You are running {len(claims)} sessions of “{course.title}”.")
    return redirect_back(request, reverse("facilitators:board"))


# --- My sessions ----------------------------------------------------------------------


@login_required
def my_sessions(request: HttpRequest) -> HttpResponse:
    return _my_sessions_page(request)


def _my_sessions_page(request, *, cover_form=None, cover_claim=None) -> HttpResponse:
    """My sessions; after a bad request for cover, that claim's form shows its error."""
    profile = own_profile(request)
    now = timezone.now()
    notice = TeamSettings.current().release_notice_days
    other_kind = (
        FacilitatorKind.LIVED_EXPERIENCE
        if profile.kind == FacilitatorKind.WORKFORCE
        else FacilitatorKind.WORKFORCE
    )
    claims = (
        SessionClaim.objects.held()
        .filter(facilitator=profile)
        .select_related("session__course", "session__venue")
        .annotate(
            asked_for_cover=Exists(CoverRequest.objects.open().filter(claim=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch(
                "session__claims",
                queryset=SessionClaim.objects.held()
                .filter(kind=other_kind)
                .select_related("facilitator__user"),
                to_attr="partners",
            )
        )
    )
    upcoming = list(claims.upcoming(now).order_by("session__start"))
    past = list(claims.filter(start__lte=now).order_by("-session__start")[:50])
    for claim in upcoming:
        claim.can_release = (
            self_release_problem(session=claim.session, now=now, notice_days=notice) is None
        )
    return render(
        request,
        "facilitators/my_sessions.html",
        {
            "profile": profile,
            "upcoming": upcoming,
            "past": past,
            "notice": notice,
            "cover_form": cover_form or CoverRequestForm(),
            "cover_claim": cover_claim,
        },
    )


@require_POST
@login_required
def release_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(SessionClaim.objects.select_related("facilitator"), pk=pk)
    # Someone else's claim: facilitators may not know it exists; coordinators may release.
    if claim.facilitator.user_id != request.user.pk and not is_coordinator(request.user):
        raise Http404
    try:
        slot_release(claim=claim, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The session is released.")
    return redirect_back(request, reverse("facilitators:mine"))


@require_POST
@login_required
def ask_cover_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(SessionClaim.objects.held(), pk=pk, facilitator__user=request.user)
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
            "Your request for cover is on your colleagues' boards. You keep the session "
            "until someone accepts.",
        )
    return redirect("facilitators:mine")


@require_POST
@login_required
def accept_cover_view(request: HttpRequest, pk: int) -> HttpResponse:
    profile = own_profile(request)
    request_ = get_object_or_404(CoverRequest.objects.select_related("claim"), pk=pk)
    try:
        cover_request_accept(request=request_, facilitator=profile, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thank you: the session is now yours.")
    return redirect_back(request, reverse("facilitators:board"))


@require_POST
@login_required
def withdraw_cover_view(request: HttpRequest, pk: int) -> HttpResponse:
    request_ = get_object_or_404(CoverRequest.objects.select_related("claim__facilitator"), pk=pk)
    if request_.claim.facilitator.user_id != request.user.pk and not is_coordinator(request.user):
        raise Http404
    try:
        cover_request_withdraw(request=request_, by=request.user)
    except SlotError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The request for cover is withdrawn.")
    return redirect_back(request, reverse("facilitators:mine"))


# --- Sessions and cover, for everyone and for coordinators -------------------------------


@login_required
@role_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(visible_sessions(request.user), pk=pk)
    add_cover([session])
    claims = list(
        session.claims.select_related("facilitator__user", "claimed_by", "released_by").order_by(
            "claimed_at", "pk"
        )
    )
    holding = {c.kind: c for c in claims if c.is_held}
    context = {
        "session": session,
        "claims": claims,
        "slots": [
            {"kind": kind, "label": label, "claim": holding.get(kind)}
            for kind, label in FacilitatorKind.choices
        ],
        "history": AuditEvent.objects.filter(
            target_type="programmes.session", target_id=str(session.pk)
        ).select_related("actor")[:30],
        "now": timezone.now(),
        "may_take_register": not session.is_cancelled and may_take_register(request.user, session),
    }
    if is_coordinator(request.user) and not session.is_cancelled:
        gaps = gaps_with_eligible([_all_missing(session)], session.start, session.end)
        eligible = {gap.kind: gap.eligible for gap in gaps}
        for slot in context["slots"]:
            slot["eligible"] = eligible.get(slot["kind"], [])
    return render(request, "facilitators/session_detail.html", context)


def _all_missing(session: Session) -> Session:
    """A copy of the session with both slots treated as open, so the page offers
    candidates for both (assigning replaces). A copy: the page still shows the real cover."""
    candidate = copy.copy(session)
    candidate.workforce_name = None
    candidate.lived_name = None
    return candidate


@require_POST
@login_required
@coordinator_required
def assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=pk)
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
            messages.success(request, f"{profile.user} is assigned to session {session.number}.")
    return redirect_back(request, reverse("facilitators:session_detail", args=[pk]))


@login_required
@coordinator_required
def cover_gaps(request: HttpRequest) -> HttpResponse:
    """Sessions coming up without a full pair, soonest first, with who could step in."""
    now = timezone.now()
    until = now + timedelta(days=COVER_WINDOW_DAYS)
    sessions = list(
        needing_cover(now)
        .select_related("course", "course__programme", "venue")
        .order_by("start", "pk")
    )
    add_cover(sessions)
    gaps = gaps_with_eligible(sessions, now, until)
    cover_requests = (
        CoverRequest.objects.open()
        .filter(claim__session__start__gt=now)
        .select_related(
            "claim__session__course", "claim__session__venue", "claim__facilitator__user"
        )
        .order_by("claim__session__start")
    )
    return render(
        request,
        "facilitators/cover_gaps.html",
        {"gaps": gaps, "cover_requests": cover_requests, "window": COVER_WINDOW_DAYS},
    )


# --- Profiles ------------------------------------------------------------------------------


@login_required
@coordinator_required
def facilitator_list(request: HttpRequest) -> HttpResponse:
    audit_viewed(request, "the list of facilitators")
    months = TeamSettings.current().refresher_months
    today = timezone.localdate()
    profiles = (
        FacilitatorProfile.objects.select_related("user")
        .prefetch_related(
            Prefetch("trainings", queryset=Training.objects.select_related("programme"))
        )
        .annotate(
            upcoming=Count(
                "claims",
                filter=held("claims__") & Q(claims__start__gt=timezone.now()),
            )
        )
        .order_by("user__full_name", "pk")
    )
    kind = request.GET.get("kind")
    if kind in FacilitatorKind.values:
        profiles = profiles.filter(kind=kind)
    rows = []
    for profile in profiles:
        due = [t for t in profile.trainings.all() if t.refresher_due(months, today)]
        rows.append({"profile": profile, "refresher_due": due})
    return render(
        request,
        "facilitators/facilitator_list.html",
        {"rows": rows, "kind": kind, "kinds": FacilitatorKind.choices, "months": months},
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
        messages.success(request, "Training recorded.")
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


@require_POST
@login_required
@coordinator_required
def training_delete(request: HttpRequest, pk: int) -> HttpResponse:
    training = get_object_or_404(Training.objects.select_related("profile"), pk=pk)
    with transaction.atomic():
        _lock_profile_row(training.profile)
        training.delete()
    messages.success(request, "Training removed.")
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
