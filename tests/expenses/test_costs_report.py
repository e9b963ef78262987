"""The cost report: its figures against sums worked out by hand on one fixed set of books
(expenses/evidence.py says what counts; the comments here show the arithmetic), then its
page, CSV and charts (expenses/report_views.py): who may read them, what they show and
hide, the audit trail, bad filters and query counts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from expenses.evidence import ONLINE, cost_figures, cost_tables, to_penny
from expenses.models import Category, DirectSpend, ExpenseClaim, ExpenseStatus
from hope.models import AuditArea, AuditEvent
from hope.roles import Role
from programmes.models import (
    Attendance,
    CourseStatus,
    Delivery,
    Mark,
    Place,
    PlaceStatus,
    ReferralSource,
    Session,
)
from programmes.reports import ReportRange
from tests.csp import html_response_problems
from tests.expenses.rides import claim_for_rides, driver, ride_for, rider
from tests.factories import (
    BudgetFactory,
    CourseFactory,
    ProgrammeFactory,
    ReferralFactory,
    UserFactory,
    VenueFactory,
)
from venues.models import VenuePrice

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
D = Decimal
SPRING = dict(start=date(2026, 4, 1), end=date(2026, 6, 30))


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


@pytest.fixture
def today():
    with time_machine.travel(at(date(2026, 6, 15), 12), tick=False):
        yield


def enrol(course, people, present: dict[int, list], status=PlaceStatus.ENROLLED):
    """Places for ``people`` on ``course``, each marked present at the session numbers
    ``present`` gives for their index (absent from the rest of the sessions held)."""
    sessions = {s.number: s for s in course.sessions.all()}
    for index, person in enumerate(people):
        place = Place.objects.create(
            course=course, participant=person, status=status, enrolled_at=course.created_at
        )
        for number in present.get(index, []):
            session = sessions[number]
            Attendance.objects.create(
                place=place, session=session, participant=person, start=session.start,
                end=session.end, mark=Mark.PRESENT,
            )  # fmt: skip


def claim(amount: str, category: str, spent_on: date, status=ExpenseStatus.APPROVED, **links):
    paid = status == ExpenseStatus.PAID
    return ExpenseClaim.objects.create(
        claimant=UserFactory(roles=[Role.VOLUNTEER]), status=status, spent_on=spent_on,
        category=category, description="For the course", amount=D(amount),
        paid_on=spent_on if paid else None, payment_reference="BACS 9" if paid else "",
        **links,
    )  # fmt: skip


def spend(amount: str, category: str, spent_on: date, **invoice):
    return DirectSpend.objects.create(
        spent_on=spent_on, category=category, description="Paid by finance", amount=D(amount),
        **invoice,
    )  # fmt: skip


@pytest.fixture
def books(today):
    """Spring 2026 (1 April to 30 June), seen on 15 June.

    Courses: A (Carers, Ashby Hall, Tuesdays from 14 April, sessions 5 and 6 cancelled:
    4 delivered); B (Carers, Bridge Centre, Thursdays 7 May to 11 June: 6 delivered);
    C (Online programme, Mondays from 20 April: 6 delivered, no venue); E (Carers,
    Bridge Centre, from 25 June: covered, nothing delivered yet); F (Carers, Ashby Hall,
    from 10 March: before the range); G (a draft at Bridge Centre).
    """
    carers, online = (
        ProgrammeFactory(name="Carers"),
        ProgrammeFactory(name="Online", delivery=Delivery.ONLINE),
    )
    # Ashby Hall: £20.00 a session, £30.00 from 1 May, and £99.00 from yesterday (a price
    # no session of the report was held at: figures come from the price on the day).
    ashby = VenueFactory(name="Ashby Hall", hire_cost=D("20.00"))
    VenuePrice.objects.create(venue=ashby, valid_from=date(2026, 5, 1), hire_cost=D("30.00"))
    VenuePrice.objects.create(venue=ashby, valid_from=date(2026, 6, 14), hire_cost=D("99.00"))
    bridge = VenueFactory(name="Bridge Centre", hire_cost=D("25.00"))

    a = CourseFactory(programme=carers, venue=ashby, first_start=at(date(2026, 4, 14), 10))
    Session.objects.filter(course=a, number__in=[5, 6]).update(is_cancelled=True)
    b = CourseFactory(programme=carers, venue=bridge, first_start=at(date(2026, 5, 7), 18))
    c = CourseFactory(programme=online, venue=None, first_start=at(date(2026, 4, 20), 10))
    e = CourseFactory(programme=carers, venue=bridge, first_start=at(date(2026, 6, 25), 18))
    Session.objects.filter(course=e, number=3).update(is_cancelled=True)  # 9 July
    f = CourseFactory(programme=carers, venue=ashby, first_start=at(date(2026, 3, 10), 14))
    CourseFactory(
        programme=carers, venue=bridge, first_start=at(date(2026, 6, 18), 10),
        status=CourseStatus.DRAFT,
    )  # fmt: skip

    # People. Started: present at session 1; completed: present at 3 or more (Carers'
    # and Online's rule, the factory's default).
    p = [rider(f"NG{n} 1AA") for n in range(1, 8)]
    enrol(a, p, {0: [1, 2, 3], 1: [1, 2, 3], 2: [1, 2, 4], 3: [1, 2], 4: [1], 5: [1], 6: [2]})
    q = [rider(f"NG{n} 2BB") for n in range(1, 6)]
    enrol(b, q[:4], {i: [1, 2, 3] for i in range(4)})
    enrol(b, q[4:], {}, status=PlaceStatus.WITHDRAWN)
    r = [rider() for _ in range(2)]
    enrol(c, r, {0: [1, 2, 3], 1: [1, 3, 5]})
    outside = rider()
    enrol(f, [outside], {0: [1, 2, 3]})
    for person in (q[0], q[1], p[0]):
        ReferralFactory(participant=person, source=ReferralSource.GP)
    ReferralFactory(participant=q[2], source=ReferralSource.SELF)

    # Rides, and the mileage claimed for them.
    a1, a2 = a.sessions.get(number=1), a.sessions.get(number=2)
    b1, b2, b3 = (b.sessions.get(number=n) for n in (1, 2, 3))
    drivers = [driver() for _ in range(5)]
    claim_for_rides(  # all of it for the report: £18.00
        [ride_for(b1, q[0], by=drivers[0]), ride_for(b1, q[1], by=drivers[0])], amount=D("18.00")
    )
    claim_for_rides(  # one ride of two in the report: half of £10.01, £5.005
        [ride_for(a1, p[0], by=drivers[1]), ride_for(f.sessions.get(number=6), outside,
                                                     by=drivers[2])],
        amount=D("10.01"), status=ExpenseStatus.PAID,
    )  # fmt: skip
    claim_for_rides(  # £9.00
        [ride_for(b3, q[2], by=drivers[3]), ride_for(b3, q[3], by=drivers[3])], amount=D("9.00")
    )
    claim_for_rides([ride_for(a2, p[1], by=drivers[4])], amount=D("7.50"))
    # Held rides whose claims are not agreed: the people count as carried, the money not.
    claim_for_rides(
        [ride_for(b2, q[1], by=drivers[0])], amount=D("50.00"), status=ExpenseStatus.SUBMITTED
    )
    ride_for(b2, q[0], by=drivers[0])
    # A ride given back: nobody carried.
    ride_for(b2, q[4], by=None, withdrawn_at=at(date(2026, 5, 13), 9))

    # Claims for courses (their date does not matter), for no course (their date does).
    claim("40.00", Category.TRAINING, date(2026, 3, 1), course=a)
    claim("15.50", Category.VOLUNTEER_EXPENSES, date(2026, 7, 10), ExpenseStatus.PAID, session=b3)
    claim("22.00", Category.OTHER, date(2026, 4, 14), course=f)  # F is not covered
    claim("99.00", Category.TRAINING, date(2026, 5, 1), ExpenseStatus.SUBMITTED, course=a)
    claim("30.00", Category.VOLUNTEER_EXPENSES, date(2026, 5, 1), ExpenseStatus.PAID)
    claim("11.00", Category.OTHER, date(2026, 7, 1))  # after the range
    claim("5.00", Category.OTHER, date(2026, 5, 2), ExpenseStatus.DRAFT)
    claim("6.00", Category.OTHER, date(2026, 5, 3), ExpenseStatus.SUBMITTED)

    spend("200.00", Category.TRAINING, date(2026, 4, 30))
    spend("45.00", Category.OTHER, date(2026, 7, 1))  # after the range
    # Bridge Centre's invoice for 20 May to 12 July, paid after the range: shared among
    # B's sessions of 21 and 28 May, 4 and 11 June and E's of 25 June and 2 July (E's of
    # 9 July is cancelled, G is a draft): £100.00 / 6 each.
    spend(
        "100.00", Category.VENUE_HIRE, date(2026, 7, 2),
        venue=bridge, covers_from=date(2026, 5, 20), covers_to=date(2026, 7, 12),
    )  # fmt: skip
    # An invoice for days with no session: nothing to share it among, so by its date.
    spend(
        "60.00", Category.VENUE_HIRE, date(2026, 6, 1),
        venue=ashby, covers_from=date(2026, 8, 1), covers_to=date(2026, 8, 31),
    )  # fmt: skip
    return SimpleNamespace(carers=carers, ashby=ashby, bridge=bridge, a2=a2, f=f)


def spent(figures) -> dict[str, Decimal]:
    return {line.category: to_penny(line.amount) for line in figures.spend}


def venue_table(figures) -> list[tuple]:
    return [
        (line.name, line.sessions, to_penny(line.hire), figures.hire_per_session(line))
        for line in figures.venues
    ]


def test_whole_range_from_hand_sums(books):
    figures = cost_figures(ReportRange(**SPRING))

    # Ashby Hall: 14, 21, 28 April at £20.00 and 5 May at £30.00 = £90.00 (four
    # sessions: "fewer than 5", so no per-session figure).
    # Bridge Centre: 7 and 14 May at £25.00, four sessions at £100/6 = £116.666…
    assert venue_table(figures) == [
        ("Ashby Hall", 4, D("90.00"), None),
        # Hidden too, or 16 − 6 − 6 gives Ashby's 4 back (of the two sixes, the venue's
        # key sorts first).
        ("Bridge Centre", 6, D("116.67"), None),
        (ONLINE, 6, D("0.00"), D("0.00")),
    ]
    assert figures.suppressed.primary == {("venue", books.ashby.pk)}
    assert figures.suppressed.secondary == {("venue", books.bridge.pk)}
    assert figures.sessions == 16 and figures.shown("sessions")

    # Venue hire: £90.00 + £116.666… + the £60.00 invoice with no sessions = £266.666…
    # Training: £40.00 (A, claimed before the range) + £200.00 direct spend.
    # Volunteer expenses: £15.50 (B's session 3, claimed after the range) + £30.00.
    # Drivers: £18.00 + £5.005 + £9.00 + £7.50 = £39.505, rounded half up.
    assert spent(figures) == {
        Category.VENUE_HIRE: D("266.67"),
        Category.TRAINING: D("240.00"),
        Category.VOLUNTEER_EXPENSES: D("45.50"),
        Category.DRIVERS: D("39.51"),
        Category.OTHER: D("0.00"),
    }
    # £266.666… + £240.00 + £45.50 + £39.505 = £591.671666…
    assert to_penny(figures.total) == D("591.67")
    assert (figures.people.started, figures.people.completed) == (12, 9)
    assert figures.per_started == D("49.31")  # 591.6716… / 12 = 49.3059…
    assert figures.per_completer == D("65.74")  # / 9 = 65.7412…
    assert figures.per_session == D("36.98")  # / 16 = 36.9794…
    # Carried: q1, q2, q3, q4, p1, p2 (q5's ride was given back): 39.505 / 6 = 6.5841…
    assert figures.carried == 6
    assert to_penny(figures.transport) == D("39.51")
    assert figures.transport_per_carried == D("6.58")
    assert figures.left_out == []


def test_a_programme_counts_only_what_its_courses_cost(books):
    figures = cost_figures(ReportRange(**SPRING, programme=books.carers))

    # A, B and E; the online course and the spend linked to no course are left out.
    assert [line[:3] for line in venue_table(figures)] == [
        ("Ashby Hall", 4, D("90.00")),
        ("Bridge Centre", 6, D("116.67")),
    ]
    # Ashby's 4 is hidden, and so Bridge's 6 (the total, 10, is shown).
    assert figures.suppressed.hidden == {("venue", books.ashby.pk), ("venue", books.bridge.pk)}
    assert figures.sessions == 10
    assert spent(figures) == {
        Category.VENUE_HIRE: D("206.67"),  # 90.00 + 116.666…
        Category.TRAINING: D("40.00"),
        Category.VOLUNTEER_EXPENSES: D("15.50"),
        Category.DRIVERS: D("39.51"),
        Category.OTHER: D("0.00"),
    }
    assert to_penny(figures.total) == D("301.67")  # 206.666… + 40 + 15.50 + 39.505
    assert (figures.people.started, figures.people.completed) == (10, 7)
    assert figures.per_started == D("30.17")  # 301.6716… / 10
    assert figures.per_completer == D("43.10")  # / 7 = 43.0959…
    assert figures.per_session == D("30.17")  # / 10
    # Left out: £30.00 claimed for no course, £200.00 and £60.00 direct spend.
    assert [to_penny(item.amount) for item in figures.left_out] == [D("290.00")]


def test_a_venue_with_few_people_shows_no_means(books):
    figures = cost_figures(ReportRange(**SPRING, venue=books.bridge))

    assert venue_table(figures) == [("Bridge Centre", 6, D("116.67"), D("19.44"))]
    assert to_penny(figures.total) == D("159.17")  # 116.666… + 15.50 + 18.00 + 9.00
    # Four started, four completed, four carried: all "fewer than 5", no means.
    assert (figures.people.started, figures.people.completed, figures.carried) == (4, 4, 4)
    assert figures.per_started is figures.per_completer is None
    assert figures.transport_per_carried is None
    assert figures.per_session == D("26.53")  # 159.1666… / 6
    assert {"started", "completed", "carried"} <= figures.suppressed.primary


def test_a_referral_source_counts_only_its_peoples_rides(books):
    figures = cost_figures(ReportRange(**SPRING, source=ReferralSource.GP))

    # q1, q2 and p1's rides: £18.00 and half of £10.01.
    assert spent(figures)[Category.DRIVERS] == D("23.01")
    assert to_penny(figures.total) == D("23.01")
    assert figures.carried == 3 and figures.transport_per_carried is None
    assert figures.per_started is figures.per_completer is figures.per_session is None
    # By date: £290.00; shared by a course's people: hire £206.666… and £55.50 of claims.
    assert [to_penny(item.amount) for item in figures.left_out] == [D("290.00"), D("262.17")]
    # The sessions' hire is still shown by venue.
    assert [line[:3] for line in venue_table(figures)][:2] == [
        ("Ashby Hall", 4, D("90.00")),
        ("Bridge Centre", 6, D("116.67")),
    ]


def test_a_new_price_does_not_change_what_sessions_cost(books):
    before = cost_figures(ReportRange(**SPRING))
    books.ashby.hire_cost = D("150.00")
    books.ashby.save()  # in force from today
    after = cost_figures(ReportRange(**SPRING))
    assert venue_table(after) == venue_table(before)
    assert after.total == before.total


def test_nothing_recorded_gives_no_figures(db):
    figures = cost_figures(ReportRange(start=date(2001, 1, 1), end=date(2001, 12, 31)))
    assert figures.total == D("0.00") and figures.venues == [] and figures.sessions == 0
    assert figures.per_started is figures.per_session is figures.transport_per_carried is None
    spend, each, venues = cost_tables(figures)
    assert [cell.shown for cell in each.rows[2].cells] == ["fewer than 5", "–"]
    assert venues.is_empty


def more_books(n: int, programme=None) -> None:
    """``n`` more courses at new venues, each with people, a claim and a ride claimed."""
    for i in range(n):
        first = at(date(2026, 4, 1), 9) + timedelta(days=i)
        course = CourseFactory(first_start=first, **({"programme": programme} if programme else {}))
        people = [rider() for _ in range(3)]
        enrol(course, people, {0: [1, 2, 3], 1: [1]})
        claim("12.00", Category.TRAINING, date(2026, 5, 1), course=course)
        session = course.sessions.get(number=1)
        claim_for_rides([ride_for(session, people[0], by=driver())], amount=D("4.00"))
        spend("10.00", Category.OTHER, date(2026, 5, 2))


@pytest.mark.parametrize("extra", [0, 6])
def test_queries_do_not_grow_with_the_books(books, extra, django_assert_num_queries):
    more_books(extra)
    with django_assert_num_queries(8):
        figures = cost_figures(ReportRange(**SPRING))
        figures.suppressed  # noqa: B018 (worked out in Python)
    assert len(figures.venues) == 3 + extra


def test_a_claim_for_a_session_counts_with_that_sessions_course(books):
    # The course picked on the form is F (not covered); the session named is A's.
    claim("8.00", Category.OTHER, date(2026, 2, 1), course=books.f, session=books.a2)
    assert spent(cost_figures(ReportRange(**SPRING)))[Category.OTHER] == D("8.00")


# --- The page, its CSV and its charts -----------------------------------------------------

SPRING_QUERY = {"from": "2026-04-01", "to": "2026-06-30"}
PAGE = reverse("expenses:costs_report")
CSV = reverse("expenses:costs_export")


def chart_url(name: str) -> str:
    return reverse("expenses:costs_chart", kwargs={"name": name})


def test_tables_show_small_counts_as_fewer_than_five_and_hide_what_gives_them_away(books):
    spend, each, venues = cost_tables(cost_figures(ReportRange(**SPRING)))
    assert [(row.label, row.cells[0].shown) for row in spend.rows][-2:] == [
        ("Other", "£0.00"),
        ("Total", "£591.67"),
    ]
    assert [(row.label, [c.shown for c in row.cells]) for row in each.rows] == [
        ("Participants started (at session 1)", ["12", "£49.31"]),
        ("Completers", ["9", "£65.74"]),
        ("Sessions delivered", ["16", "£36.98"]),
        ("Participants carried (transport)", ["6", "£6.58"]),
    ]
    assert [(row.label, [c.shown for c in row.cells]) for row in venues.rows] == [
        ("Ashby Hall", ["fewer than 5", "£90.00", "not shown†"]),
        ("Bridge Centre", ["not shown*", "£116.67", "not shown†"]),
        (ONLINE, ["6", "£0.00", "£0.00"]),
        ("All sessions delivered", ["16", "£206.67", "£12.92"]),  # 206.666… / 16
    ]
    assert len(venues.footnotes) == 3


def test_coordinators_and_finance_leads_read_the_report_and_it_is_audited(
    client, books, coordinator, finance_lead
):
    for person in (coordinator, finance_lead):
        client.force_login(person)
        response = client.get(PAGE, SPRING_QUERY)
        assert response.status_code == 200
        assert not html_response_problems(response)
        html = response.content.decode()
        assert "£591.67" in html and "fewer than 5" in html and "not shown*" in html
        assert f'src="{chart_url("spend")}?from=2026-04-01&amp;to=2026-06-30"' in html
        assert f'href="{CSV}?from=2026-04-01&amp;to=2026-06-30"' in html
        line = AuditEvent.objects.filter(actor=person).latest("pk")
        assert line.area == AuditArea.MONEY
        assert line.summary == "Opened the cost report (01 Apr 2026 to 30 Jun 2026)"


@pytest.mark.parametrize("persona", ["volunteer", "workforce", "lived"])
def test_others_may_not_read_the_report(client, books, personas, persona):
    client.force_login(personas[persona])
    for url in (PAGE, CSV, chart_url("spend")):
        assert client.get(url, SPRING_QUERY).status_code == 403
    assert not AuditEvent.objects.filter(summary__contains="cost report").exists()


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response.url


def test_filters_narrow_the_report_and_are_named_on_it(client, books, coordinator):
    client.force_login(coordinator)
    query = {**SPRING_QUERY, "programme": books.carers.pk}
    html = client.get(PAGE, query).content.decode()
    assert "programme: Carers" in html and "£301.67" in html
    assert "Not counted: money these filters cannot be attributed to" in html
    assert "£290.00" in html
    summary = AuditEvent.objects.latest("pk").summary
    assert summary == "Opened the cost report (01 Apr 2026 to 30 Jun 2026, programme: Carers)"


def test_the_csv_holds_every_table_as_suppressed_on_the_page(client, books, finance_lead):
    client.force_login(finance_lead)
    response = client.get(CSV, SPRING_QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "hope-costs-2026-04-01-to-2026-06-30.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["Spend by category", "Total", "591.67"] in lines
    assert ["Spend by category", "Volunteer drivers", "39.51"] in lines
    assert [
        "Cost per participant, completer and session", "Completers", "9", "65.74"
    ] in lines  # fmt: skip
    assert ["Venue hire per session, by venue", "Ashby Hall", "fewer than 5", "90.00",
            "not shown†"] in lines  # fmt: skip
    assert ["Venue hire per session, by venue", "Bridge Centre", "not shown*", "116.67",
            "not shown†"] in lines  # fmt: skip
    assert lines[-1][0] == "Notes"
    line = AuditEvent.objects.latest("pk")
    assert line.area == AuditArea.MONEY and line.actor == finance_lead
    assert line.summary == "Opened the cost report as CSV (01 Apr 2026 to 30 Jun 2026)"


def test_a_venue_named_like_a_formula_is_written_as_text(client, books, coordinator):
    books.ashby.name = "=HYPERLINK(evil)"
    books.ashby.save()
    client.force_login(coordinator)
    text = client.get(CSV, SPRING_QUERY).content.decode("utf-8").lstrip("\ufeff")
    labels = [line[1] for line in csv.reader(io.StringIO(text)) if len(line) > 1]
    assert "'=HYPERLINK(evil)" in labels and "=HYPERLINK(evil)" not in labels


def test_charts_are_images_with_no_script_and_hidden_figures_have_no_bar(
    client, books, coordinator
):
    client.force_login(coordinator)
    response = client.get(chart_url("venues"), SPRING_QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    svg = response.content.decode()
    assert "<script" not in svg.lower()
    assert "Ashby Hall (not shown†)" in svg
    before = AuditEvent.objects.count()
    assert client.get(chart_url("spend"), SPRING_QUERY).status_code == 200
    assert AuditEvent.objects.count() == before  # the page showing it is audited
    # The costs each have no chart; no table is called "nothing".
    assert client.get(chart_url("each"), SPRING_QUERY).status_code == 404
    assert client.get(chart_url("nothing"), SPRING_QUERY).status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"from": "1066-10-14"}, "from"),
        ({"from": "2026-06-30", "to": "2026-04-01"}, "from"),
        ({"from": "2001-01-01", "to": "2026-06-30"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"programme": "abc"}, "programme"),
        ({"programme": "99999999999999999999999"}, "programme"),
        ({"programme": "-1"}, "programme"),
        ({"venue": "Ashby Hall"}, "venue"),
        ({"delivery": "by pigeon"}, "delivery"),
        ({"source": "x" * 5000}, "source"),
    ],
)
def test_bad_filters_are_a_message_by_the_field_never_an_error(
    client, books, coordinator, query, field
):
    client.force_login(coordinator)
    response = client.get(PAGE, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<title>Error: ") == 1
    assert f'href="#id_{field}"' in html  # the error summary links to the field
    assert "Spend by category" not in html
    # The CSV sends them to the page, which says what to fix.
    response = client.get(CSV, query)
    assert response.status_code == 302 and response.url.startswith(PAGE + "?")
    assert client.get(chart_url("spend"), query).status_code == 404
    assert not AuditEvent.objects.filter(summary__contains="cost report").exists()


def test_a_nul_byte_is_refused_before_the_report(client, books, coordinator):
    client.force_login(coordinator)
    for url in (PAGE, CSV, chart_url("spend")):
        assert client.get(url, {"venue": "1\x00"}).status_code == 400


def test_no_filters_give_the_last_year(client, books, coordinator):
    client.force_login(coordinator)
    html = client.get(PAGE).content.decode()
    assert "15 June 2025 to 15 June 2026" in html
    assert "Spend by category" in html


@pytest.mark.parametrize("url", [PAGE, CSV, chart_url("venues")], ids=["page", "csv", "chart"])
def test_the_pages_run_a_fixed_number_of_queries(
    client, books, coordinator, url, django_assert_max_num_queries
):
    client.force_login(coordinator)
    query = {**SPRING_QUERY, "programme": books.carers.pk, "delivery": Delivery.IN_PERSON}
    counts = []
    for extra in (0, 8):
        more_books(extra, programme=books.carers)
        with django_assert_max_num_queries(30) as captured:
            assert client.get(url, query).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_finance_leads_find_the_years_cost_report_on_their_dashboard(client, finance_lead):
    with time_machine.travel(at(date(2026, 6, 15), 12), tick=False):
        BudgetFactory(start_year=2026)
        client.force_login(finance_lead)
        html = client.get(reverse("expenses:dashboard")).content.decode()
    assert f'href="{PAGE}?from=2026-04-01&amp;to=2027-03-31">Cost report' in html


@pytest.mark.parametrize("persona", ["coordinator", "finance", "volunteer"])
def test_report_readers_find_the_cost_report_in_the_menu(client, personas, persona):
    client.force_login(personas[persona])
    nav = client.get("/").content.decode()
    assert (f'href="{PAGE}">Cost report</a>' in nav) is (persona != "volunteer")
