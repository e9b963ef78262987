"""Asking for a place on the public pages: confirmed first (link or code), then a referral
in the coordinators' queue; the honeypot, the limits that answer 429, and the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from hope.channels import CHANNELS
from hope.models import AuditEvent, Message, TeamSettings
from hope.retention import run_retention
from programmes.models import (
    ConsentMethod,
    HowHeard,
    Participant,
    PlaceStatus,
    Referral,
    ReferralRequest,
    ReferralSource,
    ReferralStatus,
    RequestStatus,
)
from programmes.services.public import RequestError, referral_request_confirm
from tests.concurrency import run_together
from tests.factories import CourseFactory, ParticipantFactory, PlaceFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^/\s]+(/find/confirm/[A-Za-z0-9_-]+/)")


def form(**extra) -> dict:
    return {
        "full_name": "Ada Lovelace",
        "email": "ada@example.org",
        "preferred_channel": "email",
        "how_heard": HowHeard.FRIEND_OR_FAMILY,
        "consent_contact": "on",
        **extra,
    }


def emailed_link() -> str:
    message = Message.objects.get(kind="selfreferral_confirm")
    return LINK.search(message.body_text)[1]


@pytest.fixture
def course():
    return CourseFactory(title="Living well – Northgate", capacity=2)


def refer(client, on=None, REMOTE_ADDR="127.0.0.1", **extra):
    url = (
        reverse("programmes:find_refer", args=[on.pk])
        if on
        else reverse("programmes:find_refer_any")
    )
    return client.post(url, form(**extra), REMOTE_ADDR=REMOTE_ADDR)


def test_a_request_counts_only_once_confirmed_by_the_emailed_link(client, course):
    response = refer(client, course, needs_transport="on", pickup_postcode="ng4 2rl")
    assert response.status_code == 302 and response.url == reverse("programmes:find_sent")
    # Nothing reaches the queue or the participants yet.
    assert not Referral.objects.exists() and not Participant.objects.exists()
    request = ReferralRequest.objects.get()
    assert request.status == RequestStatus.WAITING and request.pickup_postcode == "NG4 2RL"
    message = Message.objects.get(kind="selfreferral_confirm")
    assert message.to_address == "ada@example.org" and "Living well" in message.body_text
    link = emailed_link()
    # The token is only in the email: never in the page the asker saw, nor stored as is.
    assert link.split("/")[-2] not in client.get(response.url).content.decode()
    assert link.split("/")[-2] not in request.token_hash

    # Opening the link (or a mail scanner opening it) confirms nothing: a button does.
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my request" in page.content.decode()
    assert not Referral.objects.exists()
    done = client.post(link)
    assert done.status_code == 200 and "Request confirmed" in done.content.decode()

    referral = Referral.objects.select_related("participant").get()
    person = referral.participant
    assert (referral.source, referral.course, referral.status) == (
        ReferralSource.SELF,
        course,
        ReferralStatus.NEW,
    )
    assert referral.how_heard == HowHeard.FRIEND_OR_FAMILY
    assert (person.full_name, person.email, person.pickup_postcode) == (
        "Ada Lovelace",
        "ada@example.org",
        "NG4 2RL",
    )
    assert person.consent_contact and person.consent_contact_how == ConsentMethod.ONLINE
    assert not person.consent_evaluation
    # The request keeps no details once they have moved to the record.
    request.refresh_from_db()
    assert request.status == RequestStatus.CONFIRMED and request.full_name == ""
    assert request.email == "" and request.pickup_postcode == "" and request.referral == referral
    # Not enrolled until a coordinator says so (the team's default).
    assert not person.places.exists()
    # A second click says so, and makes nothing new.
    again = client.post(link)
    assert "Already confirmed" in again.content.decode() and Referral.objects.count() == 1


def test_the_audit_trail_records_each_step_by_number_with_the_address(client, course):
    refer(client, course, REMOTE_ADDR="203.0.113.9")
    client.post(emailed_link())
    lines = list(AuditEvent.objects.order_by("pk").values_list("action", "summary", "ip_address"))
    actions = [action for action, _, _ in lines]
    assert actions[:1] == ["selfreferral.received"]
    assert "selfreferral.confirmed" in actions and "referral.created" in actions
    assert all("Ada" not in summary and "ada@" not in summary for _, summary, _ in lines)
    assert lines[0][2] == "203.0.113.9"


def test_any_course_and_a_course_chosen_from_the_list(client, course):
    refer(client, None)
    client.post(emailed_link())
    assert Referral.objects.get().course is None
    Message.objects.all().delete()
    refer(client, None, email="grace@example.org", course=str(course.pk))
    client.post(emailed_link())
    assert Referral.objects.filter(course=course).count() == 1


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"full_name": ""}, "full_name", "Enter your full name"),
        ({"email": ""}, "email", "Enter your email address, so we can send you the link"),
        ({"email": "not an email"}, "email", "Enter your email address in the right form"),
        ({"consent_contact": ""}, "consent_contact", "Tick to agree"),
        ({"needs_transport": "on"}, "pickup_postcode", "Enter the postcode to be collected"),
        ({"mobile": "12345"}, "mobile", "Enter a UK mobile number"),
        ({"preferred_channel": "sms"}, "preferred_channel", "how we should contact you from"),
        ({"preferred_channel": "letter"}, "preferred_channel", "how we should contact you from"),
        ({"course": "999999"}, "course", "Choose a course from the list"),
        ({"full_name": "A\x00da"}, "full_name", "Remove the unusual characters"),
        ({"access_needs": "x" * 1001}, "access_needs", "1000 characters or fewer"),
    ],
)
def test_bad_input_is_explained_at_its_field_and_saves_nothing(client, extra, field, words):
    response = client.post(reverse("programmes:find_refer_any"), form(**extra))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(words) == 2  # in the summary and next to the field
    assert f'href="#id_{field}' in page and "<title>Error:" in page
    assert not ReferralRequest.objects.exists() and not Message.objects.exists()


def test_the_honeypot_looks_sent_but_saves_and_sends_nothing(client, course):
    response = refer(client, course, website="http://spam.example")
    assert response.status_code == 302 and response.url == reverse("programmes:find_sent")
    assert not ReferralRequest.objects.exists() and not Message.objects.exists()


@override_settings(SELF_REFERRALS_PER_ADDRESS_HOUR=2)
def test_requests_from_one_address_are_limited_answering_429(client, course):
    for n in range(2):
        assert refer(client, course, email=f"person{n}@example.org").status_code == 302
    response = refer(client, course, email="third@example.org")
    assert response.status_code == 429
    assert "Too many requests have been sent from this connection" in response.content.decode()
    assert ReferralRequest.objects.count() == 2
    # Another address is not held back by this one.
    assert (
        refer(client, course, email="fourth@example.org", REMOTE_ADDR="198.51.100.7").status_code
        == 302
    )


@override_settings(SELF_REFERRALS_PER_CONTACT_DAY=2, SELF_REFERRALS_PER_ADDRESS_HOUR=50)
def test_requests_for_one_contact_are_limited_across_addresses(client, course):
    for n in range(2):
        refer(client, course, email="Ada@Example.org", REMOTE_ADDR=f"198.51.100.{n}")
        ReferralRequest.objects.update(status=RequestStatus.VOID)  # not waiting any more
    response = refer(client, course, email="ada@example.org", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert "with these contact details today" in response.content.decode()


@override_settings(
    SELF_REFERRALS_WAITING_PER_CONTACT=2,
    SELF_REFERRALS_PER_ADDRESS_HOUR=50,
    SELF_REFERRALS_PER_CONTACT_DAY=50,
)
def test_at_most_two_requests_wait_for_one_contact(client, course):
    for n in range(2):
        assert refer(client, course, REMOTE_ADDR=f"198.51.100.{n}").status_code == 302
    response = refer(client, course, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert "already requests waiting to be confirmed" in response.content.decode()
    # Once one is confirmed, another may be made.
    client.post(LINK.search(Message.objects.order_by("pk").first().body_text)[1])
    assert refer(client, course, REMOTE_ADDR="198.51.100.10").status_code == 302


@pytest.mark.django_db(transaction=True)
@override_settings(
    SELF_REFERRALS_WAITING_PER_CONTACT=1,
    SELF_REFERRALS_PER_ADDRESS_HOUR=50,
    SELF_REFERRALS_PER_CONTACT_DAY=50,
)
def test_the_waiting_limit_holds_under_contention(course):
    def send(n):
        return (
            Client(REMOTE_ADDR=f"198.51.100.{n}")
            .post(reverse("programmes:find_refer", args=[course.pk]), form())
            .status_code
        )

    codes = run_together([lambda n=n: send(n) for n in range(6)])
    assert sorted(codes) == [302] + [429] * 5
    assert ReferralRequest.objects.count() == 1


def test_a_link_expires_and_the_request_is_then_refused(client, course):
    refer(client, course)
    link = emailed_link()
    with time_machine.travel(timezone.now() + timedelta(hours=49)):
        response = client.get(link)
        assert response.status_code == 404 and "This link has expired" in response.content.decode()
        assert client.post(link).status_code == 404
    assert not Referral.objects.exists()


@pytest.mark.parametrize("token", ["A" * 43, "short-but-valid-1", "x" * 86])
def test_an_unknown_token_is_not_found(client, token):
    assert client.get(reverse("programmes:find_confirm", args=[token])).status_code == 404


@override_settings(SELF_REFERRAL_CONFIRMS_PER_ADDRESS_HOUR=3)
def test_confirmation_attempts_from_one_address_are_limited(client, django_assert_num_queries):
    url = reverse("programmes:find_confirm", args=["A" * 43])
    assert [client.post(url).status_code for _ in range(2)] == [404, 404]
    assert client.get(url).status_code == 404
    with django_assert_num_queries(0):  # no lookup (the team's words are cached)
        assert client.post(url).status_code == 429
    assert client.post(url, REMOTE_ADDR="198.51.100.1").status_code == 404


class KeepTexts:
    def send(self, message):
        pass


@pytest.fixture
def texts(monkeypatch):
    monkeypatch.setitem(CHANNELS, "sms", KeepTexts())


def texted_code() -> str:
    return re.search(r"\b([0-9]{6})\b", Message.objects.get(kind="selfreferral_confirm").body_text)[
        1
    ]


def test_by_text_the_browser_keeps_the_token_and_the_phone_gets_the_code(client, course, texts):
    response = refer(client, course, email="", mobile="+44 (0)7700 900123", preferred_channel="sms")
    assert response.status_code == 302 and "/find/confirm/" in response.url
    message = Message.objects.get(kind="selfreferral_confirm")
    assert message.channel == "sms" and message.to_address == "07700 900123"
    assert "/find/confirm/" not in message.body_text  # the link alone is not enough
    page = client.get(response.url).content.decode()
    assert "6-digit code" in page
    wrong = client.post(response.url, {"code": "000000" if texted_code() != "000000" else "111111"})
    assert (
        "That code is not the one we sent" in wrong.content.decode()
        and "4 tries left" in wrong.content.decode()
    )
    assert not Referral.objects.exists()
    done = client.post(response.url, {"code": texted_code()})
    assert "Request confirmed" in done.content.decode()
    assert Referral.objects.get().participant.mobile == "07700 900123"


def test_five_wrong_codes_cancel_the_request(client, course, texts):
    url = refer(client, course, email="", mobile="07700900123", preferred_channel="sms").url
    code = texted_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post(url, {"code": wrong})
    assert ReferralRequest.objects.get().status == RequestStatus.VOID
    # Even the right code is refused now.
    response = client.post(url, {"code": code})
    assert response.status_code == 404 and not Referral.objects.exists()


def test_the_service_refuses_a_wrong_code_and_counts_it(course, texts, client):
    url = refer(client, course, email="", mobile="07700900123", preferred_channel="sms").url
    token = url.split("/")[-2]
    with pytest.raises(RequestError):
        referral_request_confirm(token=token, code=None)
    assert ReferralRequest.objects.get().wrong_codes == 1


def test_with_the_team_setting_a_confirmed_request_takes_a_free_place(client, course):
    team = TeamSettings.current()
    team.self_referrals_enrol = True
    team.save()
    refer(client, course)
    client.post(emailed_link())
    place = Participant.objects.get().places.get()
    assert place.status == PlaceStatus.ENROLLED and place.course == course
    assert Referral.objects.get().status == ReferralStatus.ENROLLED
    assert Message.objects.filter(kind="participant_place_confirmed").count() == 1


def test_with_the_team_setting_a_full_course_leaves_the_request_to_a_coordinator(client):
    team = TeamSettings.current()
    team.self_referrals_enrol = True
    team.save()
    full = CourseFactory(capacity=1)
    PlaceFactory(course=full, participant=ParticipantFactory(), status=PlaceStatus.ENROLLED)
    refer(client, full)
    client.post(emailed_link())
    referral = Referral.objects.get(source=ReferralSource.SELF)
    assert referral.status == ReferralStatus.NEW and not referral.participant.places.exists()


def test_a_coordinator_gives_a_place_from_the_queue(client, coordinator, course):
    refer(client, course)
    client.post(emailed_link())
    referral = Referral.objects.get()
    client.force_login(coordinator)
    queue = client.get(reverse("programmes:referral_list")).content.decode()
    assert "Give a place" in queue and "Self-referral" in queue and "A friend or family" in queue
    response = client.post(reverse("programmes:referral_place", args=[referral.pk]), follow=True)
    assert (
        "Ada Lovelace: They are enrolled on “Living well – Northgate”." in response.content.decode()
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENROLLED
    assert (
        "Give a place"
        not in client.get(reverse("programmes:referral_list") + "?status=all").content.decode()
    )


def test_retention_deletes_unconfirmed_requests_when_their_link_expires(client, course):
    refer(client, course)
    made = timezone.now()
    with time_machine.travel(made + timedelta(hours=47)):
        run_retention()
    assert ReferralRequest.objects.count() == 1 and Message.objects.count() == 1
    with time_machine.travel(made + timedelta(hours=48, minutes=1)):
        counts = run_retention()
    assert counts["requests for a place made on the public pages"] == 1
    assert not ReferralRequest.objects.exists()
    assert not Message.objects.filter(kind="selfreferral_confirm").exists()


def test_a_confirmed_request_goes_after_a_week_and_the_person_like_any_other(client, course):
    refer(client, course)
    client.post(emailed_link())
    confirmed = timezone.now()
    with time_machine.travel(confirmed + timedelta(days=6)):
        run_retention()
    assert ReferralRequest.objects.count() == 1
    with time_machine.travel(confirmed + timedelta(days=7, minutes=1)):
        run_retention()
    assert not ReferralRequest.objects.exists()
    # The participant's record follows the participants' rule: an open referral nobody
    # moved on is kept for RETENTION_PARTICIPANT_MONTHS, then anonymised.
    person = Participant.objects.get()
    with time_machine.travel(confirmed + timedelta(days=24 * 31 + 2)):
        run_retention()
    person.refresh_from_db()
    assert person.is_anonymised and person.full_name == "" and person.email == ""


def test_the_queue_points_out_someone_already_on_record(client, coordinator, course):
    earlier = ParticipantFactory(email="ADA@example.org")
    other = ParticipantFactory(email="someone.else@example.org")
    refer(client, course)
    client.post(emailed_link())
    client.force_login(coordinator)
    page = client.get(reverse("programmes:referral_list")).content.decode()
    assert (
        f'Same email or mobile as <a href="/participants/{earlier.pk}/">participant #{earlier.pk}'
        in page
    )
    assert f"participant #{other.pk}</a>: check" not in page


@override_settings(SELF_REFERRALS_PER_DAY=2, SELF_REFERRALS_PER_ADDRESS_HOUR=50)
def test_a_flood_from_many_addresses_stops_at_the_daily_cap(client, course):
    for n in range(2):
        assert (
            refer(
                client, course, email=f"p{n}@example.org", REMOTE_ADDR=f"198.51.100.{n}"
            ).status_code
            == 302
        )
    response = refer(client, course, email="p9@example.org", REMOTE_ADDR="203.0.113.50")
    assert response.status_code == 429
    assert "more requests than usual today" in response.content.decode()
    assert ReferralRequest.objects.count() == 2


def test_the_email_carries_no_words_the_asker_typed_and_the_referral_keeps_the_day_asked(
    client, course
):
    refer(client, course, full_name="Win a prize at evil.example")
    message = Message.objects.get(kind="selfreferral_confirm")
    assert "evil.example" not in message.body_text and "evil.example" not in message.subject
    asked = timezone.now()
    with time_machine.travel(asked + timedelta(days=1, hours=1)):
        client.post(emailed_link())
    assert Referral.objects.get().received_on == timezone.localdate(asked)
