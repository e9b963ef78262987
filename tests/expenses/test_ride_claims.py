"""Drivers turn the rides they drove into one mileage claim; finance sees what rides
cost."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from expenses.models import ClaimRide, ExpenseClaim, ExpenseKind, ExpenseStatus
from expenses.reports import year_figures
from expenses.services import (
    ExpenseError,
    expense_delete_draft,
    expense_reject,
    expense_save,
    expense_submit,
    mileage_claim_from_rides,
)
from hope.models import AuditEvent
from programmes.models import Direction, Ride
from tests.concurrency import run_together
from tests.expenses.rides import claim_for_rides, driver, past_course, ride_for, rider, rides_at
from tests.factories import BudgetFactory, ExpenseClaimFactory, VenueFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
D = Decimal
NOW = datetime(2026, 10, 15, 12, tzinfo=LONDON)


@pytest.fixture
def autumn():
    """15 October 2026, midday, with the 2026/27 budget."""
    with time_machine.travel(NOW, tick=False):
        yield BudgetFactory(start_year=2026)


@pytest.fixture
def course(autumn):
    """Sessions on Wed 7 and Wed 14 October (ended) and weekly from the 21st (to come)."""
    venue = VenueFactory(name="Oakfield Community Centre", postcode="NG7 1AB")
    return past_course(days_ago=8, venue=venue, title="Living well")


def sessions_of(course):
    return list(course.sessions.order_by("number"))


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def new_claim_url(*rides) -> str:
    return reverse("expenses:claim_create") + "?" + "&".join(f"ride={r.pk}" for r in rides)


def mileage_data(**overrides):
    return {
        "start_postcode": "ng3 5aa",
        "end_postcode": "NG7 1AB",
        "miles": "23.5",
        "purpose": "Driving HOPE participants: Living well session 2",
        "action": "submit",
        **overrides,
    }


# --- The list of rides to claim for ------------------------------------------------------


def test_the_list_shows_only_your_held_rides_at_ended_sessions_not_yet_claimed(
    client, course, volunteer
):
    first, second, third = sessions_of(course)[:3]
    sam = rider("NG4 2RL", full_name="Zebedee Quist")
    jo = rider("NG5 9ZZ", full_name="Xanthe Vrolijk")
    shown = [ride_for(first, sam, by=volunteer), ride_for(second, sam, by=volunteer)]
    shown.append(ride_for(second, jo, by=volunteer, direction=Direction.THERE))
    hidden = [
        ride_for(third, sam, by=volunteer),  # the session is still to come
        ride_for(first, jo, by=volunteer, withdrawn_at=timezone.now()),  # called off
        ride_for(second, rider(), by=driver()),  # someone else's
        ride_for(second, rider()),  # nobody's
    ]
    claimed = ride_for(first, rider(), by=volunteer)
    claim_for_rides([claimed], amount=D("5.00"), status=ExpenseStatus.DRAFT)
    hidden.append(claimed)
    client.force_login(volunteer)

    response = client.get(reverse("expenses:claim_from_rides"))

    assert response.status_code == 200
    days = response.context["days"]
    # Newest day first; one form for each day, its rides ticked.
    assert [day.label for day in days] == ["Wed 14 Oct 2026", "Wed 7 Oct 2026"]
    assert sorted(r.pk for r in days[0].rides) == sorted(r.pk for r in shown[1:])
    assert [r.pk for r in days[1].rides] == [shown[0].pk]
    page = response.content.decode()
    for ride in shown:
        assert f'name="ride" value="{ride.pk}"' in page
    for ride in hidden:
        assert f'value="{ride.pk}"' not in page
    assert "Zebedee" in page and "NG5" in page
    assert "Quist" not in page and "9ZZ" not in page  # first names and districts only
    assert AuditEvent.objects.filter(
        action="personal_data.viewed", actor=volunteer, area="rota"
    ).exists()


def test_the_list_is_for_drivers(client, course, lived_facilitator, finance_lead):
    for person in (lived_facilitator, finance_lead):
        client.force_login(person)
        assert client.get(reverse("expenses:claim_from_rides")).status_code == 403


# --- From rides to a claim -------------------------------------------------------------


def test_the_claim_form_is_filled_in_from_the_rides(client, course, volunteer):
    _, second = sessions_of(course)[:2]
    sam, jo = rider("NG5 1AA"), rider("NG4 2RL")
    rides = [
        ride_for(second, sam, by=volunteer),
        ride_for(second, jo, by=volunteer, direction=Direction.THERE),
        ride_for(second, jo, by=volunteer, direction=Direction.BACK),
    ]
    # Where the driver set off from last time: usually home.
    ExpenseClaimFactory(
        claimant=volunteer,
        kind=ExpenseKind.MILEAGE,
        miles=D("3.0"),
        start_postcode="NG3 5AA",
        end_postcode="NG1 1AA",
    )
    client.force_login(volunteer)

    response = client.get(new_claim_url(*rides))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["spent_on"].value() == date(2026, 10, 14)
    assert form["passengers"].value() == 2  # Jo's two legs are one person
    assert form["purpose"].value() == "Driving HOPE participants: Living well session 2"
    assert form["start_postcode"].value() == "NG3 5AA"
    assert form["end_postcode"].value() == "NG7 1AB"
    assert form["course"].value() == course.pk
    assert form.fields["spent_on"].disabled and form.fields["passengers"].disabled
    assert not form["miles"].value()
    page = response.content.decode()
    assert "NG4, NG5 → Oakfield Community Centre (NG7 1AB) and back" in page
    for ride in rides:
        assert f'<input type="hidden" name="ride" value="{ride.pk}">' in page


def test_the_driver_adds_the_miles_and_the_claim_is_linked_to_its_rides(client, course, volunteer):
    _, second = sessions_of(course)[:2]
    rides = [ride_for(second, rider("NG4 2RL"), by=volunteer) for _ in range(2)]
    client.force_login(volunteer)
    url = new_claim_url(*rides)

    # Changing the date or the passengers on the way in changes nothing: they are the rides'.
    response = client.post(
        url,
        {
            **mileage_data(spent_on="2026-10-01", passengers="7"),
            "ride": [r.pk for r in rides],
        },
    )

    claim = ExpenseClaim.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("expenses:claim_detail", args=[claim.pk])
    assert claim.status == ExpenseStatus.SUBMITTED
    assert claim.kind == ExpenseKind.MILEAGE and claim.category == "volunteer_drivers"
    assert claim.spent_on == date(2026, 10, 14)
    assert claim.passengers == 2
    assert claim.start_postcode == "NG3 5AA"
    # 23.5 miles at 45p, plus 2 passengers at 5p a mile: 10.575 + 2.35.
    assert claim.amount == D("12.93")
    assert claim.route == "NG4 → Oakfield Community Centre (NG7 1AB) and back"
    assert sorted(claim.ride_links.values_list("ride_id", flat=True)) == [r.pk for r in rides]
    assert set(claim.ride_links.values_list("pickup_district", flat=True)) == {"NG4"}
    event = AuditEvent.objects.get(action="expense.rides_claimed")
    assert event.actor == volunteer and event.area == "money"
    assert (
        event.summary == f"Mileage claim #{claim.pk} made for rides #{rides[0].pk}, #{rides[1].pk}"
    )
    # Claimed: gone from the list.
    assert not client.get(reverse("expenses:claim_from_rides")).context["days"]


def test_the_miles_are_still_the_drivers_to_give(client, course, volunteer):
    ride = ride_for(sessions_of(course)[1], rider(), by=volunteer)
    client.force_login(volunteer)
    response = client.post(new_claim_url(ride), {**mileage_data(miles=""), "ride": ride.pk})
    assert response.status_code == 200
    assert "Enter the miles" in str(response.context["form"].errors["miles"])
    assert not ExpenseClaim.objects.exists()


def test_a_ride_is_claimed_once(client, course, volunteer):
    ride = ride_for(sessions_of(course)[1], rider(), by=volunteer)
    client.force_login(volunteer)
    client.post(new_claim_url(ride), {**mileage_data(action="draft"), "ride": ride.pk})
    claim = ExpenseClaim.objects.get()

    response = client.get(new_claim_url(ride))

    assert response.status_code == 302 and response.url == reverse("expenses:claim_from_rides")
    assert messages_of(response)[-1] == f"Ride #{ride.pk} is already on claim #{claim.pk}."
    with pytest.raises(ExpenseError, match=f"already on claim #{claim.pk}"):
        mileage_claim_from_rides(
            claim=ExpenseClaim(miles=D("4.0"), purpose="Again"), ride_ids=[ride.pk], by=volunteer
        )
    assert ExpenseClaim.objects.count() == 1


def test_the_database_refuses_a_second_claim_for_a_ride(course, volunteer):
    ride = ride_for(sessions_of(course)[1], rider(), by=volunteer)
    claim_for_rides([ride], amount=D("5.00"))
    second = claim_for_rides(
        [ride_for(sessions_of(course)[1], rider(), by=volunteer)], amount=D("1")
    )
    with pytest.raises(IntegrityError, match="expenses_claimride_once_per_ride"):
        ClaimRide.objects.create(claim=second, ride=ride)


def test_rides_from_two_days_are_refused_with_a_clear_message(client, course, volunteer):
    first, second = sessions_of(course)[:2]
    sam = rider()
    rides = [ride_for(first, sam, by=volunteer), ride_for(second, sam, by=volunteer)]
    client.force_login(volunteer)

    response = client.get(new_claim_url(*rides))

    expected = (
        "Choose rides from one day: a mileage claim is for one day's driving. You chose rides "
        "on Wed 7 Oct 2026 and Wed 14 Oct 2026; make a claim for each."
    )
    assert response.status_code == 302 and response.url == reverse("expenses:claim_from_rides")
    assert messages_of(response) == [expected]
    # The same from the service, and on a POST made by hand.
    with pytest.raises(ExpenseError) as refused:
        mileage_claim_from_rides(
            claim=ExpenseClaim(miles=D("4.0"), purpose="x"),
            ride_ids=[r.pk for r in rides],
            by=volunteer,
        )
    assert str(refused.value) == expected
    response = client.post(new_claim_url(*rides), {**mileage_data(), "ride": [r.pk for r in rides]})
    assert response.status_code == 302 and not ExpenseClaim.objects.exists()


def test_rides_not_yet_driven_or_called_off_cannot_be_claimed(client, course, volunteer):
    first, _, third = sessions_of(course)[:3]
    to_come = ride_for(third, rider(), by=volunteer)
    called_off = ride_for(first, rider(), by=volunteer, withdrawn_at=timezone.now())
    client.force_login(volunteer)
    for ride, words in [(to_come, "has not ended yet"), (called_off, "was called off")]:
        response = client.get(new_claim_url(ride))
        assert response.status_code == 302
        assert words in messages_of(response)[-1]
        with pytest.raises(ExpenseError, match=words):
            mileage_claim_from_rides(
                claim=ExpenseClaim(miles=D("4.0"), purpose="x"), ride_ids=[ride.pk], by=volunteer
            )
    assert not ExpenseClaim.objects.exists()


def test_more_passengers_than_a_car_holds_are_refused(course, volunteer):
    session = sessions_of(course)[1]
    rides = [ride_for(session, rider(), by=volunteer) for _ in range(9)]
    with pytest.raises(ExpenseError, match="carried 9 people, more than the 8 passengers"):
        mileage_claim_from_rides(
            claim=ExpenseClaim(miles=D("4.0"), purpose="x"),
            ride_ids=[r.pk for r in rides],
            by=volunteer,
        )


def test_another_drivers_rides_do_not_exist_for_you(client, course, volunteer):
    session = sessions_of(course)[1]
    theirs = ride_for(session, rider(), by=driver())
    unheld = ride_for(session, rider())
    mine = ride_for(session, rider(), by=volunteer)
    client.force_login(volunteer)
    for url in [
        new_claim_url(theirs),
        new_claim_url(unheld),
        new_claim_url(mine, theirs),
        reverse("expenses:claim_create") + "?ride=abc",
        reverse("expenses:claim_create") + "?ride=99999999999",
    ]:
        assert client.get(url).status_code == 404, url
    nul = reverse("expenses:claim_create") + f"?ride={mine.pk}&ride=%00"
    assert client.get(nul).status_code == 400  # refused before any view
    response = client.post(new_claim_url(theirs), {**mileage_data(), "ride": theirs.pk})
    assert response.status_code == 404
    with pytest.raises(ExpenseError, match="not one of your rides"):
        mileage_claim_from_rides(
            claim=ExpenseClaim(miles=D("4.0"), purpose="x"), ride_ids=[theirs.pk], by=volunteer
        )
    assert not ExpenseClaim.objects.exists()


def test_too_many_rides_in_one_request_is_a_404(client, course, volunteer):
    client.force_login(volunteer)
    url = reverse("expenses:claim_create") + "?" + "&".join(f"ride={n}" for n in range(1, 52))
    assert client.get(url).status_code == 404


def test_a_claim_keeps_its_rides_day_and_passengers_when_changed(client, course, volunteer):
    _, second = sessions_of(course)[:2]
    rides = [ride_for(second, rider(), by=volunteer) for _ in range(3)]
    client.force_login(volunteer)
    client.post(
        new_claim_url(*rides),
        {**mileage_data(action="draft"), "ride": [r.pk for r in rides]},
    )
    claim = ExpenseClaim.objects.get()
    edit = reverse("expenses:claim_edit", args=[claim.pk])

    page = client.get(edit)
    assert page.context["form"].fields["spent_on"].disabled
    assert f"Ride #{rides[0].pk}" in page.content.decode()
    response = client.post(
        edit, mileage_data(miles="30", spent_on="2026-10-13", passengers="1", action="draft")
    )

    claim.refresh_from_db()
    assert response.status_code == 302
    assert (claim.miles, claim.spent_on, claim.passengers) == (D("30"), date(2026, 10, 14), 3)
    # Any other way in is held to the rides too.
    claim.spent_on = date(2026, 10, 13)
    with pytest.raises(ExpenseError, match="rides on 14 October 2026: keep that date"):
        expense_save(claim=claim, by=volunteer)
    claim.spent_on, claim.passengers = date(2026, 10, 14), 1
    with pytest.raises(ExpenseError, match="carried 3 people"):
        expense_save(claim=claim, by=volunteer)


def test_deleting_a_draft_frees_its_rides_and_a_rejected_claim_keeps_them(
    course, volunteer, finance_lead
):
    session = sessions_of(course)[1]
    ride = ride_for(session, rider(), by=volunteer)

    def claim_it():
        return mileage_claim_from_rides(
            claim=ExpenseClaim(
                miles=D("12.0"), purpose="Rides", start_postcode="NG3 5AA", end_postcode="NG7 1AB"
            ),
            ride_ids=[ride.pk],
            by=volunteer,
        )

    draft = claim_it()
    expense_delete_draft(claim=draft, by=volunteer)
    assert AuditEvent.objects.get(action="expense.draft_deleted").summary.endswith(
        f"freeing rides #{ride.pk}"
    )
    claim = claim_it()  # free again
    expense_submit(claim=claim, by=volunteer)
    expense_reject(claim=claim, by=finance_lead, reason="Miles look high")
    # Rejected: corrected and resubmitted as the same claim, so the ride stays on it.
    with pytest.raises(ExpenseError, match=f"already on claim #{claim.pk}"):
        claim_it()
    claim.refresh_from_db()
    claim.miles = D("10.0")
    expense_save(claim=claim, by=volunteer)
    expense_submit(claim=claim, by=volunteer)
    assert list(claim.ride_links.values_list("ride_id", flat=True)) == [ride.pk]


def test_the_whole_way_from_a_ride_request_to_a_claim(client, volunteer, coordinator):
    """Through the programmes services: a participant who needs transport is enrolled,
    the driver takes the ride, and after the session claims for it."""
    from programmes.services.participants import place_request
    from programmes.services.rides import ride_take

    with time_machine.travel(NOW, tick=False):
        BudgetFactory(start_year=2026)
        course = past_course(days_ago=-2)  # starts on Saturday
        place_request(participant=rider("NG4 2RL"), course=course, by=coordinator)
        first = course.sessions.get(number=1)
        (ride,) = Ride.objects.filter(session=first)
        ride_take(ride=ride, driver=volunteer, by=volunteer)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        client.force_login(volunteer)
        listed = client.get(reverse("expenses:claim_from_rides")).context["days"]
        assert [r.pk for day in listed for r in day.rides] == [ride.pk]
        response = client.post(new_claim_url(ride), {**mileage_data(), "ride": ride.pk})
    assert response.status_code == 302
    assert ExpenseClaim.objects.get().ride_links.get().ride == ride


@pytest.mark.django_db(transaction=True)
def test_two_claims_racing_for_the_same_ride_give_exactly_one():
    with time_machine.travel(NOW, tick=False):
        BudgetFactory(start_year=2026)
        person = driver()
        session = past_course(days_ago=8).sessions.get(number=2)
        ride = ride_for(session, rider(), by=person)

        def claim():
            return mileage_claim_from_rides(
                claim=ExpenseClaim(
                    miles=D("8.0"),
                    purpose="Rides",
                    start_postcode="NG3 5AA",
                    end_postcode="NG7 1AB",
                ),
                ride_ids=[ride.pk],
                by=person,
            )

        results = run_together([claim, claim, claim])

    assert all(isinstance(r, ExpenseClaim | ExpenseError) for r in results), results
    assert sum(isinstance(r, ExpenseClaim) for r in results) == 1
    assert ExpenseClaim.objects.count() == 1
    assert ClaimRide.objects.filter(ride=ride).count() == 1
    assert AuditEvent.objects.filter(action="expense.rides_claimed").count() == 1


def test_the_demo_claims_for_rides_once_and_leaves_the_last_fortnights_but_one_day(
    course, volunteer, finance_lead
):
    from expenses.demo import seed_ride_claims

    assert seed_ride_claims() == 0  # no rides driven yet: nothing to claim for
    earlier = past_course(days_ago=22, title="Earlier")
    paid_ride = ride_for(sessions_of(earlier)[0], rider(), by=volunteer)  # 23 September
    first, second, third = sessions_of(course)[:3]
    left_to_claim = [ride_for(first, rider(), by=volunteer)]  # in the last fortnight
    latest = [ride_for(second, rider(), by=volunteer) for _ in range(2)]
    left_to_claim.append(ride_for(second, rider(), by=driver()))  # another driver's
    ride_for(third, rider(), by=volunteer)  # still to come

    assert seed_ride_claims() == 2
    assert seed_ride_claims() == 0

    paid = ExpenseClaim.objects.get(status=ExpenseStatus.PAID)
    assert paid.claimant == volunteer and paid.spent_on == date(2026, 9, 23)
    assert paid.decided_by == finance_lead and paid.paid_on < date(2026, 10, 15)
    assert list(paid.ride_links.values_list("ride_id", flat=True)) == [paid_ride.pk]
    claim = ExpenseClaim.objects.get(status=ExpenseStatus.APPROVED)
    assert claim.decided_by == finance_lead
    assert claim.claimant == volunteer and claim.spent_on == date(2026, 10, 14)
    assert second.end < claim.submitted_at < claim.decided_at < timezone.now()
    assert sorted(claim.ride_links.values_list("ride_id", flat=True)) == [r.pk for r in latest]
    assert not ClaimRide.objects.filter(ride__in=left_to_claim).exists()
    assert year_figures(BudgetFactory(start_year=2026)).drivers.rides == 3


# --- What finance sees -------------------------------------------------------------------


def test_finance_sees_which_rides_a_claim_covers_without_names(
    client, course, volunteer, finance_lead
):
    session = sessions_of(course)[1]
    rides = [
        ride_for(session, rider("NG4 2RL", full_name="Zebedee Quist"), by=volunteer),
        ride_for(session, rider("NG5 9ZZ", full_name="Xanthe Vrolijk"), by=volunteer),
    ]
    claim = claim_for_rides(rides, amount=D("14.00"), status=ExpenseStatus.SUBMITTED)
    client.force_login(finance_lead)

    page = client.get(reverse("expenses:claim_detail", args=[claim.pk])).content.decode()

    assert "Rides this claim covers" in page
    for ride in rides:
        assert f"#{ride.pk}" in page
    assert "Living well, session 2, Wed 14 Oct" in page
    assert "NG4" in page and "NG5" in page
    for words in ("Zebedee", "Quist", "Xanthe", "Vrolijk", "2RL", "9ZZ"):
        assert words not in page
    event = AuditEvent.objects.get(action="personal_data.viewed", actor=finance_lead)
    assert event.area == "money" and event.summary == f"Opened the rides on claim #{claim.pk}"


def test_a_claims_districts_stay_after_the_participants_details_are_removed(
    client, course, volunteer, finance_lead
):
    person = rider("NG4 2RL")
    claim = claim_for_rides(
        [ride_for(sessions_of(course)[1], person, by=volunteer)], amount=D("14.00")
    )
    person.full_name, person.pickup_postcode, person.anonymised_at = "", "", timezone.now()
    person.save()
    client.force_login(finance_lead)
    page = client.get(reverse("expenses:claim_detail", args=[claim.pk])).content.decode()
    assert "NG4" in page


def test_drivers_spend_matches_a_sum_by_hand(client, course, volunteer, finance_lead):
    first, second = sessions_of(course)[:2]
    sam, jo, kim = rider(), rider(), rider()
    other = driver()
    # Approved: Sam and Jo on the 7th (3 rides). Paid: Sam and Kim on the 14th (2 rides).
    claim_for_rides(
        [
            ride_for(first, sam, by=volunteer),
            ride_for(first, jo, by=volunteer, direction=Direction.THERE),
            ride_for(first, jo, by=volunteer, direction=Direction.BACK),
        ],
        amount=D("20.00"),
        decider=finance_lead,
    )
    claim_for_rides(
        [ride_for(second, sam, by=other), ride_for(second, kim, by=other)],
        amount=D("13.33"),
        status=ExpenseStatus.PAID,
        decider=finance_lead,
    )
    # Not counted: waiting, rejected, a mileage claim with no rides, last year's.
    third_driver = driver()
    claim_for_rides(
        [ride_for(second, rider(), by=third_driver)],
        amount=D("50.00"),
        status=ExpenseStatus.SUBMITTED,
    )
    claim_for_rides(
        [ride_for(second, rider(), by=third_driver)],
        amount=D("60.00"),
        status=ExpenseStatus.REJECTED,
        decider=finance_lead,
    )
    ExpenseClaimFactory(
        claimant=volunteer, kind=ExpenseKind.MILEAGE, miles=D("9"), amount=D("70.00"),
        status=ExpenseStatus.PAID, decided_by=finance_lead, paid_on=date(2026, 10, 1),
        payment_reference="R", category="volunteer_drivers",
    )  # fmt: skip
    old = claim_for_rides(
        [ride_for(second, rider(), by=driver())], amount=D("80.00"), decider=finance_lead
    )
    ExpenseClaim.objects.filter(pk=old.pk).update(spent_on=date(2026, 3, 31))

    drivers = year_figures(BudgetFactory(start_year=2026)).drivers

    assert drivers.spend == D("33.33")  # 20.00 + 13.33
    assert drivers.rides == 5
    assert drivers.participants == 3  # Sam, Jo, Kim
    assert drivers.per_ride == D("6.67")  # 33.33 ÷ 5 = 6.666
    assert drivers.per_participant == D("11.11")  # 33.33 ÷ 3
    client.force_login(finance_lead)
    page = client.get(reverse("expenses:dashboard")).content.decode()
    for shown in ("£33.33", "£6.67", "£11.11"):
        assert shown in page


def test_no_ride_claims_means_no_figures_to_divide(client, autumn, finance_lead):
    drivers = year_figures(autumn).drivers
    assert (drivers.spend, drivers.rides, drivers.per_ride, drivers.per_participant) == (
        D("0.00"),
        0,
        None,
        None,
    )
    client.force_login(finance_lead)
    assert (
        "No mileage claims for rides" in client.get(reverse("expenses:dashboard")).content.decode()
    )


def test_the_export_counts_each_mileage_claims_rides(client, course, volunteer, finance_lead):
    session = sessions_of(course)[1]
    rides = [ride_for(session, rider(), by=volunteer) for _ in range(3)]
    claim_for_rides(rides, amount=D("21.00"), decider=finance_lead)
    ExpenseClaimFactory(
        claimant=volunteer, kind=ExpenseKind.MILEAGE, miles=D("9"), amount=D("4.05"),
        status=ExpenseStatus.SUBMITTED, description="=Mileage without rides",
    )  # fmt: skip
    ExpenseClaimFactory(claimant=volunteer, status=ExpenseStatus.SUBMITTED)
    client.force_login(finance_lead)

    body = b"".join(client.get(reverse("expenses:export", args=[2026])).streaming_content)

    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0])[-1] == "Rides"
    by_amount = {row["Amount"]: row for row in rows if row["Type"] != "Venue hire (session)"}
    assert by_amount["21.00"]["Rides"] == "3"
    assert by_amount["4.05"]["Rides"] == "0"
    assert by_amount["4.05"]["Description"] == "'=Mileage without rides"
    assert by_amount["12.50"]["Rides"] == ""
    assert {row["Rides"] for row in rows if row["Type"] == "Venue hire (session)"} == {""}


# --- A fixed number of queries -------------------------------------------------------------


def _queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)  # the first read of the rates may store them
    with django_assert_max_num_queries(25) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(captured.captured_queries)


def test_the_rides_list_runs_a_fixed_number_of_queries(
    client, course, volunteer, django_assert_max_num_queries
):
    first, second = sessions_of(course)[:2]
    client.force_login(volunteer)
    counts = []
    for people in (1, 12):
        rides_at([first, second], [rider() for _ in range(people)], by=volunteer)
        counts.append(
            _queries(client, reverse("expenses:claim_from_rides"), django_assert_max_num_queries)
        )
    assert counts[0] == counts[1], counts


def test_the_claim_pages_run_a_fixed_number_of_queries(
    client, course, volunteer, finance_lead, django_assert_max_num_queries
):
    session = sessions_of(course)[1]
    counts = {"form": [], "detail": [], "edit": []}
    for people in (1, 8):
        ExpenseClaim.objects.all().delete()
        rides = rides_at([session], [rider() for _ in range(people)], by=volunteer)
        client.force_login(volunteer)
        counts["form"].append(
            _queries(client, new_claim_url(*rides), django_assert_max_num_queries)
        )
        claim = claim_for_rides(rides, amount=D("9.00"), status=ExpenseStatus.DRAFT)
        edit = reverse("expenses:claim_edit", args=[claim.pk])
        counts["edit"].append(_queries(client, edit, django_assert_max_num_queries))
        client.force_login(finance_lead)
        detail = reverse("expenses:claim_detail", args=[claim.pk])
        counts["detail"].append(_queries(client, detail, django_assert_max_num_queries))
    assert all(small == large for small, large in counts.values()), counts


def test_the_years_figures_run_a_fixed_number_of_queries(
    course, autumn, volunteer, finance_lead, django_assert_num_queries
):
    first, second = sessions_of(course)[:2]
    rides = 0
    for people in (1, 8):
        for session in (first, second):
            made = rides_at([session], [rider() for _ in range(people)], by=volunteer)
            claim_for_rides(made, amount=D("9.00"), decider=finance_lead)
            rides += len(made)
        with django_assert_num_queries(10):
            assert year_figures(autumn).drivers.rides == rides
