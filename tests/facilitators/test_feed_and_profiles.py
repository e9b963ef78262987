from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators.models import FacilitatorStatus, Training
from programmes.services import session_cancel
from tests.factories import CourseFactory, SessionClaimFactory, VenueFactory

pytestmark = pytest.mark.django_db


def feed(client, profile):
    response = client.get(reverse("facilitators:feed", args=[profile.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_feed_lists_held_sessions_with_venue_times_and_co_facilitator(
    client, programme, workforce, lived, coordinator
):
    venue = VenueFactory(
        name="Riverside Community Centre", address="14 Mill Lane", postcode="NG4 2RL"
    )
    course = CourseFactory(programme=programme, venue=venue, title="Carers – Tuesdays")
    first, second, third = (course.sessions.get(number=n) for n in (1, 2, 3))
    SessionClaimFactory(session=first, facilitator=workforce)
    SessionClaimFactory(session=first, facilitator=lived)
    SessionClaimFactory(session=second, facilitator=workforce)
    released = SessionClaimFactory(session=third, facilitator=workforce)
    released.released_at = timezone.now()
    released.save()

    calendar = feed(client, workforce)  # no sign-in needed
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [
        "HOPE: Carers – Tuesdays – session 1",
        "HOPE: Carers – Tuesdays – session 2",
    ]
    first_event = events[0]
    assert first_event["dtstart"].dt == first.start
    assert first_event["dtstart"].params["TZID"] == "Europe/London"
    assert "Riverside Community Centre, 14 Mill Lane, NG4 2RL" == str(first_event["location"])
    assert f"Co-facilitator: {lived.user.full_name}" in str(first_event["description"])
    assert "Co-facilitator: not yet arranged" in str(events[1]["description"])
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/London"
    # A cancelled session leaves the feed.
    session_cancel(session=second, by=coordinator)
    assert len(feed(client, workforce).walk("VEVENT")) == 1


def test_forged_or_reset_token_is_404(client, workforce):
    forged = reverse("facilitators:feed", args=["forged-but-well-formed-token"])
    assert client.get(forged).status_code == 404
    old = workforce.calendar_token
    client.force_login(workforce.user)
    client.post(reverse("facilitators:reset_feed_token"))
    workforce.refresh_from_db()
    assert workforce.calendar_token != old
    client.logout()
    assert client.get(reverse("facilitators:feed", args=[old])).status_code == 404
    assert (
        client.get(reverse("facilitators:feed", args=[workforce.calendar_token])).status_code == 200
    )


def test_facilitator_edits_own_details_but_not_status(client, workforce):
    client.force_login(workforce.user)
    response = client.post(
        reverse("facilitators:my_profile"),
        {
            "phone": "07700 900123",
            "reminder_days": "3",
            "availability_note": "Tuesdays",
            "status": "paused",
        },
    )
    assert response.status_code == 302
    workforce.refresh_from_db()
    assert (workforce.phone, workforce.reminder_days, workforce.availability_note) == (
        "07700 900123",
        3,
        "Tuesdays",
    )
    assert workforce.status == FacilitatorStatus.ACTIVE
    response = client.post(reverse("facilitators:my_profile"), {"reminder_days": "9"})
    assert response.context["form"].errors["reminder_days"] == [
        "The days' notice for reminders must be 7 or less."
    ]


def test_coordinator_records_training_and_refreshers_are_flagged(
    client, coordinator, workforce, programme
):
    client.force_login(coordinator)
    old = timezone.localdate() - timedelta(days=3 * 365)
    training = Training.objects.get(profile=workforce, programme=programme)
    training.trained_on = old
    training.save()
    rows = client.get(reverse("facilitators:facilitator_list")).context["rows"]
    assert [r["refresher_due"] for r in rows if r["pk"] == workforce.pk][0] == [programme.name]
    url = reverse("facilitators:facilitator_edit", args=[workforce.pk])
    client.post(
        url,
        {
            "action": "training",
            "programme": programme.pk,
            "trained_on": old.isoformat(),
            "refreshed_on": timezone.localdate().isoformat(),
        },
    )
    training.refresh_from_db()
    assert training.refreshed_on == timezone.localdate()
    rows = client.get(reverse("facilitators:facilitator_list")).context["rows"]
    assert [r["refresher_due"] for r in rows if r["pk"] == workforce.pk][0] == []
    response = client.post(
        url,
        {
            "action": "training",
            "programme": programme.pk,
            "trained_on": "2026-01-10",
            "refreshed_on": "2025-01-01",
        },
    )
    assert (
        "cannot be before the training"
        in response.context["training_form"].errors["refreshed_on"][0]
    )


def test_coordinator_pauses_a_facilitator(client, coordinator, workforce):
    client.force_login(coordinator)
    client.post(
        reverse("facilitators:facilitator_edit", args=[workforce.pk]),
        {"action": "profile", "status": "paused", "reminder_days": "2"},
    )
    workforce.refresh_from_db()
    assert workforce.status == FacilitatorStatus.PAUSED


def test_team_sets_the_refresher_period(client, coordinator, workforce, programme):
    client.force_login(coordinator)
    response = client.post(
        reverse("team_settings"), {"refresher_months": "0", "release_notice_days": "7"}
    )
    assert response.status_code == 200 and "refresher_months" in response.context["form"].errors
    client.post(
        reverse("team_settings"),
        {"refresher_months": "6", "release_notice_days": "5", "public_name": "HOPE courses"},
    )
    training = Training.objects.get(profile=workforce)
    training.trained_on = timezone.localdate() - timedelta(days=200)
    training.save()
    rows = client.get(reverse("facilitators:facilitator_list")).context["rows"]
    assert [r["refresher_due"] for r in rows if r["pk"] == workforce.pk][0] == [programme.name]


def test_home_tells_coordinators_how_many_refreshers_are_due(
    client, coordinator, workforce, programme
):
    training = Training.objects.get(profile=workforce, programme=programme)
    training.trained_on = timezone.localdate() - timedelta(days=800)
    training.save()
    client.force_login(coordinator)
    assert "1 facilitator is due a refresher" in client.get("/").content.decode()


def test_the_list_of_facilitators_writes_names_and_programmes_as_text(
    client, coordinator, workforce, programme
):
    workforce.user.full_name = "Ann <b>O'Brien</b>"
    workforce.user.save()
    programme.name = "Carers & <i>friends</i>"
    programme.save()
    client.force_login(coordinator)
    html = client.get(reverse("facilitators:facilitator_list")).content.decode()
    assert "Ann &lt;b&gt;O&#x27;Brien&lt;/b&gt;" in html
    assert "Carers &amp; &lt;i&gt;friends&lt;/i&gt;" in html
    assert "<b>O'Brien" not in html and "<i>friends" not in html
