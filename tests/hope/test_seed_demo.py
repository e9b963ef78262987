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


def test_demo_privileged_accounts_have_the_published_authenticator(settings, capsys):
    from hope.demo import DEMO_TOTP_SECRET
    from hope.signin import has_second_factor, totp_code

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one authenticator each
    capsys.readouterr()
    with_code = {u.email for u in User.objects.all() if has_second_factor(u)}
    assert with_code == {"coordinator@example.org", "finance@example.org", "admin@example.org"}
    call_command("demo_code")
    assert capsys.readouterr().out.strip() == totp_code(DEMO_TOTP_SECRET)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG=true"):
        call_command("demo_code")


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
