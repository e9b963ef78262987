"""The rides pages: the drivers' board, a driver's own rides, one ride, and the
coordinators' list of rides nobody is doing yet.

Drivers see a participant's first name, pick-up district, venue and time; the full
postcode, notes for the driver and phone number only on rides they hold, until a week
after the session (``Ride.details_visible_to``). Every page is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from hope.access import coordinator_required
from hope.audit import audit_viewed
from hope.compiled import Compiled
from hope.models import AuditArea, TeamSettings
from hope.postcodes import district_nearness
from hope.redirects import redirect_back
from hope.roles import is_coordinator
from programmes.access import driver_options, get_ride_for_user, is_driver
from programmes.models import DriverArea, Ride
from programmes.models.rides import DETAILS_SHOWN_FOR, RIDES_WANTED_DAYS, rides_clash
from programmes.ride_forms import (
    ArrangeForm,
    AssignDriverForm,
    DriverAreaForm,
    PickupForm,
)
from programmes.ride_notices import GAVE_BACK_WARNING_DAYS
from programmes.ride_rows import (
    RIDE_ROW_FIELDS,
    add_assign_forms,
    board_cards,
    ride_rows,
)
from programmes.services.rides import (
    RideError,
    driver_area_set,
    ride_arrange,
    ride_cover_ask,
    ride_cover_withdraw,
    ride_release,
    ride_set_pickup,
    ride_take,
    self_release_problem,
)

# How far ahead the board looks, and the coordinators' list of unmet rides.
BOARD_DAYS = 21
UNMET_DAYS = RIDES_WANTED_DAYS


def _driver_or_coordinator(request: HttpRequest) -> None:
    if not (is_driver(request.user) or is_coordinator(request.user)):
        raise PermissionDenied("The rides pages are for volunteer drivers and coordinators.")


def _pickup_problem(user, ride: Ride, now) -> str:
    """Why ``user`` may not set this ride's pick-up time (the form is not on their page),
    or "". The service checks again under the lock."""
    if ride.withdrawn_at is not None:
        return "This ride is no longer needed."
    if ride.session.start <= now:
        return "This session has already started."
    if ride.pickup_at is None:
        return "A ride home leaves when the session ends."
    if ride.driver_id != user.pk and not is_coordinator(user):
        return "Only the driver, or a coordinator, can change the pick-up time."
    return ""


# The board's three queries, compiled once a process (hope/compiled.py): building them
# cost Django more than PostgreSQL took to run them (about 3 ms of the page's CPU at ten
# years of data). The driver's district; the rides on offer, as ``ride_rows`` reads
# them; the times of the rides the driver holds, for clashes.
_AREA = Compiled(
    lambda user: DriverArea.objects.filter(user=user).values_list("district")[:1], user=int
)
_ON_OFFER = Compiled(
    lambda after, until: (
        Ride.objects.open_to_drivers().between(after, until).values_list(*RIDE_ROW_FIELDS)
    ),
    after=datetime,
    until=datetime,
)
_HELD = Compiled(
    lambda driver, since: (
        Ride.objects.held()
        .filter(driver=driver, session__start__gt=since)
        .values_list("session_id", "start", "end")
    ),
    driver=int,
    since=datetime,
)


def _board(request: HttpRequest, area_form: DriverAreaForm | None = None) -> HttpResponse:
    """The board, with the driver's area form (bound, with its errors, after a bad
    district). Four queries of its own (the driver's area, the rides, the rides they
    hold, the audit line), whatever the number of rides."""
    _driver_or_coordinator(request)
    now = timezone.now()
    area = _AREA.rows(user=request.user.pk)
    origin = area[0][0] if area else ""
    rides = ride_rows(_ON_OFFER.rows(after=now, until=now + timedelta(days=BOARD_DAYS)))
    held = _HELD.rows(driver=request.user.pk, since=now - timedelta(days=1))
    for ride in rides:
        ride.clashes = rides_clash(ride.session_id, ride.start, ride.end, held)
        ride.mine = ride.driver_id == request.user.pk
    if origin:  # else soonest first, as the query gives them
        rides.sort(key=lambda r: (district_nearness(origin, r.pickup_district), r.start, r.pk))
    audit_viewed(request, "the rides board", area=AuditArea.ROTA)
    can_drive = is_driver(request.user)
    return render(
        request,
        "programmes/ride_board.html",
        {
            "rides": rides,
            "cards": board_cards(rides, can_drive=can_drive, request=request),
            "days": BOARD_DAYS,
            "origin": origin,
            "area_form": area_form or DriverAreaForm(initial={"district": origin}),
            "can_drive": can_drive,
            "coordinating": is_coordinator(request.user),
        },
    )


@login_required
def ride_board(request: HttpRequest) -> HttpResponse:
    """Rides wanted in the next three weeks, nearest the driver's district first."""
    return _board(request)


@login_required
@require_POST
def driver_area(request: HttpRequest) -> HttpResponse:
    if not is_driver(request.user):
        raise PermissionDenied("Only volunteer drivers set where they drive from.")
    form = DriverAreaForm(request.POST)
    if not form.is_valid():
        return _board(request, area_form=form)
    driver_area_set(user=request.user, district=form.cleaned_data["district"])
    messages.success(request, f"Rides nearest {form.cleaned_data['district']} now come first.")
    return redirect("programmes:ride_board")


@login_required
def rides_mine(request: HttpRequest) -> HttpResponse:
    """The rides I hold: to come, and from the last week (with their details, for the
    mileage claim). Two queries."""
    if not is_driver(request.user):
        raise PermissionDenied("The rides pages are for volunteer drivers.")
    now = timezone.now()
    rides = list(
        Ride.objects.held()
        .filter(driver=request.user, session__end__gt=now - DETAILS_SHOWN_FOR)
        .for_pages()
        .order_by("start", "pk")
    )
    upcoming = [r for r in rides if r.session.start > now]
    done = [r for r in rides if r.session.start <= now]
    audit_viewed(request, "their rides", area=AuditArea.ROTA)
    return render(
        request,
        "programmes/rides_mine.html",
        {"upcoming": upcoming, "done": done, "details_days": DETAILS_SHOWN_FOR.days},
    )


def _ride_page(
    request: HttpRequest, ride: Ride, pickup_form: PickupForm | None = None
) -> HttpResponse:
    """A ride's page; ``pickup_form`` bound, with its errors, after a refused time."""
    now = timezone.now()
    user = request.user
    coordinating = is_coordinator(user)
    context = {
        "ride": ride,
        "details": ride.details_visible_to(user, now) or coordinating,
        "mine": ride.driver_id == user.pk and ride.withdrawn_at is None,
        "started": ride.session.start <= now,
        "coordinating": coordinating,
        "can_drive": is_driver(user),
    }
    if not context["started"] and ride.withdrawn_at is None:
        if not _pickup_problem(user, ride, now):
            context["pickup_form"] = pickup_form or PickupForm(
                ride=ride, initial={"pickup": timezone.localtime(ride.pickup_at).time()}
            )
        if coordinating:
            context["assign_form"] = AssignDriverForm(initial={"driver": ride.driver_id})
            context["arrange_form"] = ArrangeForm(initial={"how": ride.arranged})
    audit_viewed(request, f"ride #{ride.pk}", area=AuditArea.ROTA)
    return render(request, "programmes/ride_detail.html", context)


@login_required
def ride_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ride_page(request, get_ride_for_user(request, pk))


def _act(request: HttpRequest, ride: Ride, action, done: str, then: str = "") -> HttpResponse:
    """Run a service; its refusal becomes a message. ``then`` is where success goes
    (else the form's ``next``, else the ride's page)."""
    try:
        action()
    except RideError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
        if then:
            return redirect(then)
    return redirect_back(request, reverse("programmes:ride_detail", args=[ride.pk]))


@login_required
@require_POST
def ride_take_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ride = get_ride_for_user(request, pk)
    except Http404:
        # The board a driver took it from may be minutes old: a ride another driver took
        # meanwhile (or no longer needed) gets words, not "page not found". They learn
        # nothing of the ride but that.
        if is_driver(request.user) and Ride.objects.upcoming().filter(pk=pk).exists():
            messages.error(
                request, "Another driver has just taken that ride, or it is no longer needed."
            )
            return redirect("programmes:ride_board")
        raise
    try:
        ride_take(ride=ride, driver=request.user, by=request.user)
    except RideError as error:
        # Lost to another driver: the ride's page is no longer theirs to see.
        messages.error(request, str(error))
        return redirect("programmes:ride_board")
    messages.success(
        request,
        f"The ride is yours: {ride.participant.first_name}, {ride.session.day_label}. "
        "The pick-up details are on the ride's page.",
    )
    return redirect_back(request, reverse("programmes:ride_detail", args=[ride.pk]))


@login_required
@coordinator_required
@require_POST
def ride_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    ride = get_ride_for_user(request, pk)
    form = AssignDriverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a driver from the list.")
        return redirect_back(request, reverse("programmes:ride_detail", args=[ride.pk]))
    driver = form.cleaned_data["driver"]
    return _act(
        request,
        ride,
        lambda: ride_take(ride=ride, driver=driver, by=request.user),
        f"{driver} now drives ride #{ride.pk} ({ride.session.day_label}) and is told.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def ride_release_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET says what giving the ride back will do; POST does it."""
    ride = get_ride_for_user(request, pk)
    own = ride.driver_id == request.user.pk
    if not own and not is_coordinator(request.user):
        raise PermissionDenied("You can only give back your own rides.")
    if request.method == "POST":
        return _act(
            request,
            ride,
            lambda: ride_release(ride=ride, by=request.user),
            "You no longer drive this ride." if own else "The driver is off this ride and told.",
            # The ride is no longer theirs: back to the rides they still hold.
            then=reverse("programmes:rides_mine") if own else "",
        )
    now = timezone.now()
    refusal = ""
    if ride.withdrawn_at is not None:
        refusal = "This ride is no longer needed."
    elif ride.driver_id is None:
        refusal = "Nobody holds this ride: give it to a driver from its page."
    elif ride.session.start <= now:
        refusal = "This session has already started."
    elif own and not is_coordinator(request.user):
        refusal = self_release_problem(ride=ride, now=now) or ""
    if own:
        question = "Give back this ride?"
    elif ride.driver_id:
        question = "Take the driver off this ride?"
    else:
        question = "Nobody drives this ride"
    audit_viewed(request, f"ride #{ride.pk}, to give it back", area=AuditArea.ROTA)
    return render(
        request,
        "programmes/ride_release.html",
        {
            "ride": ride,
            "own": own,
            "question": question,
            "can_confirm": not refusal,
            "refusal": refusal,
            "back_url": reverse("programmes:ride_detail", args=[ride.pk]),
            "coordinators_told": own
            and ride.session.start - now <= timedelta(days=GAVE_BACK_WARNING_DAYS),
            "notice_days": TeamSettings.current().release_notice_days,
        },
    )


@login_required
@require_POST
def ride_cover_view(request: HttpRequest, pk: int) -> HttpResponse:
    ride = get_ride_for_user(request, pk)
    if request.POST.get("withdraw"):
        return _act(
            request,
            ride,
            lambda: ride_cover_withdraw(ride=ride, by=request.user),
            "Your request for cover is withdrawn: the ride is still yours.",
        )
    return _act(
        request,
        ride,
        lambda: ride_cover_ask(ride=ride, by=request.user),
        "The ride is on the board for another driver, and the coordinators are told. It "
        "stays yours until someone takes it over.",
    )


@login_required
@coordinator_required
@require_POST
def ride_arrange_view(request: HttpRequest, pk: int) -> HttpResponse:
    ride = get_ride_for_user(request, pk)
    if request.POST.get("reopen"):
        return _act(
            request,
            ride,
            lambda: ride_arrange(ride=ride, how="", by=request.user),
            "The ride needs a driver again.",
        )
    form = ArrangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how they are getting there.")
        return redirect_back(request, reverse("programmes:ride_detail", args=[ride.pk]))
    how = form.cleaned_data["how"]
    return _act(
        request,
        ride,
        lambda: ride_arrange(ride=ride, how=how, by=request.user),
        f"Ride #{ride.pk} is arranged another way and leaves the lists of rides wanted.",
    )


@login_required
@require_POST
def ride_pickup_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A time that cannot be (empty, not a time, after the start, too early) shows next
    to the field on the ride's page; nothing is saved."""
    ride = get_ride_for_user(request, pk)
    problem = _pickup_problem(request.user, ride, timezone.now())
    if problem:
        messages.error(request, problem)
        return redirect("programmes:ride_detail", pk=ride.pk)
    form = PickupForm(request.POST, ride=ride)
    if form.is_valid():
        try:
            ride_set_pickup(ride=ride, lead=form.cleaned_data["lead"], by=request.user)
        except RideError as error:
            if error.field != "pickup":  # about the ride (changed meanwhile), not the time
                messages.error(request, str(error))
                return redirect("programmes:ride_detail", pk=ride.pk)
            form.add_error("pickup", str(error))
        else:
            messages.success(
                request,
                f"Pick-up at {form.cleaned_data['pickup']:%H:%M}. "
                f"{ride.participant.first_name} is told, if they can be reached.",
            )
            return redirect("programmes:ride_detail", pk=ride.pk)
    return _ride_page(request, ride, pickup_form=form)


@login_required
@coordinator_required
def rides_unmet(request: HttpRequest) -> HttpResponse:
    """Rides in the next two weeks with nobody to do them, soonest first, each with a
    one-click choice of driver. Three queries."""
    rides = ride_rows(Ride.objects.unmet().within(UNMET_DAYS).order_by("start", "pk"))
    add_assign_forms(rides, options=driver_options(), request=request)
    audit_viewed(request, "the rides wanted", area=AuditArea.ROTA)
    return render(request, "programmes/rides_unmet.html", {"rides": rides, "days": UNMET_DAYS})
