from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from facilitators.cover import add_cover
from facilitators.models import FacilitatorProfile
from hope.demo import DEMO_PASSWORD, DEMO_PEOPLE
from hope.models import User
from hope.roles import FacilitatorKind, Role, role_names

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_people_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.count() == len(DEMO_PEOPLE)
    coordinator = User.objects.get(email="coordinator@example.org")
    assert coordinator.check_password(DEMO_PASSWORD)
    assert role_names(coordinator) == {Role.COORDINATOR}
    assert (
        FacilitatorProfile.objects.get(user__email="workforce@example.org").kind
        == FacilitatorKind.WORKFORCE
    )
    assert (
        FacilitatorProfile.objects.get(user__email="lived@example.org").kind
        == FacilitatorKind.LIVED_EXPERIENCE
    )
    volunteer = User.objects.get(email="volunteer@example.org")
    assert volunteer.is_driver and Role.VOLUNTEER in role_names(volunteer)
    assert Role.FINANCE_LEAD in role_names(User.objects.get(email="finance@example.org"))
    evidence = User.objects.get(email="evidence@example.org")
    assert role_names(evidence) == {Role.EVIDENCE_VIEWER}


def test_demo_privileged_accounts_have_the_published_authenticator(settings, capsys):
    from hope.demo import DEMO_TOTP_SECRET
    from hope.signin import has_second_factor, totp_code

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one authenticator each
    capsys.readouterr()
    with_code = {u.email for u in User.objects.all() if has_second_factor(u)}
    assert with_code == {
        "coordinator@example.org",
        "finance@example.org",
        "evidence@example.org",
        "admin@example.org",
    }
    call_command("demo_code")
    assert capsys.readouterr().out.strip() == totp_code(DEMO_TOTP_SECRET)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG=true"):
        call_command("demo_code")


def test_make_run_prints_the_demo_secret_beside_the_demo_accounts():
    """A tester adds the secret to an authenticator app from what `make run` prints."""
    import io

    from hope.demo import DEMO_TOTP_SECRET
    from hope.management.commands.rundev import Command

    out = io.StringIO()
    Command(stdout=out).print_banner("http://127.0.0.1:8000")
    text = out.getvalue()
    assert f"Demo accounts (password: {DEMO_PASSWORD}):" in text
    for email in ("coordinator@example.org", "finance@example.org"):
        assert email in text and text.index(email) < text.index(DEMO_TOTP_SECRET)
    assert "make code" in text


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG=true"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_plans_a_year_of_courses_once(settings):
    from django.utils import timezone

    from programmes.models import Course, Session
    from venues.models import Venue

    settings.DEBUG = True
    call_command("seed_demo")
    courses, sessions = Course.objects.count(), Session.objects.count()
    call_command("seed_demo")
    assert (Course.objects.count(), Session.objects.count()) == (courses, sessions)
    assert Venue.objects.count() >= 4
    now = timezone.now()
    assert Course.objects.upcoming(now).exists()
    assert Course.objects.running(now).exists()
    assert Course.objects.past(now).exists()
    spread = Session.objects.order_by("start")
    assert spread.last().start - spread.first().start > timezone.timedelta(days=300)


def test_seed_demo_pairs_most_sessions_and_leaves_gaps(settings):
    from django.utils import timezone

    from facilitators.models import SessionClaim, Training
    from programmes.models import Session

    settings.DEBUG = True
    call_command("seed_demo")
    claims = SessionClaim.objects.count()
    call_command("seed_demo")
    assert SessionClaim.objects.count() == claims > 0
    assert Training.objects.filter(profile__user__email="workforce@example.org").exists()
    upcoming = list(Session.objects.filter(start__gt=timezone.now(), is_cancelled=False))
    add_cover(upcoming)
    states = {s.cover_state for s in upcoming if s.course.status == "published"}
    assert {"paired", "workforce_only"} <= states
    assert SessionClaim.objects.filter(facilitator__user__email="lived@example.org").exists()


def test_seed_demo_tells_the_2018_19_story(settings):
    from decimal import Decimal

    from expenses.models import Budget, ExpenseClaim, ExpenseStatus
    from expenses.reports import year_figures

    settings.DEBUG = True
    call_command("seed_demo")
    count = ExpenseClaim.objects.count()
    call_command("seed_demo")
    assert ExpenseClaim.objects.count() == count
    figures = year_figures(Budget.objects.get(start_year=2018))
    assert figures.budget.total == Decimal("7500.00")
    assert Decimal("2000") < figures.spent < Decimal("3000")
    assert all(line.spent > 0 for line in figures.categories)
    assert ExpenseClaim.objects.filter(status=ExpenseStatus.SUBMITTED).exists()


def test_seed_demo_gives_every_participant_page_something_once(settings):
    from django.utils import timezone

    from hope.models import Message
    from programmes.models import (
        Attendance,
        Mark,
        Participant,
        Place,
        PlaceStatus,
        Referral,
        ReferralStatus,
        Score,
    )

    settings.DEBUG = True
    call_command("seed_demo")
    models = (Participant, Referral, Place, Attendance, Score, Message)
    counts = [m.objects.count() for m in models]
    call_command("seed_demo")
    assert [m.objects.count() for m in models] == counts
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert not Participant.objects.filter(referrals__isnull=True).exists()
    # A full course with a waiting list and one open offer.
    offer = Place.objects.get(status=PlaceStatus.OFFERED)
    assert offer.offer_expires_at > timezone.now()
    course = offer.course
    assert course.places.filter(status__in=["enrolled", "offered"]).count() == course.capacity
    assert course.places.filter(status=PlaceStatus.WAITING).count() == 2
    # Registers of past sessions: mostly present, some apologies or did not attend.
    marks = list(Attendance.objects.exclude(mark="").values_list("mark", flat=True))
    assert marks.count(Mark.PRESENT) > 0.75 * len(marks)
    assert {Mark.APOLOGIES, Mark.ABSENT} <= set(marks)
    # SWEMWBS at the first and last session of the courses that have finished.
    assert (
        Score.objects.filter(timepoint="first").count()
        > Score.objects.filter(timepoint="last").count()
        > 10
    )


def test_seed_demo_gives_the_drivers_rides_past_and_to_come_once(settings):
    from datetime import timedelta

    from django.utils import timezone

    from hope.models import Message, Notice
    from programmes.access import is_driver
    from programmes.models import Arranged, Direction, Participant, Ride, TransportLegs

    settings.DEBUG = True
    call_command("seed_demo")
    snapshot = list(Ride.objects.values_list("pk", "driver_id", "arranged", "withdrawn_at"))
    messages = (Message.objects.count(), Notice.objects.count())
    call_command("seed_demo")
    assert list(Ride.objects.values_list("pk", "driver_id", "arranged", "withdrawn_at")) == snapshot
    assert (Message.objects.count(), Notice.objects.count()) == messages

    riders = Participant.objects.filter(needs_transport=True)
    assert riders.count() >= 3
    assert riders.filter(transport_legs=TransportLegs.SEPARATE).exists()
    assert not riders.filter(pickup_notes="").exists()
    assert not Participant.objects.filter(needs_transport=False).exclude(pickup_notes="").exists()
    assert {Direction.THERE, Direction.BACK, Direction.BOTH} <= set(
        Ride.objects.values_list("direction", flat=True)
    )

    now = timezone.now()
    val = User.objects.get(email="volunteer@example.org")
    derek = User.objects.get(email="driver2@example.org")
    assert is_driver(val) and is_driver(derek)
    to_come = Ride.objects.held().filter(session__start__gt=now)
    assert to_come.filter(driver=val).exists() and to_come.filter(driver=derek).exists()
    assert Ride.objects.unmet().within(14, now).count() >= 2
    [taxi] = Ride.objects.live().exclude(arranged="")
    assert taxi.arranged == Arranged.TAXI and taxi.session.start > now
    # Driven in the last week, for a mileage claim: the session over, the rider there.
    driven = Ride.objects.held().filter(
        driver=val, session__end__lte=now, session__end__gt=now - timedelta(days=7)
    )
    assert driven.count() >= 2
    for ride in driven.select_related("attendance"):
        assert ride.attendance.mark == "present" and ride.driver_since < ride.session.start


def test_seed_demo_gives_the_reports_figures_and_some_too_few_to_show(settings):
    """Over the reports' default year: enough people for each figure, and some counts
    under 5, which the reports show as "fewer than 5"."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from expenses.models import ClaimRide, DirectSpend, ExpenseClaim, ExpenseStatus
    from programmes.measures import Measure, Timepoint
    from programmes.models import Place, Programme, Referral
    from programmes.reports import (
        ReportRange,
        participants_carried,
        people_counts,
        report_places,
        report_sessions,
    )
    from venues.models import Venue

    settings.DEBUG = True
    call_command("seed_demo")
    today = timezone.localdate()
    year = ReportRange(start=today - timedelta(days=365), end=today)

    def fingerprint():
        places = report_places(year)
        return (
            people_counts(year),
            list(places.order_by("pk").values_list("status", "sessions_attended", "started")),
            list(Referral.objects.order_by("pk").values_list("source", "received_on", "status")),
            participants_carried(year),
        )

    before = fingerprint()
    call_command("seed_demo")
    assert fingerprint() == before

    counts = people_counts(year)
    # Some enrolled never came; some who came did not complete.
    assert counts.enrolled > counts.started > counts.completed >= 50
    assert report_sessions(year).count() >= 50

    def with_both_scores(measure, programme=None):
        places = report_places(ReportRange(start=year.start, end=year.end, programme=programme))
        scored = places.annotate(
            times=Count(
                "scores",
                filter=Q(scores__measure=measure)
                & Q(scores__timepoint__in=[Timepoint.FIRST, Timepoint.LAST]),
            )
        )
        return scored.filter(times=2).count()

    programmes = {p.name: p for p in Programme.objects.all()}
    swemwbs = [with_both_scores(Measure.SWEMWBS, p) for p in programmes.values()]
    assert max(swemwbs) >= 5
    assert with_both_scores(Measure.WEMWBS) >= 5
    # PAM was piloted with a few people: too few for a mean.
    assert 1 <= with_both_scores(Measure.PAM) <= 4

    sources = dict(Referral.objects.values_list("source").annotate(n=Count("pk")))
    assert len([n for n in sources.values() if n >= 5]) >= 3
    assert any(1 <= n <= 4 for n in sources.values())
    assert Place.objects.exclude(feedback="").count() >= 5

    # Riders: enough in all for a cost per person carried, fewer than 5 at some venues.
    assert participants_carried(year) >= 5
    at_venues = [
        participants_carried(ReportRange(start=year.start, end=year.end, venue=venue))
        for venue in Venue.objects.all()
    ]
    assert any(1 <= n <= 4 for n in at_venues)
    # Money spent in the year, in several categories, and the rides' mileage claimed.
    done = [ExpenseStatus.APPROVED, ExpenseStatus.PAID]
    spent = dict(
        ExpenseClaim.objects.filter(spent_on__gte=year.start, status__in=done)
        .values_list("category")
        .annotate(total=Sum("amount"))
    )
    spent_direct = DirectSpend.objects.filter(spent_on__gte=year.start)
    assert len(spent) >= 3 and spent_direct.aggregate(t=Sum("amount"))["t"] > Decimal("0")
    assert ClaimRide.objects.filter(claim__status=ExpenseStatus.PAID).count() >= 10
