"""The outcomes report's tables (issue 15, point 1): referrals and days waited, who was
enrolled, started and completed, attendance, change in each outcome measure, and the
feedback lines for coordinators. Every figure is counted in PostgreSQL
(programmes/reports.py) over what a report covers; here they become published tables,
small numbers hidden (hope/reporting.py), in a fixed number of queries whatever the
data: nine, and two more with the feedback (one while which lines to list is
remembered).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from hope.reporting import (
    FEW,
    Cell,
    Counts,
    Table,
    count,
    count_table,
    count_tables,
    figure_table,
    mean,
    remembered,
    share,
    share_of,
    shown,
    total_row,
)
from hope.stats import mean_interval
from hope.suppression import threshold
from programmes.measures import Measure
from programmes.models import ReferralSource, meaningful_changes
from programmes.reports import (
    PeopleGroup,
    ReportRange,
    attendance_figures,
    feedback_lines,
    feedback_lines_of,
    feedback_places,
    measure_changes,
    next_session_end,
    people_by,
    referral_waits,
    referrals_by_source,
)

# Feedback lines shown at most (the newest); the report is not a place to read them all.
FEEDBACK_SHOWN = 100

PEOPLE_COLUMNS = ("Enrolled", "Started", "Completed")
# Of those enrolled, who did not start and who did not complete: a reader works these out
# by subtraction, so they are protected as if shown.
PEOPLE_NESTED = ((1, 0), (2, 0))
MEASURE_NAMES = {
    Measure.SWEMWBS: "SWEMWBS (metric score)",
    Measure.WEMWBS: "WEMWBS",
    Measure.PAM: "PAM (activation score)",
}


@dataclass(frozen=True)
class OutcomesReport:
    tables: list[Table]
    feedback: list[tuple[str, str]] | None  # (programme, words); None when not for them
    thresholds: dict[str, Decimal]


def outcomes_report(
    r: ReportRange, *, with_feedback: bool = False, now: datetime | None = None
) -> OutcomesReport:
    thresholds = meaningful_changes()
    referrals = _referrals_table(r)
    groups = people_by(r, "programme")
    by_programme, by_venue = _people_tables(r, groups)
    measures = _measures_table(r, thresholds)
    started_completed = sum(group.started_completed for group in groups)
    summary = _summary_table(r, referrals, by_programme, started_completed, now)
    return OutcomesReport(
        tables=[summary, referrals, by_programme, by_venue, measures],
        feedback=feedback_lines(r, FEEDBACK_SHOWN) if with_feedback else None,
        thresholds=thresholds,
    )


def remembered_outcomes_report(r: ReportRange, *, with_feedback: bool = False) -> OutcomesReport:
    """``outcomes_report(r)``, remembered until a row it counts changes or a session it
    covers ends (hope/reporting.py ``remembered``): the page, its CSV and its charts share
    it, with no query when it holds.

    With the feedback, which lines to show is remembered the same way, apart from the
    tables and only as the places' ids: choosing the latest hundred among the places
    counted was most of a coordinator's report. The words are read afresh each time (one
    query): free text that may carry health details stays out of the cache, and a line
    retention clears is gone at once."""

    def until(now):
        return next_session_end(r, now)

    report = remembered("outcomes", r.query(), lambda: outcomes_report(r), until)
    if with_feedback:
        places = remembered(
            "outcomes:feedback-places",
            r.query(),
            lambda: feedback_places(r, FEEDBACK_SHOWN),
            until,
        )
        report = replace(report, feedback=feedback_lines_of(places))
    return report


def feedback_items(lines: list[tuple[str, str]]) -> SafeString:
    """The feedback lines as the page lists them: the words, then their programme. Written
    here, not by a template loop of a hundred lines (a millisecond of each coordinator's
    report)."""
    return mark_safe(  # noqa: S308 - every value escaped
        "".join(
            f"<li>“{escape(words)}” "
            f'<span class="small text-body-secondary">({escape(programme)})</span></li>'
            for programme, words in lines
        )
    )


def _referrals_table(r: ReportRange) -> Table:
    counts = referrals_by_source(r)
    return count_table(
        name="referrals",
        title="Referrals received, by source",
        heading="Referred by",
        columns=["Referrals received", "Led to an enrolment"],
        # Sources with no referrals are left out: a row of nobody tells nothing.
        rows=[
            (label, list(counts[source]))
            for source, label in ReferralSource.choices
            if source in counts
        ],
        nested=[(1, 0)],
        note="Referrals received in the dates chosen. “Led to an enrolment”: the person "
        "was enrolled on a course starting on or after the day the referral came. With a "
        "programme, venue or delivery chosen, only referrals asking for such a course.",
    )


def _people_tables(r: ReportRange, by_programme: list[PeopleGroup]) -> list[Table]:
    """By programme and by venue: the same people split two ways, so suppressed
    together (a total hidden in one is hidden in both)."""

    def rows(groups, blank: str):
        return [
            (
                group.label or blank,
                [group.enrolled, group.started, group.completed],
            )
            for group in groups
        ]

    note = (
        "Everyone enrolled on a course whose first session falls in the dates chosen. "
        "Started: marked present at session 1. Completed: attended at least the "
        "sessions the programme asks for."
    )
    return count_tables(
        Counts(
            name="people-by-programme",
            title="People enrolled, started and completed, by programme",
            heading="Programme",
            columns=PEOPLE_COLUMNS,
            rows=rows(by_programme, "–"),
            nested=PEOPLE_NESTED,
            note=note,
        ),
        Counts(
            name="people-by-venue",
            title="People enrolled, started and completed, by venue",
            heading="Venue",
            columns=PEOPLE_COLUMNS,
            rows=rows(people_by(r, "venue"), "Online"),
            nested=PEOPLE_NESTED,
        ),
        same_total=True,
    )


def _summary_table(
    r: ReportRange, referrals: Table, people: Table, started_completed: int, now
) -> Table:
    """The headline figures. Counts come from the other tables' total rows, cells and
    all, so a count hidden there is hidden here too."""
    received, led = total_row(referrals).cells
    enrolled, started, completed = total_row(people).cells
    waits = referral_waits(r)
    attendance = attendance_figures(r, now)
    per_session = (
        Decimal(attendance.present) / Decimal(attendance.sessions) if attendance.sessions else None
    )
    return figure_table(
        name="summary",
        title="At a glance",
        heading="Figure",
        columns=["Value"],
        rows=[
            ("Referrals received", [received]),
            ("Referrals that led to an enrolment", [led]),
            ("Days from referral to course start: median", [mean(waits.median, waits.referrals)]),
            ("Days from referral to course start: mean", [mean(waits.mean, waits.referrals)]),
            ("Enrolled", [enrolled]),
            ("Started (attended session 1)", [started]),
            ("Completed (the programme’s rule)", [completed]),
            (
                "Completion rate (completed, of those started)",
                [completion_rate(started, completed, started_completed)],
            ),
            ("Sessions delivered", [shown(attendance.sessions)]),
            (
                "Average attendance per session (present marks ÷ sessions delivered)",
                [mean(per_session, attendance.people)],
            ),
        ],
        chart=None,
    )


def completion_rate(started: Cell, completed: Cell, started_completed: int) -> Cell:
    """Those who started and completed, of those who started. Shown only when both
    counts are; when, of the starters, those who completed and those who did not each
    number 5 or more (``share``); and when the completers who missed session 1
    (completed minus started-and-completed, which the rate gives away) are not 1 to 4
    people. None of them is a statement about nobody, so it may stand."""
    rate = share_of(count(started_completed), started)
    missed_first = completed.value - started_completed
    if completed.hidden or 0 < missed_first < threshold():
        return Cell(hidden=FEW)
    return rate


def _measures_table(r: ReportRange, thresholds: dict[str, Decimal]) -> Table:
    rows = []
    changes = sorted(measure_changes(r, thresholds), key=lambda c: Measure.values.index(c.measure))
    for change in changes:
        interval = mean_interval(change.mean, change.sd, change.people)
        ci = mean(None, change.people)
        if not ci.hidden and interval is not None:
            low, high = (mean(end, change.people).text for end in interval)
            ci = shown(f"{low} to {high}")
        rows.append(
            (
                MEASURE_NAMES.get(change.measure, change.measure),
                [
                    count(change.people),
                    mean(change.mean, change.people),
                    ci,
                    shown(thresholds[change.measure], f"{thresholds[change.measure]}"),
                    share(change.meeting, change.people),
                ],
            )
        )
    return figure_table(
        name="measures",
        title="Outcome measures: change from first to last score",
        heading="Measure",
        columns=[
            "People with a first and a last score",
            "Mean change (points)",
            "95% confidence interval",
            "Meaningful change (points)",
            "Improved by at least that",
        ],
        rows=rows,
        chart=1,
        note="Change is the last score minus the first, for each person with both; a "
        "positive change is an improvement. The interval uses Student’s t distribution. "
        "SWEMWBS is compared on its metric score.",
    )
