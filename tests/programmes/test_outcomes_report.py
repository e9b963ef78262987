"""The outcomes report (issue 15, point 1) on a fixed data set, every figure worked out
by hand below; small numbers hidden and no total giving them away; filters; bad query
strings; the CSV; charts; thresholds; and a fixed number of queries.

The data set (time stands at 1 October 2026; the report covers 1 January to 30 June 2026):

Programme A, "HOPE for carers": in person, 4 sessions, completes with 3; SWEMWBS, WEMWBS.
Programme B, "HOPE online": online, 4 sessions, completes with 2; PAM.

Marks by session (P present, A absent, - unmarked):
  A1 at Riverside, from Mon 2 March:   a1 PPPP  a2 PPPA  a3 PPAA  a4 PAAA
                                      a5 APPA  a6 PPP-  a7 PPPP  a8 AAAA  (and one waiting)
      enrolled 8, started 6 (a1-a4, a6, a7), completed 4 (a1, a2, a6, a7), present 19, 7 people
  A2 at Hillside, from Mon 6 April:    b1 PPPP  b2 PPPP  b3 PPPA  b4 PPAA  b5 PAAA  b6 PPPP
                                      b7 AAAA  b8 AAA-
      enrolled 8, started 6, completed 4 (b1, b2, b3, b6), present 18, 6 people
  B1 online, from Wed 4 March:         c1 PPPP  c2 PPAA  c3 PAAA  c4 APAA  c5 PPPA
      enrolled 5, started 4 (c1, c2, c3, c5), completed 3 (c1, c2, c5), present 11, 5 people
  Left out: A3 (starts 7 September, after the range) and a draft course, one person each.

  By programme: A 16 / 12 / 8, B 5 / 4 / 3; total 21 enrolled, 16 started, 11 completed,
  all 11 completers started: completion rate 11 / 16 = 68.75 % → 69 %.
  Sessions delivered 12; present marks 19 + 18 + 11 = 48: 4.0 a session, over 18 people.

Referrals received in the range (source, received, course start → days):
  GP: a1 2 Feb → 2 Mar 28; a2 9 Feb 21; a3 16 Feb 14; a8 10 Mar (after A1 began, no later
      course: not led); x1 1 Mar, x2 1 Apr, x4 2 Apr, x5 3 Apr (never enrolled)
  Self-referral: b1 6 Mar → 6 Apr 31; b2 16 Mar 21
  Social prescriber: c1 25 Feb → 4 Mar 7 (asking for B1)
  Hospital team: x3 1 May (never enrolled)
  Left out: a4's GP referral of 15 Dec 2025.
  GP 8 received, 3 led; self 2, 2; social prescriber 1, 1; hospital 1, 0; total 12, 6.
  Days for the 6 led: 7 14 21 21 28 31: median 21, mean 122 / 6 = 20.33 → 20.3.

SWEMWBS (metric score, first → last): a1 14 → 21 raw (15.32 → 19.25: +3.93),
  a2 20 → 23 (18.59 → 20.73: +2.14), a3 17 → 17 (0.00), a6 21 → 28 (19.25 → 25.03: +5.78),
  a7 18 → 24 (17.43 → 21.54: +4.11), b1 25 → 24 (22.35 → 21.54: -0.81); b2 first only.
  n 6, sum 15.15, mean 2.525 → 2.5; squared deviations sum 32.72735, sd √(32.72735 / 5)
  = 2.558412; t(0.975, 5) = 2.570582; half-width 2.570582 × 2.558412 / √6 = 2.684889:
  interval -0.16 to 5.21 → "-0.2 to 5.2". At least 3 points: a1, a6, a7 = 3 of 6.
WEMWBS: a1 40 → 45, a2 50 → 49, b1 30 → 36: 3 people. PAM: c1 52.3 → 60.1, c2 48.0 → 47.5.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent
from programmes.measures import Measure, Timepoint, score_items
from programmes.models import (
    Attendance,
    CourseStatus,
    Delivery,
    Mark,
    MeaningfulChange,
    Place,
    PlaceStatus,
    ReferralSource,
    Score,
    meaningful_changes,
)
from programmes.reports import (
    ReportRange,
    attendance_figures,
    measure_changes,
    people_by,
    referral_waits,
    referrals_by_source,
)
from tests.csp import html_response_problems
from tests.factories import (
    CourseFactory,
    ParticipantFactory,
    PlaceFactory,
    ProgrammeFactory,
    ReferralFactory,
    VenueFactory,
)
from tests.hope.test_suppression import pinned_by_null_space

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 10, 1, 12, tzinfo=LONDON)
RANGE = {"from": "2026-01-01", "to": "2026-06-30"}
URL = "/reports/outcomes/"
EXPORT = "/reports/outcomes/export.csv"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def items_for(measure: str, total: int) -> list[int]:
    """Answers (1-5 each) adding up to ``total``."""
    n = {Measure.SWEMWBS: 7, Measure.WEMWBS: 14}[measure]
    items = [1] * n
    for i in range(total - n):
        items[i % n] += 1
    return items


def score(place, measure, timepoint, value):
    if measure == Measure.PAM:
        return Score.objects.create(
            place=place, measure=measure, timepoint=timepoint, total=Decimal(value), level=2
        )
    scored = score_items(measure, items_for(measure, value))
    return Score.objects.create(
        place=place, measure=measure, timepoint=timepoint, items=scored.items,
        total=scored.total, metric=scored.metric,
    )  # fmt: skip


def enrol(course, marks: str, **participant):
    """A place on ``course`` with a register line per session marked as ``marks``."""
    place = PlaceFactory(course=course, participant=ParticipantFactory(**participant))
    for session, mark in zip(course.sessions.order_by("number"), marks, strict=True):
        Attendance.objects.create(
            place=place, session=session, participant=place.participant,
            start=session.start, end=session.end,
            mark={"P": Mark.PRESENT, "A": Mark.ABSENT, "-": ""}[mark],
        )  # fmt: skip
    return place


@pytest.fixture
def data():
    a = ProgrammeFactory(
        name="HOPE for carers", sessions_per_course=4, completion_min_sessions=3,
        measures=[Measure.SWEMWBS, Measure.WEMWBS],
    )  # fmt: skip
    b = ProgrammeFactory(
        name="HOPE online", sessions_per_course=4, completion_min_sessions=2,
        delivery=Delivery.ONLINE, measures=[Measure.PAM],
    )  # fmt: skip
    riverside = VenueFactory(name="Riverside Hall")
    hillside = VenueFactory(name="Hillside Centre")
    a1 = CourseFactory(
        programme=a, venue=riverside, first_start=datetime(2026, 3, 2, 10, tzinfo=LONDON)
    )
    a2 = CourseFactory(
        programme=a, venue=hillside, first_start=datetime(2026, 4, 6, 10, tzinfo=LONDON)
    )
    b1 = CourseFactory(programme=b, venue=None, first_start=datetime(2026, 3, 4, 18, tzinfo=LONDON))
    a3 = CourseFactory(
        programme=a, venue=riverside, first_start=datetime(2026, 9, 7, 10, tzinfo=LONDON)
    )
    draft = CourseFactory(
        programme=a, venue=riverside, status=CourseStatus.DRAFT,
        first_start=datetime(2026, 5, 4, 10, tzinfo=LONDON),
    )  # fmt: skip
    p = {}
    for name, marks in [
        ("a1", "PPPP"), ("a2", "PPPA"), ("a3", "PPAA"), ("a4", "PAAA"),
        ("a5", "APPA"), ("a6", "PPP-"), ("a7", "PPPP"), ("a8", "AAAA"),
    ]:  # fmt: skip
        p[name] = enrol(a1, marks)
    PlaceFactory(course=a1, status=PlaceStatus.WAITING, enrolled_at=None)
    for name, marks in [
        ("b1", "PPPP"), ("b2", "PPPP"), ("b3", "PPPA"), ("b4", "PPAA"), ("b5", "PAAA"),
        ("b6", "PPPP"), ("b7", "AAAA"), ("b8", "AAA-"),
    ]:  # fmt: skip
        p[name] = enrol(a2, marks)
    for name, marks in [
        ("c1", "PPPP"), ("c2", "PPAA"), ("c3", "PAAA"), ("c4", "APAA"), ("c5", "PPPA"),
    ]:  # fmt: skip
        p[name] = enrol(b1, marks)
    outside = enrol(a3, "PPPP")
    in_draft = enrol(draft, "PPPP")

    gp, self_ = ReferralSource.GP, ReferralSource.SELF
    for name, source, received, course in [
        ("a1", gp, date(2026, 2, 2), None), ("a2", gp, date(2026, 2, 9), None),
        ("a3", gp, date(2026, 2, 16), None), ("a8", gp, date(2026, 3, 10), None),
        ("b1", self_, date(2026, 3, 6), a2), ("b2", self_, date(2026, 3, 16), a2),
        ("c1", ReferralSource.SOCIAL_PRESCRIBER, date(2026, 2, 25), b1),
        ("a4", gp, date(2025, 12, 15), None),
    ]:  # fmt: skip
        ReferralFactory(
            participant=p[name].participant, source=source, received_on=received, course=course
        )
    for received in (date(2026, 3, 1), date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3)):
        ReferralFactory(source=gp, received_on=received)
    ReferralFactory(source=ReferralSource.HOSPITAL_TEAM, received_on=date(2026, 5, 1))

    for name, first, last in [
        ("a1", 14, 21), ("a2", 20, 23), ("a3", 17, 17), ("a6", 21, 28), ("a7", 18, 24),
        ("b1", 25, 24),
    ]:  # fmt: skip
        score(p[name], Measure.SWEMWBS, Timepoint.FIRST, first)
        score(p[name], Measure.SWEMWBS, Timepoint.LAST, last)
    score(p["b2"], Measure.SWEMWBS, Timepoint.FIRST, 20)
    score(outside, Measure.SWEMWBS, Timepoint.FIRST, 7)
    score(outside, Measure.SWEMWBS, Timepoint.LAST, 35)
    score(in_draft, Measure.SWEMWBS, Timepoint.FIRST, 7)
    score(in_draft, Measure.SWEMWBS, Timepoint.LAST, 35)
    for name, first, last in [("a1", 40, 45), ("a2", 50, 49), ("b1", 30, 36)]:
        score(p[name], Measure.WEMWBS, Timepoint.FIRST, first)
        score(p[name], Measure.WEMWBS, Timepoint.LAST, last)
    for name, first, last in [("c1", "52.3", "60.1"), ("c2", "48.0", "47.5")]:
        score(p[name], Measure.PAM, Timepoint.FIRST, first)
        score(p[name], Measure.PAM, Timepoint.LAST, last)

    p["a1"].feedback = "=HYPERLINK(1) Really helped me pace myself"
    p["a1"].save()
    p["b1"].feedback = "A lovely group"
    p["b1"].save()
    outside.feedback = "From a course after the range"
    outside.save()
    return {"a": a, "b": b, "riverside": riverside, "hillside": hillside, "b1": b1}


def the_range(**filters) -> ReportRange:
    return ReportRange(start=date(2026, 1, 1), end=date(2026, 6, 30), **filters)


# --- The figures, from SQL, against the hand-worked ones -------------------------------


def test_referral_figures_match_the_hand_count(data):
    assert referrals_by_source(the_range()) == {
        "gp": (8, 3), "self": (2, 2), "social_prescriber": (1, 1), "hospital_team": (1, 0),
    }  # fmt: skip
    waits = referral_waits(the_range())
    assert waits.referrals == 6
    assert waits.median == 21
    assert waits.mean == pytest.approx(122 / 6)


def test_people_and_attendance_match_the_hand_count(data):
    groups = {g.label: g for g in people_by(the_range(), "programme")}
    a, b = groups["HOPE for carers"], groups["HOPE online"]
    assert (a.enrolled, a.started, a.completed, a.started_completed) == (16, 12, 8, 8)
    assert (b.enrolled, b.started, b.completed, b.started_completed) == (5, 4, 3, 3)
    venues = {g.label: g.enrolled for g in people_by(the_range(), "venue")}
    assert venues == {"Hillside Centre": 8, "Riverside Hall": 8, "": 5}
    attendance = attendance_figures(the_range())
    assert (attendance.sessions, attendance.present, attendance.people) == (12, 48, 18)


def test_measure_changes_match_the_hand_count(data):
    changes = {c.measure: c for c in measure_changes(the_range(), meaningful_changes())}
    swemwbs = changes[Measure.SWEMWBS]
    assert swemwbs.people == 6
    assert swemwbs.mean == pytest.approx(Decimal("2.525"))
    assert float(swemwbs.sd) == pytest.approx(2.558412, abs=1e-6)
    assert swemwbs.meeting == 3
    assert changes[Measure.WEMWBS].people == 3
    assert changes[Measure.PAM].people == 2
    assert changes[Measure.PAM].mean == pytest.approx(Decimal("3.65"))  # (7.8 - 0.5) / 2


# --- The page ---------------------------------------------------------------------------


def cells(response, table_name: str) -> dict[str, list[str]]:
    table = next(t for t in response.context["tables"] if t.name == table_name)
    return {row.label: [cell.shown for cell in row.cells] for row in table.rows}


def test_page_shows_the_hand_counted_figures(client, coordinator, data):
    client.force_login(coordinator)
    response = client.get(URL, RANGE)
    assert response.status_code == 200
    summary = {label: values[0] for label, values in cells(response, "summary").items()}
    assert summary["Days from referral to course start: median"] == "21.0"
    assert summary["Days from referral to course start: mean"] == "20.3"
    assert summary["Sessions delivered"] == "12"
    assert summary["Average attendance per session (present marks ÷ sessions delivered)"] == "4.0"
    assert summary["Completion rate (completed, of those started)"] == "69%"
    assert (summary["Enrolled"], summary["Started (attended session 1)"]) == ("21", "16")
    measures = cells(response, "measures")
    assert measures["SWEMWBS (metric score)"] == ["6", "2.5", "-0.2 to 5.2", "3.0", "not shown†"]
    # Three people with both WEMWBS scores, two with PAM: nothing about them but that.
    assert measures["WEMWBS"] == ["fewer than 5", "not shown†", "not shown†", "3.0", "not shown†"]
    assert measures["PAM (activation score)"][:3] == ["fewer than 5", "not shown†", "not shown†"]
    assert html_response_problems(response) == []
    assert b'href="/static/css/print.css" media="print"' in response.content


def test_small_counts_are_hidden_and_no_total_gives_them_away(client, coordinator, data):
    client.force_login(coordinator)
    response = client.get(URL, RANGE)
    by_source = cells(response, "referrals")
    assert by_source["Self-referral"] == ["fewer than 5", "fewer than 5"]
    assert by_source["GP"][1] == "fewer than 5"
    by_programme = cells(response, "people-by-programme")
    assert by_programme["HOPE online"][1:] == ["fewer than 5", "fewer than 5"]
    assert "not shown*" in str(response.content.decode())
    # The attacker (tests/hope/test_suppression.py) knows every shown number of both
    # people tables, their totals and that started and completed are parts of enrolled;
    # it cannot pin any hidden count, nor anyone who did not start or complete.
    tables = [t for t in response.context["tables"] if t.name.startswith("people-by-")]
    values, sums, hidden = {}, [], set()
    for i, table in enumerate(tables):
        body = [r for r, row in enumerate(table.rows) if not row.is_total]
        for r, row in enumerate(table.rows):
            key = "total" if row.is_total else (i, r)
            for c, cell in enumerate(row.cells):
                values[(key, c)] = cell.value
                if cell.hidden:
                    hidden.add((key, c))
            for part in (1, 2):
                values[(key, "rest", part)] = row.cells[0].value - row.cells[part].value
                hidden.add((key, "rest", part))
                sums.append(((key, 0), [(key, part), (key, "rest", part)]))
        for c in range(3):
            sums.append((("total", c), [((i, r), c) for r in body]))
        for part in (1, 2):
            sums.append((("total", "rest", part), [((i, r), "rest", part) for r in body]))
    pinned = pinned_by_null_space(values, sums, hidden)
    assert not {key for key in pinned if values[key] < 5}


def test_filters_narrow_the_figures(client, coordinator, data):
    client.force_login(coordinator)
    online = client.get(URL, {**RANGE, "programme": data["b"].pk})
    assert [r.label for r in online.context["tables"][2].rows] == ["HOPE online", "Total"]
    # Only the referral asking for an online course: one, so fewer than 5.
    assert cells(online, "referrals") == {
        "Social prescriber": ["fewer than 5", "fewer than 5"],
        "Total": ["fewer than 5", "fewer than 5"],
    }
    hillside = client.get(URL, {**RANGE, "venue": data["hillside"].pk})
    assert list(cells(hillside, "people-by-venue")) == ["Hillside Centre", "Total"]
    assert [g.enrolled for g in people_by(the_range(venue=data["hillside"]), "venue")] == [8]
    by_self = client.get(URL, {**RANGE, "source": ReferralSource.SELF})
    assert cells(by_self, "people-by-programme")["Total"][0] == "fewer than 5"  # b1, b2
    in_person = client.get(URL, {**RANGE, "delivery": Delivery.IN_PERSON})
    assert "HOPE online" not in cells(in_person, "people-by-programme")
    later = client.get(URL, {"from": "2026-07-01", "to": "2026-09-30"})
    assert cells(later, "people-by-programme")["Total"][0] == "fewer than 5"  # A3's one


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-13-01"},
        {"from": "2026-06-30", "to": "2026-01-01"},
        {"from": "1900-01-01"},
        {"from": "2000-01-01", "to": "2100-12-31"},
        {"programme": "abc"},
        {"programme": "99999999999999999999"},
        {"venue": "-1"},
        {"delivery": "by pigeon"},
        {"source": "=cmd"},
    ],
)
def test_bad_query_strings_give_a_message_not_an_error(client, coordinator, data, query):
    client.force_login(coordinator)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert response.context["tables"] == []
    export = client.get(EXPORT, query)
    assert export.status_code == 302
    assert (
        client.get(reverse("programmes:outcomes_chart", args=["referrals"]), query).status_code
        == 404
    )


def test_a_nul_byte_is_refused_before_it_reaches_the_database(client, coordinator):
    client.force_login(coordinator)
    assert client.get(URL, {"venue": "\x00"}).status_code == 400


def test_with_no_filters_the_report_covers_the_last_twelve_months(client, coordinator, data):
    client.force_login(coordinator)
    response = client.get(URL)
    r = response.context["report_range"]
    assert (r.start, r.end) == (date(2025, 10, 1), date(2026, 10, 1))
    assert b'value="2025-10-01"' in response.content


# --- Feedback, access and the audit trail -----------------------------------------------


def test_feedback_is_for_coordinators_only_and_in_range(
    client, coordinator, finance_lead, evidence_viewer, data
):
    client.force_login(coordinator)
    page = client.get(URL, RANGE).content.decode()
    assert "A lovely group" in page
    assert "=HYPERLINK(1) Really helped me pace myself" in page
    assert "From a course after the range" not in page
    client.force_login(finance_lead)
    response = client.get(URL, RANGE)
    assert response.status_code == 200
    assert "A lovely group" not in response.content.decode()
    assert reverse("programmes:meaningful_change") not in response.content.decode()
    # A commissioner reads the same suppressed tables, without anyone's words.
    client.force_login(evidence_viewer)
    for url in (URL, EXPORT):
        response = client.get(url, RANGE)
        assert response.status_code == 200
        text = b"".join(getattr(response, "streaming_content", [response.content])).decode()
        assert "lovely group" not in text and "pace myself" not in text
        assert "fewer than 5" in text


def test_feedback_shows_as_it_is_now_though_the_report_is_remembered(client, coordinator, data):
    """Which lines to list is remembered with the tables; the words are read each time:
    a line changed shows at once, and one cleared without a save (as retention clears
    them) is gone at once, and from the next choice too."""
    from programmes.services.participants import feedback_record

    client.force_login(coordinator)
    assert "A lovely group" in client.get(URL, RANGE).content.decode()
    place = Place.objects.get(feedback="A lovely group")
    feedback_record(place=place, text='Kind & <calm>, "O\'Neil" said', by=coordinator)
    page = client.get(URL, RANGE).content.decode()
    assert "“Kind &amp; &lt;calm&gt;, &quot;O&#x27;Neil&quot; said”" in page
    Place.objects.filter(pk=place.pk).update(feedback="")
    page = client.get(URL, RANGE).content.decode()
    assert "calm" not in page and "pace myself" in page
    # Retention clears lines the same way, and forgets the remembered choice.
    from programmes.retention import anonymise_participants

    a1 = Place.objects.get(feedback__startswith="=HYPERLINK")
    with time_machine.travel(timezone.now() + timedelta(days=3 * 365)):
        assert anonymise_participants(timezone.now()) >= 1
    a1.refresh_from_db()
    assert a1.feedback == ""
    assert "pace myself" not in client.get(URL, RANGE).content.decode()


def test_feedback_lines_are_written_as_the_template_wrote_them():
    from django.template import Context, Template

    from programmes.outcomes import feedback_items

    lines = [("Carers & <friends>", 'It\'s "good" & <b>fine</b>'), ("Online", "Plain")]
    template = Template(
        "{% for programme, words in feedback %}<li>“{{ words }}” "
        '<span class="small text-body-secondary">({{ programme }})</span></li>{% endfor %}'
    )
    assert feedback_items(lines) == template.render(Context({"feedback": lines}))


@pytest.mark.parametrize("persona", ["volunteer", "workforce", "lived"])
def test_report_is_refused_to_other_roles(client, personas, persona, data):
    client.force_login(personas[persona])
    for url in (URL, EXPORT, reverse("programmes:outcomes_chart", args=["referrals"])):
        assert client.get(url, RANGE).status_code == 403
    assert client.get(reverse("programmes:meaningful_change")).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, data):
    assert client.get(URL).status_code == 302
    assert client.get(EXPORT).status_code == 302


def test_opening_the_report_and_its_csv_is_audited(client, coordinator, data):
    client.force_login(coordinator)
    client.get(URL, {**RANGE, "programme": data["a"].pk})
    client.get(EXPORT, RANGE)
    lines = list(
        AuditEvent.objects.filter(action="personal_data.viewed")
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert lines == [
        "Opened the outcomes report (01 Jan 2026 to 30 Jun 2026, programme: HOPE for carers)",
        "Opened the outcomes report's CSV (01 Jan 2026 to 30 Jun 2026)",
    ]


# --- CSV, charts, print -----------------------------------------------------------------


def test_csv_is_an_attachment_suppressed_and_formula_safe(client, coordinator, data):
    client.force_login(coordinator)
    response = client.get(EXPORT, RANGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="outcomes-2026-01-01-to-2026-06-30.csv"'
    )
    text = response.content.decode("utf-8")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [
        "Referrals received, by source",
        "Self-referral",
        "fewer than 5",
        "fewer than 5",
    ] in lines
    swemwbs = next(line for line in lines if line[1] == "SWEMWBS (metric score)")
    # The interval starts with "-": a spreadsheet would read it as a formula.
    assert swemwbs[2:] == ["6", "2.5", "'-0.2 to 5.2", "3.0", "not shown†"]
    assert "HYPERLINK" not in text and "lovely group" not in text  # never the feedback
    assert {line[0] for line in lines} >= {
        "At a glance",
        "People enrolled, started and completed, by venue",
    }


def test_each_chart_is_an_image_without_script(client, coordinator, data):
    client.force_login(coordinator)
    page = client.get(URL, RANGE).content.decode()
    for name in ("referrals", "people-by-programme", "people-by-venue", "measures"):
        src = f"/reports/outcomes/charts/{name}.svg?from=2026-01-01&amp;to=2026-06-30"
        assert src in page
        response = client.get(f"/reports/outcomes/charts/{name}.svg", RANGE)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        assert "<script" not in response.content.decode().lower()
    chart = client.get("/reports/outcomes/charts/referrals.svg", RANGE).content.decode()
    assert "Self-referral (fewer than 5)" in chart
    assert client.get("/reports/outcomes/charts/summary.svg", RANGE).status_code == 404
    assert client.get("/reports/outcomes/charts/nothing.svg", RANGE).status_code == 404


def test_print_stylesheet_lays_out_a4_without_navigation(client, coordinator, data):
    client.force_login(coordinator)
    page = client.get(URL, RANGE).content.decode()
    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in page
    assert "data-hope-print" in page
    css = Path(finders.find("css/print.css")).read_text()
    assert "size: A4" in css
    assert ".hope-report-section { break-before: page;" in css
    for hidden in (".hope-header", ".hope-footer", ".hope-report-filters", ".hope-report-actions"):
        assert hidden in css


# --- Meaningful change ------------------------------------------------------------------


def test_coordinator_changes_a_threshold_and_the_report_counts_against_it(
    client, coordinator, data
):
    client.force_login(coordinator)
    response = client.get(reverse("programmes:meaningful_change"))
    assert response.status_code == 200
    response = client.post(
        reverse("programmes:meaningful_change"),
        {"swemwbs": "2.0", "wemwbs": "3.0", "pam": "4.0"},
    )
    assert response.status_code == 302
    assert MeaningfulChange.objects.get(measure=Measure.SWEMWBS).points == Decimal("2.0")
    # At least 2 points: a1 +3.93, a2 +2.14, a6 +5.78, a7 +4.11.
    changes = {c.measure: c for c in measure_changes(the_range(), meaningful_changes())}
    assert changes[Measure.SWEMWBS].meeting == 4
    line = AuditEvent.objects.get(action="meaningful_change.changed")
    assert line.summary.endswith("SWEMWBS 3.0 → 2.0")
    assert line.actor == coordinator


@pytest.mark.parametrize(
    ("value", "message"),
    [("", "Enter the meaningful change for SWEMWBS, like 3."),
     ("0", "Enter a meaningful change for SWEMWBS of at least 0.1."),
     ("29", "Enter a meaningful change for SWEMWBS of 28.0 or less."),
     ("2.55", "at most one decimal place"),
     ("three", "as a number")],
)  # fmt: skip
def test_threshold_form_says_how_to_fix_a_bad_value(client, coordinator, value, message):
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:meaningful_change"), {"swemwbs": value, "wemwbs": "3", "pam": "4"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MeaningfulChange.objects.exists()


def test_finance_lead_cannot_change_thresholds(client, finance_lead):
    client.force_login(finance_lead)
    assert client.post(reverse("programmes:meaningful_change"), {"swemwbs": "1"}).status_code == 403


# --- Queries ----------------------------------------------------------------------------


def grow(size: int):
    """``size`` more courses in the range, each with five people marked and scored, and
    their referrals."""
    programme = ProgrammeFactory(sessions_per_course=2, completion_min_sessions=1)
    for n in range(size):
        course = CourseFactory(
            programme=programme, venue=VenueFactory(),
            first_start=datetime(2026, 2, 2, 9, tzinfo=LONDON) + timedelta(days=n, hours=n % 5),
        )  # fmt: skip
        for _ in range(5):
            place = enrol(course, "PA")
            place.feedback = "Good"
            place.save()
            ReferralFactory(participant=place.participant, received_on=date(2026, 1, 5))
            score(place, Measure.SWEMWBS, Timepoint.FIRST, 20)
            score(place, Measure.SWEMWBS, Timepoint.LAST, 25)


@pytest.mark.parametrize("who", ["coordinator", "finance"])
def test_queries_do_not_grow_with_the_data(client, personas, who, django_assert_max_num_queries):
    client.force_login(personas[who])
    counts = []
    for size in (1, 12):
        grow(size)
        for url in (URL, EXPORT, "/reports/outcomes/charts/measures.svg"):
            with django_assert_max_num_queries(20) as captured:
                assert client.get(url, RANGE).status_code == 200
            counts.append(len(captured.captured_queries))
    assert counts[:3] == counts[3:], counts


@pytest.mark.parametrize("persona", ["coordinator", "finance"])
def test_report_readers_find_it_in_the_menu(client, personas, persona):
    client.force_login(personas[persona])
    nav = client.get("/").content.decode()
    assert f'href="{URL}">Outcomes report</a>' in nav
