"""Rides as the lists show them (the board, the rides wanted, the coordinator's home
page): plain rows of the few values those lists print, each ride's line and links
written once here rather than by the templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from django.db.models import Count, QuerySet, Window
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from hope.compiled import Compiled
from hope.links import RowLink, csrf_input
from hope.postcodes import postcode_district
from programmes.models import Ride
from programmes.models.participants import first_name
from programmes.models.rides import ride_when


@dataclass
class RideRow:
    pk: int
    session_id: int
    # The driver's time for the ride (``ride_window``), for clashes.
    start: datetime
    end: datetime
    session_start: datetime
    driver_id: int | None
    cover_wanted_at: datetime | None
    first_name: str
    pickup_district: str
    course_title: str
    session_number: int
    venue_name: str
    day: str  # "Tue 1 Dec"
    when: str  # ``ride_when``
    url: str
    take_url: str
    assign_url: str
    # Set by the board, for the driver reading it.
    mine: bool = False
    clashes: bool = False
    # Set by ``add_assign_forms``, for the coordinator's one-click choice of driver.
    assign_html: str = ""


# The columns a ride's row is read with, in order.
RIDE_ROW_FIELDS = (
    "pk", "session_id", "start", "end", "driver_id", "cover_wanted_at", "direction",
    "pickup_lead", "session__start", "session__end", "session__number",
    "session__course__title", "session__venue__name", "participant__preferred_name",
    "participant__full_name", "participant__pickup_postcode",
)  # fmt: skip


def ride_rows(rides: QuerySet[Ride] | list[tuple]) -> list[RideRow]:
    """``rides`` as plain rows, in their order: a queryset, or rows already read with
    ``RIDE_ROW_FIELDS`` (and perhaps more columns after them). One query of five tables'
    few columns: ride, session, course, venue and participant instances (``for_pages``)
    were most of the time of the home page's rides wanted, and the planner's too."""
    detail = RowLink("programmes:ride_detail")
    take = RowLink("programmes:ride_take")
    assign = RowLink("programmes:ride_assign")
    if isinstance(rides, QuerySet):
        rides = rides.values_list(*RIDE_ROW_FIELDS)
    width = len(RIDE_ROW_FIELDS)
    rows = []
    for (
        pk,
        session_id,
        start,
        end,
        driver_id,
        cover_wanted_at,
        direction,
        lead,
        session_start,
        session_end,
        number,
        title,
        venue_name,
        preferred_name,
        full_name,
        pickup_postcode,
    ) in (row[:width] for row in rides):
        when = ride_when(direction, session_start, session_end, lead)
        rows.append(
            RideRow(
                pk=pk,
                session_id=session_id,
                start=start,
                end=end,
                session_start=session_start,
                driver_id=driver_id,
                cover_wanted_at=cover_wanted_at,
                first_name=first_name(preferred_name, full_name),
                pickup_district=postcode_district(pickup_postcode),
                course_title=title,
                session_number=number,
                venue_name=venue_name or "",
                day=f"{timezone.localtime(session_start):%a %-d %b}",
                when=when,
                url=detail(pk),
                take_url=take(pk),
                assign_url=assign(pk),
            )
        )
    return rows


# The soonest rides nobody is doing yet, each with how many there are in all: compiled
# once a process (hope/compiled.py), as building the query cost Django more than
# PostgreSQL took to run it, on every coordinator's home page.
_SOONEST_UNMET: dict[int, Compiled] = {}


def soonest_unmet(*, days: int, limit: int, now: datetime) -> tuple[list[RideRow], int]:
    """The soonest ``limit`` rides with nobody to do them in the next ``days`` days, as
    rows, and how many there are in all. One query."""
    if limit not in _SOONEST_UNMET:  # LIMIT is written into the SQL, not a parameter
        _SOONEST_UNMET[limit] = Compiled(
            lambda after, until: (
                Ride.objects.unmet()
                .between(after, until)
                .order_by("start", "pk")
                .annotate(in_all=Window(Count("*")))
                .values_list(*RIDE_ROW_FIELDS, "in_all")[:limit]
            ),
            after=datetime,
            until=datetime,
        )
    rows = _SOONEST_UNMET[limit].rows(after=now, until=now + timedelta(days=days))
    return ride_rows(rows), rows[0][-1] if rows else 0


# One click gives a ride to a driver, then comes back to the page: written here once a
# ride rather than by an included template (ten rides of a dozen nodes each were most of
# the coordinator's home page's rendering).
_ASSIGN = (
    '\n      <form method="post" action="{}" class="d-flex flex-wrap gap-2">'
    "{}"
    '\n        <input type="hidden" name="next" value="{}">'
    '\n        <label class="visually-hidden" for="{}-{}">Driver for {}, {}</label>'
    '\n        <select class="form-select form-select-sm w-auto" id="{}-{}" name="driver">'
    "\n          {}"
    "\n        </select>"
    '\n        <button type="submit" class="btn btn-sm btn-primary">Assign'
    '<span class="visually-hidden"> a driver for {}, {}</span></button>'
    "\n      </form>"
)
_NO_DRIVERS = mark_safe(
    '<span class="small">No volunteer drivers yet. Give someone the Volunteer role on the '
    "people page.</span>"
)


def add_assign_forms(
    rides: list[RideRow], *, options: SafeString, request, id_prefix: str = "driver"
) -> None:
    """Set each ride's ``assign_html``: the choice of driver (``options``, the page's
    ``driver_options``) and its button, or a note when there are no drivers yet. Ids
    start with ``id_prefix``, unique when a page has several lists."""
    token, here = csrf_input(get_token(request)), request.path
    for ride in rides:
        ride.assign_html = (
            format_html(
                _ASSIGN,
                ride.assign_url,
                token,
                here,
                id_prefix,
                ride.pk,
                ride.first_name,
                ride.day,
                id_prefix,
                ride.pk,
                options,
                ride.first_name,
                ride.day,
            )  # fmt: skip
            if options
            else _NO_DRIVERS
        )


# A ride on the drivers' board, written once here (twenty cards of a dozen template nodes
# and a form each were most of the board's time), as f-strings of values escaped once:
# format_html escaped each argument again and parsed its template anew, a card a time.
_COVER_WANTED = ' <span class="badge text-bg-warning">Cover wanted</span>'
_YOURS = "<span>Yours: you asked for cover.</span>"
_CLASHES = '<span class="small">You hold another ride at that time.</span>'


def board_cards(rides: list[RideRow], *, can_drive: bool, request) -> SafeString:
    """The board's rides as cards: for a driver, Take (or Take over, when its driver asked
    for cover), or why not (theirs already, or it clashes with one they hold)."""
    token = csrf_input(get_token(request))
    cards = []
    for ride in rides:
        name, day = escape(ride.first_name), escape(ride.day)
        action = ""
        if can_drive:
            if ride.mine:
                action = _YOURS
            elif ride.clashes:
                action = _CLASHES
            else:
                label = "Take over this ride" if ride.cover_wanted_at else "Take this ride"
                action = (
                    f'<form method="post" action="{escape(ride.take_url)}">{token}'
                    f'\n        <input type="hidden" name="next" value="{escape(ride.url)}">'
                    f'\n        <button type="submit" class="btn btn-primary">{label}'
                    f'<span class="visually-hidden">: {name}, {day}</span></button>'
                    "\n      </form>"
                )
        cards.append(
            '\n  <li class="card mb-2"><div class="card-body d-flex flex-wrap'
            ' justify-content-between align-items-center gap-2">'
            "\n    <div>"
            f'\n      <p class="fw-semibold mb-1"><a href="{escape(ride.url)}">{name}, from '
            f"{escape(ride.pickup_district)}</a>"
            f"{_COVER_WANTED if ride.cover_wanted_at else ''}</p>"
            f'\n      <p class="mb-0">{escape(ride.when)}<br>To {escape(ride.venue_name)}</p>'
            "\n    </div>"
            f"\n    {action}"
            "\n  </div></li>"
        )
    return mark_safe("".join(cards))  # noqa: S308 - every value escaped above
