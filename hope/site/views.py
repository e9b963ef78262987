"""Pages that draw on every app: the home page (for each person, what needs them today)
and the team settings (the kernel's rules and the programmes listed publicly)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html

from expenses.models import ExpenseClaim, ExpenseStatus
from facilitators.access import profile_of
from facilitators.cover import COVER_WINDOW_DAYS
from facilitators.models import SessionClaim
from hope.access import coordinator_required
from hope.audit import audit_viewed, save_with_audit
from hope.compiled import Compiled
from hope.forms import TeamSettingsForm
from hope.links import RowLink
from hope.models import AuditArea, TeamSettings
from hope.roles import Role, has_working_role, is_coordinator, role_names
from hope.site.figures import coordinator_figures
from programmes.access import driver_options, sessions_visible
from programmes.forms import ProgrammeListingForm
from programmes.models.rides import RIDES_WANTED_DAYS
from programmes.public import forget_listing
from programmes.ride_rows import add_assign_forms, soonest_unmet
from programmes.services.courses import programmes_list_publicly

# The soonest rides wanted shown on a coordinator's home page; the rest are a link away.
HOME_RIDES_SHOWN = 10


# The home page's queries, compiled once a process (hope/compiled.py): building them cost
# Django more than PostgreSQL took to run them, on the page everyone opens first.
_MY_NEXT = Compiled(
    lambda profile, now: (
        SessionClaim.objects.held()
        .upcoming(now)
        .filter(facilitator=profile)
        .order_by("session__start")
        .values_list(
            "session__start", "session__course__title", "session__number", "session__venue__name"
        )[:3]
    ),
    profile=int,
    now=datetime,
)
_COMING_UP = {
    coordinator: Compiled(
        lambda now, coordinator=coordinator: (
            sessions_visible(coordinator=coordinator)
            .filter(is_cancelled=False)
            .upcoming(now)
            .order_by("start", "pk")
            .values_list("start", "course_id", "course__title", "number", "venue__name")[:5]
        ),
        now=datetime,
    )
    for coordinator in (True, False)
}
# One row of counts, or none for someone with no claims (grouped by the one claimant).
_MY_CLAIMS = Compiled(
    lambda user: (
        ExpenseClaim.objects.filter(claimant=user)
        .order_by()
        .values("claimant")
        .annotate(
            drafts=Count("pk", filter=Q(status=ExpenseStatus.DRAFT)),
            waiting=Count("pk", filter=Q(status=ExpenseStatus.SUBMITTED)),
            to_be_paid=Count("pk", filter=Q(status=ExpenseStatus.APPROVED)),
        )
        .values_list("drafts", "waiting", "to_be_paid")
    ),
    user=int,
)
_FINANCE_QUEUE = Compiled(
    lambda user: ExpenseClaim.objects.filter(status=ExpenseStatus.SUBMITTED)
    .exclude(claimant=user)
    .order_by()
    .values("status")
    .annotate(n=Count("pk"))
    .values_list("n"),
    user=int,
)  # fmt: skip


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    names = role_names(request.user)
    coordinator = is_coordinator(request.user)
    context = {
        "has_any_role": bool(names) or request.user.is_superuser,
        "facilitator_kind": None,
    }
    now = timezone.now()
    if Role.FACILITATOR in names:
        profile = profile_of(request.user)
        context["facilitator_kind"] = profile.get_kind_display() if profile else None
        if profile:
            # Each line written here from plain values: three claims with their session,
            # course and venue instances, and the template's date filter, cost more than
            # the rest of the facilitator's part of the page.
            context["my_next"] = [
                format_html(
                    "{} – {}, session {}{}",
                    f"{timezone.localtime(start):%a %-d %b, %H:%M}",
                    title,
                    number,
                    format_html(" at {}", venue) if venue else "",
                )
                for start, title, number, venue in _MY_NEXT.rows(profile=profile.pk, now=now)
            ]
    # An evidence viewer reads the reports alone: no sessions, no names.
    if has_working_role(request.user):
        # Plain rows, each line's day and link written here: five sessions with their
        # course, programme and venue instances cost more than the rest of the list.
        course_url = RowLink("programmes:course_detail")
        context["coming_up"] = [
            {
                "when": f"{timezone.localtime(start):%a %-d %b, %H:%M}",
                "course_url": course_url(course_id),
                "title": title,
                "number": number,
                "venue": venue,
            }
            for start, course_id, title, number, venue in _COMING_UP[coordinator].rows(now=now)
        ]
    if coordinator:
        # The figures as remembered (hope/site/figures.py); two queries for the rides
        # wanted (the soonest with how many in all, the drivers) and the audit line.
        context.update(coordinator_figures(now))
        context["rides_wanted"], context["rides_wanted_count"] = soonest_unmet(
            days=RIDES_WANTED_DAYS, limit=HOME_RIDES_SHOWN, now=now
        )
        context["cover_window"] = COVER_WINDOW_DAYS
        add_assign_forms(
            context["rides_wanted"], options=driver_options(), request=request,
            id_prefix="home-driver",
        )  # fmt: skip
        context["ride_days"] = RIDES_WANTED_DAYS
        if context["rides_wanted"]:
            # Participants' first names and districts, as on the rides wanted page.
            audit_viewed(request, "the rides wanted, on the home page", area=AuditArea.ROTA)
    if Role.VOLUNTEER in names or Role.FACILITATOR in names:
        drafts, waiting, to_be_paid = next(iter(_MY_CLAIMS.rows(user=request.user.pk)), (0, 0, 0))
        context["my_claims"] = {"drafts": drafts, "waiting": waiting, "to_be_paid": to_be_paid}
    if Role.EVIDENCE_VIEWER in names:
        context["suppress_below"] = settings.SUPPRESS_BELOW
    if Role.FINANCE_LEAD in names:
        context["finance_queue"] = next(iter(_FINANCE_QUEUE.rows(user=request.user.pk)), (0,))[0]
    return render(request, "hope/home.html", context)


@login_required
@coordinator_required
def team_settings(request: HttpRequest) -> HttpResponse:
    form = TeamSettingsForm(request.POST or None, instance=TeamSettings.current())
    listing = ProgrammeListingForm(request.POST or None)
    # Both forms are checked (``&``), so each shows all its messages at once.
    if request.method == "POST" and form.is_valid() & listing.is_valid():
        with transaction.atomic():
            saved = save_with_audit(form=form, actor=request.user, noun="team_settings")
            programmes_list_publicly(listed=list(listing.cleaned_data["listed"]), by=request.user)
            # The public pages show the new words now, and again once committed.
            forget_listing()
            transaction.on_commit(forget_listing)
        listed = ", ".join(p.name for p in listing.cleaned_data["listed"]) or "none"
        messages.success(
            request,
            f"Team settings saved: refreshers every {saved.refresher_months} months, "
            f"sessions released up to {saved.release_notice_days} days before, and "
            f"programmes listed on the public pages: {listed}.",
        )
        return redirect("team_settings")
    return render(request, "hope/team_settings.html", {"form": form, "listing": listing})
