"""The outcomes and cost reports are remembered per filter choice (hope/reporting.py
``remembered``) and forgotten whenever a row either report reads changes: each kind of
change shows at once, on the page as on a fresh count. Time alone (a session ending)
recounts them, a stopped Redis still serves them, and the pages run a fixed number of
queries cold and warm."""

from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.template.loader import render_to_string

from expenses.evidence import cost_figures, cost_tables
from expenses.models import Category, ClaimRide
from hope.roles import Role
from programmes.measures import Measure, Timepoint
from programmes.models import Attendance, CourseStatus, Mark, ReferralSource
from programmes.outcomes import outcomes_report
from programmes.reports import ReportRange
from programmes.services import session_cancel, session_change
from programmes.services.outcomes import meaningful_change_set
from tests.expenses.rides import claim_for_rides, driver, ride_for, rider
from tests.expenses.test_costs_report import claim, enrol, spend
from tests.factories import (
    CourseFactory,
    PlaceFactory,
    ProgrammeFactory,
    ReferralFactory,
    UserFactory,
    VenueFactory,
)
from tests.hope.test_sign_in_faults import own_redis, use_cache_at  # noqa: F401 (a fixture)
from tests.programmes.test_outcomes_report import score
from venues.models import VenuePrice

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
D = Decimal
OUTCOMES, COSTS = "/reports/outcomes/", "/reports/costs/"
START, END = date(2026, 4, 1), date(2026, 6, 30)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


@pytest.fixture
def books():
    """Seen on 15 June 2026: a Carers course at Ashby Hall on Tuesdays from 12 May, five
    sessions delivered and the sixth (16 June) to come; six people, each present at
    sessions 1 to 3, referred by their GP and scored; a ride claimed; and Ashby Hall's
    invoice for 9 to 16 June, shared by the sessions of those days."""
    with time_machine.travel(at(date(2026, 6, 15), 12), tick=False):
        carers = ProgrammeFactory(name="Carers", measures=[Measure.SWEMWBS])
        ashby = VenueFactory(name="Ashby Hall", hire_cost=D("20.00"))
        course = CourseFactory(programme=carers, venue=ashby, first_start=at(date(2026, 5, 12), 10))
        people = [rider() for _ in range(6)]
        enrol(course, people, {i: [1, 2, 3] for i in range(6)})
        places = list(course.places.order_by("pk"))
        for person in people:
            ReferralFactory(
                participant=person, source=ReferralSource.GP, received_on=date(2026, 4, 20),
                course=course,
            )  # fmt: skip
        for place, change in zip(places, (3, 4, 5, 6, 7, -1), strict=True):
            score(place, Measure.SWEMWBS, Timepoint.FIRST, 20)
            score(place, Measure.SWEMWBS, Timepoint.LAST, 20 + change)
        first = course.sessions.get(number=1)
        ride = ride_for(first, people[0], by=driver())
        mileage = claim_for_rides([ride], amount=D("12.00"))
        spend(
            "80.00", Category.VENUE_HIRE, date(2026, 6, 20),
            venue=ashby, covers_from=date(2026, 6, 9), covers_to=date(2026, 6, 16),
        )  # fmt: skip
        yield SimpleNamespace(
            carers=carers, ashby=ashby, course=course, people=people, places=places,
            ride=ride, mileage=mileage, coordinator=UserFactory(roles=[Role.COORDINATOR]),
        )  # fmt: skip


def query(books) -> dict:
    return {"from": START.isoformat(), "to": END.isoformat(), "programme": books.carers.pk}


def shown(client, books) -> tuple:
    """The tables of both pages, as shown: their remembered HTML is always theirs."""
    shown = []
    for url in (OUTCOMES, COSTS):
        context = client.get(url, query(books)).context
        tables = context["tables"]
        fresh = render_to_string(
            "reports/_tables.html", {"tables": tables, "page": context["page"]}
        )
        assert context["tables_html"] == fresh
        filters = render_to_string("reports/_filters.html", {"form": context["form"]})
        assert context["filters_html"] == filters  # e.g. a programme renamed shows so
        shown.append(tables)
    return tuple(shown)


def counted(books) -> tuple:
    """The same tables counted afresh from the rows, remembering nothing."""
    r = ReportRange(start=START, end=END, programme=books.carers)
    return outcomes_report(r).tables, cost_tables(cost_figures(r))


def _session(books, number: int):
    return books.course.sessions.get(number=number)


def _mark_absent(books) -> None:
    line = Attendance.objects.get(place=books.places[0], session=_session(books, 1))
    line.mark = Mark.ABSENT
    line.save()


def _unpublish(books) -> None:
    books.course.status = CourseStatus.DRAFT
    books.course.save()


def _cancel_held(books) -> None:
    session = _session(books, 2)
    session.is_cancelled = True
    session.save()


def _rename_programme(books) -> None:
    books.carers.name = "Caring for carers"
    books.carers.save()


def _rename_venue(books) -> None:
    books.ashby.name = "Ashby Town Hall"
    books.ashby.save()


def _meaningful_change(books) -> None:
    meaningful_change_set(
        points={Measure.SWEMWBS: D("5.0"), Measure.WEMWBS: D("3.0"), Measure.PAM: D("4.0")},
        by=books.coordinator,
    )


def _ride_off_claim(books) -> None:
    # The claim is then for no ride, no course: by its date, which a programme chosen
    # leaves out.
    ClaimRide.objects.get(ride=books.ride).delete()


def _move_future(books) -> None:
    session_change(
        session=_session(books, 6), start=at(date(2026, 6, 23), 10), venue=books.ashby,
        by=books.coordinator,
    )  # fmt: skip


CHANGES = {
    "referral": lambda b: ReferralFactory(
        source=ReferralSource.SELF, received_on=date(2026, 5, 1), course=b.course
    ),
    "place": lambda b: PlaceFactory(course=b.course, participant=rider()),
    "attendance": _mark_absent,
    "score": lambda b: b.places[5].scores.get(timepoint=Timepoint.LAST).delete(),
    "course": _unpublish,
    "session": _cancel_held,
    "programme": _rename_programme,
    "venue": _rename_venue,
    "meaningful change": _meaningful_change,
    "ride": lambda b: ride_for(_session(b, 2), b.people[1], by=driver()),
    "expense claim": lambda b: claim("12.00", Category.TRAINING, date(2026, 5, 1), course=b.course),
    "claim's ride": _ride_off_claim,
    "direct spend": lambda b: spend("30.00", Category.OTHER, date(2026, 5, 2)),
    "venue price": lambda b: VenuePrice.objects.create(
        venue=b.ashby, valid_from=date(2026, 5, 20), hire_cost=D("35.00")
    ),
    "session cancelled (service)": lambda b: session_cancel(
        session=_session(b, 6), by=b.coordinator
    ),
    "session moved (service)": _move_future,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_to_any_row_the_reports_read_shows_at_once(
    client, books, change, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(date(2026, 6, 15), 12), tick=False):
        client.force_login(books.coordinator)
        before = shown(client, books)
        assert before == counted(books)
        assert shown(client, books) == before  # remembered
        with django_capture_on_commit_callbacks(execute=True):
            change(books)
        after = shown(client, books)
        assert after != before, "the change should move a figure"
        assert after == counted(books)


def test_a_session_ending_recounts_the_reports(client, books):
    with time_machine.travel(at(date(2026, 6, 15), 12), tick=False):
        client.force_login(books.coordinator)
        before = shown(client, books)
    # Tuesday's session (16 June, 10:00 for two hours) has ended: delivered now.
    with time_machine.travel(at(date(2026, 6, 16), 13), tick=False):
        client.force_login(books.coordinator)
        after = shown(client, books)
        assert after != before
        assert after == counted(books)


def test_the_reports_are_served_while_redis_is_stopped(client, settings, own_redis, books):  # noqa: F811
    server, url = own_redis
    use_cache_at(settings, url)
    with time_machine.travel(at(date(2026, 6, 15), 12), tick=False):
        client.force_login(books.coordinator)
        before = shown(client, books)  # remembered in Redis
        server.kill()
        server.wait()
        claim("12.00", Category.TRAINING, date(2026, 5, 1), course=books.course)
        started = time.monotonic()
        after = shown(client, books)
        assert time.monotonic() - started < 5
        assert after != before and after == counted(books)
        # Counted afresh each time while Redis is away (its stand-in is this process's
        # memory, which other processes' changes never reach).
        spend("30.00", Category.OTHER, date(2026, 5, 2))
        assert shown(client, books) == counted(books)


PAGES = [
    OUTCOMES, "/reports/outcomes/export.csv", "/reports/outcomes/charts/measures.svg",
    COSTS, "/reports/costs/export.csv", "/reports/costs/charts/venues.svg",
]  # fmt: skip
# Warm: sign-in (session, user, roles), the programme filtered on, and the audit line (page
# and CSV); the outcomes page's feedback words (never remembered). Cold adds the figures
# and when they next change with time: nine queries for the outcomes report, nine for the
# costs; on the outcomes page, which feedback lines to show and when that next changes
# with time; and on the pages, the filter choices (programmes, venues) and when their
# remembered HTML (tables, filters) next changes with time.
WARM = [6, 5, 4, 5, 5, 4]
COLD = [21, 14, 13, 18, 14, 13]


def more(books, n: int) -> None:
    """``n`` more courses covered, each with people, rides and claims."""
    for i in range(n):
        course = CourseFactory(
            programme=books.carers, venue=VenueFactory(), first_start=at(date(2026, 5, 4), 9 + i)
        )
        people = [rider() for _ in range(3)]
        enrol(course, people, {0: [1, 2], 1: [1]})
        claim_for_rides([ride_for(course.sessions.get(number=1), people[0], by=driver())],
                        amount=D("4.00"))  # fmt: skip
        claim("9.00", Category.TRAINING, date(2026, 5, 1), course=course)


@pytest.mark.parametrize("extra", [0, 5])
def test_the_pages_run_a_fixed_number_of_queries_cold_and_warm(
    client, books, extra, django_assert_num_queries
):
    with time_machine.travel(at(date(2026, 6, 15), 12), tick=False):
        more(books, extra)
        client.force_login(books.coordinator)
        for url, cold, warm in zip(PAGES, COLD, WARM, strict=True):
            cache.clear()
            with django_assert_num_queries(cold):
                assert client.get(url, query(books)).status_code == 200
            with django_assert_num_queries(warm):
                assert client.get(url, query(books)).status_code == 200
