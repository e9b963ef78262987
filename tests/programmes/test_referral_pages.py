"""The referrals queue and recording a referral: what coordinators see and can do, what
bad input is told, and that nobody else gets in."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from hope.models import AuditEvent
from hope.postcodes import uk_postcode
from programmes.models import (
    Channel,
    Participant,
    Place,
    PlaceStatus,
    Referral,
    ReferralStatus,
)
from programmes.participant_forms import uk_mobile
from tests.factories import CourseFactory, ParticipantFactory, PlaceFactory, ReferralFactory

pytestmark = pytest.mark.django_db


def referral_data(**overrides) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "full_name": "Margaret  Okafor",
        "preferred_name": "Maggie",
        "email": "maggie@example.org",
        "mobile": "+44 (0)7700-900 123",
        "preferred_channel": Channel.SMS,
        "postal_address": "4 Canal Row, Northgate",
        "access_needs": "Hearing loop; a chair with arms",
        "needs_transport": "on",
        "pickup_postcode": "ng15sm",
        "consent_contact": "on",
        "consent_contact_on": today,
        "consent_contact_how": "spoken",
        "consent_evaluation": "",
        "consent_evaluation_on": "",
        "consent_evaluation_how": "",
        "source": "gp",
        "referrer": "Dr Patel, Riverside Surgery",
        "received_on": today,
        "course": "",
        **overrides,
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- The queue -----------------------------------------------------------------------


def queue_rows(response) -> list[dict[str, str]]:
    """The queue's rows as a coordinator reads them: the person, and each cell's words by
    its label."""
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for row in body.split("<tr>")[1:]:
        person = re.search(r'<th scope="row">(.*?)</th>', row, re.S)[1]
        cells = dict(re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row, re.S))
        rows.append(
            {
                label: " ".join(html.unescape(strip_tags(text.replace("<br>", " "))).split())
                for label, text in {"Person": person, **cells}.items()
            }
        )
    return rows


def test_the_queue_shows_open_referrals_oldest_first_with_the_days_waited(client, coordinator):
    today = timezone.localdate()
    course = CourseFactory(title="Carers – Tuesdays")
    newer = ReferralFactory(
        received_on=today - timedelta(days=3), participant__full_name="Ann Newer"
    )
    older = ReferralFactory(
        received_on=today - timedelta(days=40),
        participant__full_name="Bob Older",
        course=course,
        status=ReferralStatus.CONTACTED,
    )
    ReferralFactory(
        received_on=today - timedelta(days=90),
        participant__full_name="Cy Closed",
        status=ReferralStatus.DECLINED,
        closed_on=today - timedelta(days=60),
    )
    client.force_login(coordinator)
    response = client.get(reverse("programmes:referral_list"))
    assert response.status_code == 200
    rows = queue_rows(response)
    # Oldest first; declined is not open.
    assert [row["Person"] for row in rows] == [older.participant.full_name, "Ann Newer"]
    assert [row["Days waited"] for row in rows] == ["40", "3"]
    assert newer.days_waited() == 3
    html = response.content.decode()
    assert "Bob Older" in html and "Carers – Tuesdays" in html and "Dr Patel" in html
    assert "Cy Closed" not in html


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("declined", ["Cy Closed"]),
        ("new", ["Ann New"]),
        ("all", ["Cy Closed", "Ann New"]),
        ("nonsense", ["Ann New"]),  # anything else: the open ones
    ],
)
def test_the_queue_filters_by_status(client, coordinator, status, shown):
    today = timezone.localdate()
    ReferralFactory(participant__full_name="Ann New", received_on=today)
    ReferralFactory(
        participant__full_name="Cy Closed",
        received_on=today - timedelta(days=9),
        status=ReferralStatus.DECLINED,
        closed_on=today - timedelta(days=2),
    )
    client.force_login(coordinator)
    response = client.get(reverse("programmes:referral_list"), {"status": status})
    rows = queue_rows(response)
    assert [row["Person"] for row in rows] == shown
    # A closed referral stopped counting the day it was closed.
    for row in rows:
        if row["Person"] == "Cy Closed":
            assert row["Days waited"] == "7 (closed)"


def test_the_queue_is_paginated(client, coordinator):
    for n in range(55):
        ReferralFactory(received_on=timezone.localdate() - timedelta(days=n))
    client.force_login(coordinator)
    first = client.get(reverse("programmes:referral_list"))
    second = client.get(reverse("programmes:referral_list"), {"page": "2"})
    assert len(queue_rows(first)) == 50
    assert len(queue_rows(second)) == 5
    assert queue_rows(first)[0]["Days waited"] == "54"
    assert 'name="page" value="2"' in second.content.decode()


def test_each_row_says_who_referred_them_and_what_can_be_done(client, coordinator):
    today = timezone.localdate()
    course = CourseFactory(title="Carers <Tuesdays>")
    asked = ReferralFactory(
        participant__full_name="Ann O'Hara",
        participant__email="ann@example.org",
        received_on=today - timedelta(days=5),
        course=course,
    )
    again = ReferralFactory(
        participant__full_name="Ann Again",
        participant__email="ANN@example.org",
        source="self",
        referrer="",
        how_heard="poster_or_leaflet",
        received_on=today - timedelta(days=4),
    )
    placed = ReferralFactory(
        participant__full_name="Bea Placed", received_on=today - timedelta(days=3), course=course
    )
    PlaceFactory(course=course, participant=placed.participant)
    ReferralFactory(
        participant__full_name="",
        participant__anonymised_at=timezone.now(),
        received_on=today - timedelta(days=2),
        course=course,
    )
    client.force_login(coordinator)
    response = client.get(reverse("programmes:referral_list"))
    ann, again_row, bea, gone = queue_rows(response)
    page = response.content.decode()
    assert ann["Person"] == (
        f"Ann O'Hara Same email or mobile as participant #{again.participant_id}: "
        "check it is not the same person"
    )
    assert ann["Referred by"] == "GP Dr Patel, Riverside Surgery"
    assert ann["Received"] == f"{asked.received_on.day} {asked.received_on:%b %Y}"
    assert ann["Course asked for"] == (
        "Carers <Tuesdays> Give a place on Carers <Tuesdays> to Ann O'Hara Enrols them, or "
        "puts them on the waiting list if it is full."
    )
    assert f'action="/referrals/{asked.pk}/place/"' in page
    assert again_row["Referred by"] == ("Self-referral Heard from: A poster or leaflet")
    assert again_row["Course asked for"] == "None in particular"
    assert bea["Course asked for"] == "Carers <Tuesdays> Has a place or is waiting"
    assert gone["Person"].startswith("Anonymised #")
    assert gone["Course asked for"] == "Carers <Tuesdays>"  # nobody to give a place to
    assert "Status of the referral of an anonymised person" in page
    assert '<option value="new" selected>New</option>' in page
    assert "Carers &lt;Tuesdays&gt;" in page


def test_opening_the_queue_is_audited_without_names(client, coordinator):
    ReferralFactory(participant__full_name="Ann Quiet")
    client.force_login(coordinator)
    client.get(reverse("programmes:referral_list"))
    event = AuditEvent.objects.get(action="personal_data.viewed")
    assert event.actor == coordinator
    assert event.summary == "Opened the referrals queue"


def test_coordinator_changes_a_status_inline_and_returns_to_the_same_list(client, coordinator):
    referral = ReferralFactory(participant__full_name="Ann Reached")
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:referral_status", args=[referral.pk]),
        {"status": "not_reached", "show": "new", "page": "1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("programmes:referral_list") + "?status=new"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NOT_REACHED
    assert referral.closed_on == timezone.localdate()
    assert "The referral of Ann Reached is now “Not reached”." in messages_of(response)
    event = AuditEvent.objects.get(action="referral.changed")
    assert "Ann" not in event.summary


@pytest.mark.parametrize("status", ["", "lost", "\x00", "x" * 5000])
def test_a_status_not_on_the_list_changes_nothing(client, coordinator, status):
    referral = ReferralFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:referral_status", args=[referral.pk]),
        {"status": status, "show": "../../evil", "page": "-1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("programmes:referral_list")
    assert "Choose a status from the list." in messages_of(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


@pytest.mark.parametrize("persona", ["workforce", "lived", "volunteer", "finance"])
def test_only_coordinators_see_or_change_referrals(client, personas, persona):
    referral = ReferralFactory()
    client.force_login(personas[persona])
    audit_lines = AuditEvent.objects.count()
    assert client.get(reverse("programmes:referral_list")).status_code == 403
    assert client.get(reverse("programmes:referral_create")).status_code == 403
    assert client.post(reverse("programmes:referral_create"), referral_data()).status_code == 403
    response = client.post(
        reverse("programmes:referral_status", args=[referral.pk]), {"status": "contacted"}
    )
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW
    assert Participant.objects.count() == 1
    assert AuditEvent.objects.count() == audit_lines


def test_the_navigation_links_to_referrals_for_coordinators_only(client, personas):
    link = f'href="{reverse("programmes:referral_list")}"'
    for persona, shown in [("coordinator", True), ("workforce", False), ("finance", False)]:
        client.force_login(personas[persona])
        assert (link in client.get(reverse("home")).content.decode()) is shown, persona


# --- Recording a referral ------------------------------------------------------------


def test_coordinator_records_a_referral_with_details_tidied_and_consents_dated(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("programmes:referral_create"), referral_data())
    participant = Participant.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("programmes:participant_detail", args=[participant.pk])
    assert participant.full_name == "Margaret Okafor"
    assert participant.mobile == "07700 900123"
    assert participant.pickup_postcode == "NG1 5SM"
    assert participant.postal_address == ""  # kept only for someone who prefers letters
    assert participant.consent_contact_on == timezone.localdate()
    assert participant.consent_contact_how == "spoken"
    assert (participant.consent_evaluation, participant.consent_evaluation_on) == (False, None)
    assert participant.created_by == coordinator
    referral = Referral.objects.get()
    assert (referral.participant, referral.source, referral.status) == (participant, "gp", "new")
    assert not Place.objects.exists()
    summaries = " ".join(AuditEvent.objects.values_list("summary", flat=True))
    assert f"participant #{participant.pk}" in summaries
    assert "Okafor" not in summaries and "Hearing" not in summaries


def test_a_letter_writer_keeps_their_address_and_a_self_referral_needs_no_referrer(
    client, coordinator
):
    client.force_login(coordinator)
    client.post(
        reverse("programmes:referral_create"),
        referral_data(preferred_channel="letter", source="self", referrer="", mobile=""),
    )
    participant = Participant.objects.get()
    assert participant.postal_address == "4 Canal Row, Northgate"
    assert Referral.objects.get().referrer == ""


def test_recording_a_referral_can_enrol_them_on_the_course_at_once(client, coordinator):
    course = CourseFactory(title="Pain – Thursdays", capacity=1)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:referral_create"),
        referral_data(course=course.pk, enrol_now="on"),
        follow=True,
    )
    assert messages_of(response) == [
        "Referral recorded for Margaret Okafor. They are enrolled on “Pain – Thursdays”."
    ]
    assert Place.objects.get().status == PlaceStatus.ENROLLED
    assert Referral.objects.get().status == ReferralStatus.ENROLLED
    # The course is now full: the next person recorded joins the waiting list, and is told.
    response = client.post(
        reverse("programmes:referral_create"),
        referral_data(full_name="Second Person", course=course.pk, enrol_now="on"),
        follow=True,
    )
    assert messages_of(response) == [
        "Referral recorded for Second Person. “Pain – Thursdays” is full, so they are on its "
        "waiting list (number 1)."
    ]
    assert Place.objects.filter(status=PlaceStatus.WAITING).count() == 1


def test_a_course_asked_for_without_enrol_now_is_only_noted(client, coordinator):
    course = CourseFactory()
    client.force_login(coordinator)
    client.post(reverse("programmes:referral_create"), referral_data(course=course.pk))
    assert Referral.objects.get().course == course
    assert not Place.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": "   "}, "full_name", "Enter their full name."),
        ({"mobile": "0161 496 0000"}, "mobile", "Enter a UK mobile number, like 07700 900123."),
        ({"mobile": "٠٧٧٠٠٩٠٠١٢٣"}, "mobile", "Enter a UK mobile number"),
        ({"mobile": "", "email": ""}, "mobile", "Enter their mobile number, or choose another"),
        (
            {"preferred_channel": "email", "email": ""},
            "email",
            "Enter their email address, or choose another way.",
        ),
        (
            {"preferred_channel": "letter", "postal_address": ""},
            "postal_address",
            "Enter their postal address for letters.",
        ),
        (
            {"preferred_channel": "letter", "email": "", "mobile": ""},
            "email",
            "Enter an email address or a mobile number.",
        ),
        ({"email": "not-an-address"}, "email", "Enter an email address in the right form"),
        (
            {"preferred_channel": "pigeon"},
            "preferred_channel",
            "Choose how they prefer to hear from us from the list.",
        ),
        ({"pickup_postcode": "NG1"}, "pickup_postcode", "Enter a real postcode, like LS1 4AP."),
        ({"pickup_postcode": ""}, "pickup_postcode", "Enter the postcode to collect them from."),
        (
            {"consent_contact_on": ""},
            "consent_contact_on",
            "Enter the date they agreed to be contacted.",
        ),
        (
            {"consent_contact_how": ""},
            "consent_contact_how",
            "Choose how they agreed to be contacted.",
        ),
        (
            {"consent_evaluation": "on"},
            "consent_evaluation_on",
            "Enter the date they agreed to the evaluation.",
        ),
        (
            {"consent_contact_on": "2999-01-01"},
            "consent_contact_on",
            "Enter a date between 1 January 2000 and 31 December 2100.",
        ),
        (
            # A fixed date: "tomorrow" worked out as the tests are collected is today by the
            # time a run that crosses midnight gets here.
            {"consent_contact_on": "2099-01-01"},
            "consent_contact_on",
            "cannot be in the future",
        ),
        ({"received_on": "1999-12-31"}, "received_on", "Enter a date between 1 January 2000"),
        ({"received_on": "31/02/2026"}, "received_on", "Enter a real date"),
        ({"source": ""}, "source", "Choose who referred them."),
        ({"referrer": ""}, "referrer", "Enter the referrer's name and team."),
        ({"course": "99999999"}, "course", "Choose a course from the list."),
        (
            {"enrol_now": "on"},
            "course",
            "Choose the course to enrol them on, or untick “enrol now”.",
        ),
        ({"access_needs": "x" * 1001}, "access_needs", "Shorten this to 1000 characters"),
    ],
)
def test_bad_referral_input_gets_a_message_at_the_field_and_saves_nothing(
    client, coordinator, overrides, field, message
):
    client.force_login(coordinator)
    response = client.post(reverse("programmes:referral_create"), referral_data(**overrides))
    assert response.status_code == 200
    forms = [response.context["person_form"], response.context["referral_form"]]
    errors = {name: " ".join(messages) for form in forms for name, messages in form.errors.items()}
    assert message in errors.get(field, ""), errors
    html = response.content.decode()
    assert "<title>Error: Record a referral" in html
    assert "There is a problem" in html and 'href="#id_' in html
    assert not Participant.objects.exists()
    assert not Referral.objects.exists()


def test_a_finished_course_is_not_offered_and_cannot_be_chosen(client, coordinator):
    finished = CourseFactory(first_start=timezone.now() - timedelta(weeks=10))
    client.force_login(coordinator)
    page = client.get(reverse("programmes:referral_create"))
    assert finished.title not in page.content.decode()
    response = client.post(reverse("programmes:referral_create"), referral_data(course=finished.pk))
    assert response.context["referral_form"].errors["course"] == ["Choose a course from the list."]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("07700900123", "07700 900123"),
        ("07700 900 123", "07700 900123"),
        ("+447700900123", "07700 900123"),
        ("+44 (0) 7700 900123", "07700 900123"),
        ("0044-7700-900123", "07700 900123"),
    ],
)
def test_uk_mobiles_are_kept_in_one_form(typed, kept):
    assert uk_mobile(typed) == kept


@pytest.mark.parametrize(
    "typed", ["0770090012", "077009001234", "01632960000", "+33612345678", "07700 9OO123", "²"]
)
def test_what_is_not_a_uk_mobile_is_refused(typed):
    with pytest.raises(ValidationError):
        uk_mobile(typed)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("ng15sm", "NG1 5SM"), (" sw1a  1aa ", "SW1A 1AA"), ("M11AE", "M1 1AE")],
)
def test_postcodes_are_kept_in_one_form(typed, kept):
    assert uk_postcode(typed) == kept


@pytest.mark.parametrize("typed", ["NG1", "12345", "NG1 5S", "ZZZ 999", "NG1\x005SM"])
def test_what_is_not_a_postcode_is_refused(typed):
    with pytest.raises(ValidationError):
        uk_postcode(typed)


def test_an_existing_participant_is_untouched_by_a_failed_referral(client, coordinator):
    ParticipantFactory(full_name="Already Here")
    client.force_login(coordinator)
    client.post(reverse("programmes:referral_create"), referral_data(mobile="nonsense"))
    assert list(Participant.objects.values_list("full_name", flat=True)) == ["Already Here"]


def test_a_place_refused_after_the_referral_is_saved_is_said_and_the_referral_stands(
    client, coordinator, monkeypatch
):
    """Between the page and the save, the course can be cancelled by someone else."""
    from programmes.services.participants import PlaceError
    from programmes.views import participants as views

    def cancelled(**kwargs):
        raise PlaceError("This course is cancelled.", "course")

    monkeypatch.setattr(views, "place_request", cancelled)
    course = CourseFactory(title="Pain – Thursdays")
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:referral_create"),
        referral_data(course=course.pk, enrol_now="on"),
        follow=True,
    )
    assert messages_of(response) == [
        "They are not on “Pain – Thursdays”: This course is cancelled.",
        "Referral recorded for Margaret Okafor.",
    ]
    assert Referral.objects.get().course == course
    assert not Place.objects.exists()
