"""The ten ways to get a 500 that the attacker's report listed, one regression test each.

Each answered 500 before its fix; each now gets a 4xx or the page with a clear message
next to the field, and saves nothing. tests/test_hostile_input.py keeps looking for more.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from expenses.models import ExpenseClaim, ExpenseStatus, Rates
from expenses.services import expense_submit
from facilitators.models import SessionClaim, Training
from programmes.models import Course
from tests.factories import (
    BudgetFactory,
    CourseFactory,
    ExpenseClaimFactory,
    InvitationFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    TrainingFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def test_nul_in_the_calendar_feed_address_is_not_found(client):
    assert client.get("/calendar/abc%00def.ics").status_code in (400, 404)
    assert client.get("/calendar/" + "a" * 5000 + ".ics").status_code == 404


def test_nul_in_an_invitation_address_is_not_found(client):
    assert client.get("/invitations/abc%00def/").status_code in (400, 404)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "²"])
def test_calendar_ignores_dates_outside_the_years_it_shows(client, coordinator, day):
    client.force_login(coordinator)
    for view in ("week", "month"):
        response = client.get(reverse("programmes:calendar"), {"date": day, "view": view})
        assert response.status_code == 200
        assert response.context["anchor"] == timezone.localdate()


def test_open_sessions_ignore_a_last_date_at_the_end_of_time(client, workforce_facilitator):
    client.force_login(workforce_facilitator)
    response = client.get(reverse("facilitators:board"), {"to": "9999-12-31"})
    assert response.status_code == 200


@pytest.fixture
def trained_session(workforce_facilitator):
    course = CourseFactory()
    profile = workforce_facilitator.facilitator_profile
    TrainingFactory(profile=profile, programme=course.programme)
    return course.sessions.first()


@pytest.mark.parametrize("next_value", ["abc", "home", "NaN", "//evil.example/", "/\x00"])
def test_a_next_that_is_not_a_path_goes_to_the_usual_page(
    client, workforce_facilitator, coordinator, trained_session, next_value
):
    session = trained_session
    client.force_login(workforce_facilitator)
    claim_url = reverse("facilitators:claim_session", args=[session.pk])
    response = client.post(claim_url, {"next": next_value})
    assert response.status_code == 302 and response.url == reverse("facilitators:board")
    course_url = reverse("facilitators:claim_course", args=[session.course_id])
    response = client.post(course_url, {"next": next_value, "session": [session.pk]})
    assert response.url == reverse("facilitators:board")
    claim = SessionClaim.objects.get(session=session)
    response = client.post(reverse("facilitators:release", args=[claim.pk]), {"next": next_value})
    assert response.url == reverse("facilitators:mine")
    client.force_login(coordinator)
    response = client.post(reverse("facilitators:assign", args=[session.pk]), {"next": next_value})
    assert response.url == reverse("facilitators:session_detail", args=[session.pk])


def test_cover_actions_ignore_a_next_that_is_not_a_path(
    client, workforce_facilitator, trained_session
):
    from facilitators.models import CoverRequest

    claim = SessionClaimFactory(
        session=trained_session, facilitator=workforce_facilitator.facilitator_profile
    )
    request_ = CoverRequest.objects.create(claim=claim)
    client.force_login(workforce_facilitator)
    response = client.post(
        reverse("facilitators:withdraw_cover", args=[request_.pk]), {"next": "abc"}
    )
    assert response.url == reverse("facilitators:mine")
    response = client.post(
        reverse("facilitators:accept_cover", args=[request_.pk]), {"next": "abc"}
    )
    assert response.url == reverse("facilitators:board")


@pytest.mark.parametrize("value", ["²", "١", "99999999999999999999", "-1", "\x00"])
def test_claiming_a_course_with_odd_session_numbers_claims_nothing(
    client, workforce_facilitator, trained_session, value
):
    client.force_login(workforce_facilitator)
    response = client.post(
        reverse("facilitators:claim_course", args=[trained_session.course_id]),
        {"session": [value]},
    )
    assert response.status_code == 302
    assert not SessionClaim.objects.exists()


def test_rejection_reason_is_validated_with_its_message_next_to_the_field(
    client, volunteer, finance_lead
):
    BudgetFactory()
    claim = expense_submit(claim=ExpenseClaimFactory(claimant=volunteer), by=volunteer)
    client.force_login(finance_lead)
    for reason, message in [
        ("Not \x00 allowed", "Remove the unusual characters from the reason."),
        ("x" * 301, "The reason must be 300 characters or fewer."),
        ("", "Give a reason"),
    ]:
        response = client.post(reverse("expenses:reject", args=[claim.pk]), {"reason": reason})
        assert response.status_code == 200
        errors = response.context["form"].errors["reason"]
        assert any(message in error for error in errors), errors
        assert "<title>Error: " in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ExpenseStatus.SUBMITTED


def test_a_course_starting_at_the_end_of_time_is_refused_at_the_field(client, coordinator):
    client.force_login(coordinator)
    data = {
        "title": "Far future",
        "programme": ProgrammeFactory().pk,
        "venue": VenueFactory().pk,
        "first_day": "9999-12-31",
        "start_time": "10:00",
        "status": "draft",
    }
    for action in ("preview", "create"):
        response = client.post(reverse("programmes:course_create"), {**data, "action": action})
        assert response.status_code == 200
        assert "between 1 January 2000 and 31 December 2100" in str(
            response.context["form"].errors["first_day"]
        )
    assert not Course.objects.filter(title="Far future").exists()


@pytest.mark.parametrize(
    ("refreshed", "message"),
    [("9999-12-31", "between 1 January 2000"), ("2099-01-01", "cannot be in the future")],
)
def test_a_refresher_in_the_far_future_is_refused_and_the_list_still_opens(
    client, coordinator, workforce_facilitator, refreshed, message
):
    profile = workforce_facilitator.facilitator_profile
    training = TrainingFactory(profile=profile)
    client.force_login(coordinator)
    response = client.post(
        reverse("facilitators:facilitator_edit", args=[profile.pk]),
        {
            "action": "training",
            "programme": training.programme_id,
            "trained_on": training.trained_on.isoformat(),
            "refreshed_on": refreshed,
        },
    )
    assert response.status_code == 200
    assert message in str(response.context["training_form"].errors["refreshed_on"])
    assert Training.objects.get(pk=training.pk).refreshed_on is None
    assert client.get(reverse("facilitators:facilitator_list")).status_code == 200


def test_mileage_rates_are_bounded_so_mileage_claims_keep_working(client, finance_lead, volunteer):
    BudgetFactory()
    client.force_login(finance_lead)
    response = client.post(
        reverse("expenses:rates"),
        {
            "car_rate": "9999999999.99",
            "car_rate_after": "0.25",
            "threshold_miles": "10000",
            "passenger_rate": "0.05",
            "claim_limit": "500.00",
        },
    )
    assert response.status_code == 200
    assert "£2.00 a mile or less" in str(response.context["form"].errors["car_rate"])
    assert Rates.current().car_rate == Decimal("0.45")

    client.force_login(volunteer)
    response = client.post(
        reverse("expenses:claim_create") + "?kind=mileage",
        {
            "spent_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "start_postcode": "NG1 1AA",
            "end_postcode": "NG2 2BB",
            "miles": "10",
            "passengers": "1",
            "purpose": "Driving a participant",
            "action": "submit",
        },
    )
    assert response.status_code == 302
    claim = ExpenseClaim.objects.get()
    assert claim.amount == Decimal("5.00")  # 10 miles at 45p, plus 10 passenger miles at 5p


def test_the_database_refuses_rates_outside_the_bounds(db):
    from django.db import IntegrityError

    rates = Rates.current()
    rates.car_rate = Decimal("9999999999.99")
    with pytest.raises(IntegrityError):
        rates.save()


def test_expired_invitation_address_with_nul_in_query_is_a_bad_request(client):
    invitation = InvitationFactory()
    url = reverse("invitation_accept", args=[invitation.token])
    assert client.get(url, {"x": "a\x00b"}).status_code == 400
