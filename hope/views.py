from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hope import health
from hope.access import coordinator_required, people_manager_required, role_required
from hope.audit import audit_viewed, readable_areas
from hope.cache import cache_state
from hope.compiled import Compiled
from hope.days import day_after, day_start
from hope.forms import (
    AcceptInvitationForm,
    AuditFilterForm,
    InvitationForm,
    NoticePreferencesForm,
    PersonForm,
)
from hope.links import RowLink
from hope.message_rows import message_row
from hope.models import (
    AuditArea,
    AuditEvent,
    Invitation,
    Message,
    MessageStatus,
    Notice,
    User,
)
from hope.paging import CountedPaginator, counted_page
from hope.roles import Role, is_coordinator
from hope.services import (
    InvitationError,
    PersonError,
    TooManyInvitations,
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    may_manage_invitation,
    person_set_active,
    person_update,
)
from hope.signals import person_commitments
from hope.signin import has_second_factor, mfa_required


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitoring. 503 only when requests cannot be served (the
    database); Redis, the cache, the worker and beat are reported, since the app keeps
    working without them for a while (messages wait in the database)."""
    checks = {
        "database": health.check_database(),
        "broker": health.check_broker(),
        "cache": cache_state(),
    }
    if checks["database"] == "ok":
        checks.update(health.check_background())
    serving = checks["database"] == "ok"
    everything = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if everything else ("degraded" if serving else "unavailable"), **checks},
        status=200 if serving else 503,
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "hope/accessibility.html")


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """The least a signed-in request costs: every middleware, the session, the person and
    their roles (three queries), and no page. `make bench` measures each page against
    it, so the ratios hold on a busy machine; a monitor may use it to check sign-in works."""
    return HttpResponse("Signed in.\n", content_type="text/plain; charset=utf-8")


PEOPLE_PER_PAGE = 25
PEOPLE_SEARCH_LENGTH = 100


@login_required
@people_manager_required
def people(request: HttpRequest) -> HttpResponse:
    audit_viewed(request, "the list of people")
    users = User.objects.all()
    # A county network has hundreds of accounts: found by name or email, a page at a time.
    search = request.GET.get("q", "").strip()[:PEOPLE_SEARCH_LENGTH]
    if search:
        users = users.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    # Plain rows, counted as they are read, each person's roles by name from a subquery:
    # person, profile and group instances (and Paginator's own COUNT) were most of the
    # page's time.
    role_names = ArraySubquery(
        Group.objects.filter(user=OuterRef("pk")).order_by("name").values("name")
    )
    page = counted_page(
        users.order_by("full_name", "pk").values_list(
            "pk", "full_name", "email", "is_active", "is_driver", "facilitator_profile__kind",
            role_names,
        ),
        request.GET.get("page"),
        per_page=PEOPLE_PER_PAGE,
    )  # fmt: skip
    person_link = RowLink("person_detail")
    rows = [
        {
            "url": person_link(pk),
            "name": name,
            "email": email,
            "roles": ", ".join(_role_words(groups, kind=kind, is_driver=is_driver)) or "No role",
            "active": is_active,
        }
        for pk, name, email, is_active, is_driver, kind, groups in page
    ]
    invitations = list(Invitation.objects.open().select_related("invited_by")[:200])
    for invitation in invitations:
        invitation.manageable = may_manage_invitation(invitation, request.user)
    return render(
        request,
        "hope/people.html",
        {
            "page": page,
            "rows": rows,
            "invitations": invitations,
            "now": timezone.now(),
            "search": search,
            "search_length": PEOPLE_SEARCH_LENGTH,
        },
    )


def _role_words(groups: list[str], *, kind: str | None, is_driver: bool) -> list[str]:
    """A person's roles as the people page lists them (``groups`` by name, in order): the
    kind of facilitator (``kind``, their profile's, if any), and whether a volunteer
    drives."""
    words = []
    for group in groups:
        if group == Role.FACILITATOR and kind:
            words.append(f"{group} ({_facilitator_kinds()[kind].lower()})")
        elif group == Role.VOLUNTEER and is_driver:
            words.append(f"{group} (driver)")
        else:
            words.append(group)
    return words


@functools.cache
def _facilitator_kinds() -> dict[str, str]:
    # The profile's kinds by label, read from the model: the kernel imports no app.
    profile = User._meta.get_field("facilitator_profile").related_model
    return {value: str(label) for value, label in profile._meta.get_field("kind").choices}


@login_required
@people_manager_required
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(**form.cleaned_data, by=request.user)
        except TooManyInvitations as error:
            form.add_error(None, str(error))
        except InvitationError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("people")
    return render(
        request,
        "hope/invite.html",
        {"form": form, "valid_days": settings.INVITATION_VALID_DAYS},
    )


def _open_invitation(request, pk: int) -> Invitation:
    """An open invitation the person may resend or withdraw (403 for others' roles)."""
    invitation = get_object_or_404(Invitation.objects.open(), pk=pk)
    if not may_manage_invitation(invitation, request.user):
        raise PermissionDenied("Only someone who may give all its roles can change it.")
    return invitation


@require_POST
@login_required
@people_manager_required
def invitation_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invitation = invitation_resend(invitation=_open_invitation(request, pk), by=request.user)
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"A new invitation link was sent to {invitation.email}.")
    return redirect("people")


@require_POST
@login_required
@people_manager_required
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invitation = invitation_revoke(invitation=_open_invitation(request, pk), by=request.user)
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("people")


@login_required
@people_manager_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's account: roles, driver, two-factor state; change what you may grant."""
    person = get_object_or_404(User.objects.select_related("facilitator_profile"), pk=pk)
    form = PersonForm(request.POST or None, person=person, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person_update(
                person=person,
                roles=form.cleaned_data["roles"],
                is_driver=form.cleaned_data["is_driver"],
                facilitator_kind=form.cleaned_data.get("facilitator_kind", ""),
                by=request.user,
            )
        except PersonError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{person}'s account is saved.")
            return redirect("person_detail", pk=person.pk)
    else:
        audit_viewed(request, f"the account of {person.email}")
    return render(
        request,
        "hope/person_detail.html",
        {
            "person": person,
            "form": form,
            "roles": sorted(person.groups.values_list("name", flat=True)),
            "has_second_factor": has_second_factor(person),
            "second_factor_required": mfa_required(person),
        },
    )


@login_required
@coordinator_required
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first: what deactivating does, then does it."""
    person = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        return _set_active(request, person, active=False)
    # What the apps say the person still holds (facilitators: upcoming sessions).
    commitments = [
        answer for _, answer in person_commitments.send(sender=User, person=person) if answer
    ]
    return render(
        request, "hope/person_deactivate.html", {"person": person, "commitments": commitments}
    )


@require_POST
@login_required
@coordinator_required
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, get_object_or_404(User, pk=pk), active=True)


def _set_active(request, person: User, *, active: bool) -> HttpResponse:
    try:
        person_set_active(person=person, active=active, by=request.user)
    except PersonError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{person} can sign in again."
            if active
            else f"{person} is deactivated and was signed out everywhere.",
        )
    return redirect("person_detail", pk=person.pk)


@never_cache
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.filter(token=token).first()
    if invitation is None or not invitation.can_be_accepted:
        return render(request, "hope/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        return render(request, "hope/invitation_signed_in.html", {"invitation": invitation})
    form = AcceptInvitationForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except InvitationError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to HOPE Coordinator. Your account is ready.")
            return redirect("home")
    return render(request, "hope/invitation_accept.html", {"form": form, "invitation": invitation})


# Each message's text is shown with its links made clickable: a page of them is costly.
MESSAGES_PER_PAGE = 25


def _messages_shown(since, recipient=None):
    """The last 30 days' messages: the team's, or one person's own."""
    shown = Message.objects.filter(due_at__gte=since)
    return shown if recipient is None else shown.filter(recipient=recipient)


# The log's counts and the notices waiting, compiled once a process (hope/compiled.py):
# building them cost Django more than PostgreSQL took to run them.
_MESSAGE_COUNTS = {
    team_view: Compiled(
        lambda since, recipient=None: (
            _messages_shown(since, recipient)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        ),
        since=datetime,
        **({} if team_view else {"recipient": int}),
    )
    for team_view in (True, False)
}
_WAITING = Compiled(
    lambda recipient: Notice.objects.filter(
        recipient=recipient, delivered_at__isnull=True
    ).order_by("created_at", "pk"),
    recipient=int,
)


@login_required
def message_log(request: HttpRequest) -> HttpResponse:
    """Coordinators: every message of the last 30 days, sent, pending and failed.
    Everyone else: their own, with the text. Everyone: the rota notices waiting for their
    own morning digest (coordinators are told of gaps too)."""
    team_view = is_coordinator(request.user)
    since = timezone.now() - timedelta(days=30)
    shown = _messages_shown(since, None if team_view else request.user.pk)
    if team_view:
        audit_viewed(request, "the message log")
    # Only the columns the log shows: each message's stored HTML (and, for the team, its
    # text) was most of what the page read.
    columns = ["due_at", "subject", "status", "sent_at", "attempts", "last_error", "to_address"]
    if team_view:
        columns.append("recipient__full_name")
    else:
        columns.append("body_text")
    messages_ = shown.select_related("recipient" if team_view else None).only(*columns)
    status = request.GET.get("status")
    if status in MessageStatus.values:
        messages_ = messages_.filter(status=status)
    own = {} if team_view else {"recipient": request.user.pk}
    counts = dict(_MESSAGE_COUNTS[team_view].rows(since=since, **own))
    shown_count = counts.get(status, 0) if status in MessageStatus.values else sum(counts.values())
    page = CountedPaginator(
        messages_.order_by("-due_at", "-pk"), MESSAGES_PER_PAGE, count=shown_count
    ).get_page(request.GET.get("page"))
    rows = [message_row(message, team_view=team_view) for message in page.object_list]
    return render(
        request,
        "hope/message_log.html",
        {
            "page": page,
            "rows": rows,
            "counts": counts,
            "status": status,
            "statuses": MessageStatus.choices,
            "team_view": team_view,
            "waiting": _WAITING.instances(recipient=request.user.pk),
            "late_parts": health.late_parts() if team_view else [],
        },
    )


@login_required
@role_required
def notice_preferences(request: HttpRequest) -> HttpResponse:
    """How each person hears about changes to the rota: straight away or each morning.
    (Not for an evidence viewer, or someone with no role yet: the rota is not theirs.)"""
    form = NoticePreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved. " + form.instance.get_rota_notices_display() + ".")
        return redirect("notice_preferences")
    return render(
        request,
        "hope/notice_preferences.html",
        {"form": form},
    )


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The append-only audit trail, read-only, each role its own parts."""
    areas = readable_areas(request.user)
    if not areas:
        raise PermissionDenied("The audit trail is for coordinators and finance leads.")
    form = AuditFilterForm(request.GET or None, areas=areas)
    events = AuditEvent.objects.filter(area__in=areas).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["area"]:
            events = events.filter(area=data["area"])
        if data["q"]:
            events = events.filter(Q(summary__icontains=data["q"]) | Q(action__icontains=data["q"]))
        if data["since"]:
            events = events.filter(created_at__gte=day_start(data["since"]))
        if data["until"]:
            events = events.filter(created_at__lt=day_after(data["until"]))
    audit_viewed(request, "the audit trail")
    page = Paginator(events.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hope/audit_trail.html",
        {
            "page": page,
            "form": form,
            "areas": dict(AuditArea.choices),
            "query": query.urlencode(),
        },
    )
