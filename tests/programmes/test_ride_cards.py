"""The drivers' board's cards, written with f-strings (programmes/ride_rows.py), are the
markup ``format_html`` wrote before them, whatever needs escaping and whatever the driver
may do: Take, Take over, theirs already, a clash, or nothing for a coordinator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import RequestFactory
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from hope.links import csrf_input
from programmes.ride_rows import RideRow, board_cards

# The cards as programmes/ride_rows.py wrote them with format_html before.
_BOARD_CARD = (
    '\n  <li class="card mb-2"><div class="card-body d-flex flex-wrap'
    ' justify-content-between align-items-center gap-2">'
    "\n    <div>"
    '\n      <p class="fw-semibold mb-1"><a href="{url}">{name}, from {district}</a>{badge}</p>'
    '\n      <p class="mb-0">{when}<br>To {venue}</p>'
    "\n    </div>"
    "\n    {action}"
    "\n  </div></li>"
)
_TAKE = (
    '<form method="post" action="{take}">'
    "{token}"
    '\n        <input type="hidden" name="next" value="{url}">'
    '\n        <button type="submit" class="btn btn-primary">{label}'
    '<span class="visually-hidden">: {name}, {day}</span></button>'
    "\n      </form>"
)
_COVER_WANTED = mark_safe(' <span class="badge text-bg-warning">Cover wanted</span>')


def _as_before(rides, *, can_drive, token):
    cards = []
    for ride in rides:
        action = ""
        if can_drive:
            if ride.mine:
                action = mark_safe("<span>Yours: you asked for cover.</span>")
            elif ride.clashes:
                action = mark_safe('<span class="small">You hold another ride at that time.</span>')
            else:
                action = format_html(
                    _TAKE,
                    take=ride.take_url,
                    token=csrf_input(token),
                    url=ride.url,
                    label="Take over this ride" if ride.cover_wanted_at else "Take this ride",
                    name=ride.first_name,
                    day=ride.day,
                )
        cards.append(
            format_html(
                _BOARD_CARD,
                url=ride.url,
                name=ride.first_name,
                district=ride.pickup_district,
                badge=_COVER_WANTED if ride.cover_wanted_at else "",
                when=ride.when,
                venue=ride.venue_name,
                action=action,
            )
        )
    return "".join(cards)


def _ride(pk, **changes) -> RideRow:
    when = datetime(2030, 12, 3, 10, tzinfo=UTC)
    values = {
        "pk": pk,
        "session_id": 7,
        "start": when,
        "end": when,
        "session_start": when,
        "driver_id": None,
        "cover_wanted_at": None,
        "first_name": "Ann",
        "pickup_district": "NG4",
        "course_title": "Carers",
        "session_number": 2,
        "venue_name": "St Mark's Hall",
        "day": "Tue 3 Dec",
        "when": "Tue 3 Dec, collect at 09:30 · There and back (home after 12:30)",
        "url": f"/rides/{pk}/",
        "take_url": f"/rides/{pk}/take/",
        "assign_url": f"/rides/{pk}/assign/",
    }
    return RideRow(**(values | changes))


@pytest.mark.parametrize("can_drive", [True, False])
def test_the_boards_cards_are_the_markup_format_html_wrote(
    rf: RequestFactory, monkeypatch, can_drive
):
    rides = [
        _ride(1),
        _ride(2, first_name='<b>O\'Brien & "co"</b>', venue_name="A & B <Hall>"),
        _ride(3, cover_wanted_at=datetime(2030, 12, 1, tzinfo=UTC), pickup_district="<x>"),
        _ride(4, mine=True, cover_wanted_at=datetime(2030, 12, 1, tzinfo=UTC)),
        _ride(5, clashes=True),
    ]
    monkeypatch.setattr("programmes.ride_rows.get_token", lambda request: "t0ken")

    html = board_cards(rides, can_drive=can_drive, request=rf.get("/rides/"))

    assert html == _as_before(rides, can_drive=can_drive, token="t0ken")
