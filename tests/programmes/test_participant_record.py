"""A participant's record: details and consents, places and what can be done with them,
the register, scores and feedback. Coordinators only; every view is audited by number."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent
from hope.roles import Role
from programmes.measures import Measure
from programmes.models import (
    Arranged,
    Attendance,
    Direction,
    Mark,
    Participant,
    Place,
    PlaceStatus,
    Ride,
    Score,
    TransportLegs,
)
from programmes.services import session_cancel
from programmes.services.participants import attendance_mark, place_request, place_withdraw
from programmes.services.rides import ride_arrange, ride_cover_ask, ride_take
from tests.factories import (
    CourseFactory,
    ParticipantFactory,
    ProgrammeFactory,
    ReferralFactory,
    SessionClaimFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def record_url(participant) -> str:
    return reverse("programmes:participant_detail", args=[participant.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def details(participant, **overrides) -> dict:
    """The edit form as the page fills it, with ``overrides``."""
    data = {
        "full_name": participant.full_name,
        "preferred_name": participant.preferred_name,
        "email": participant.email,
        "mobile": participant.mobile,
        "preferred_channel": participant.preferred_channel,
        "postal_address": participant.postal_address,
        "access_needs": participant.access_needs,
        "needs_transport": "on" if participant.needs_transport else "",
        "pickup_postcode": participant.pickup_postcode,
        "transport_legs": participant.transport_legs,
        "pickup_notes": participant.pickup_notes,
        "consent_contact": "on" if participant.consent_contact else "",
        "consent_contact_on": participant.consent_contact_on or "",
        "consent_contact_how": participant.consent_contact_how,
        "consent_evaluation": "on" if participant.consent_evaluation else "",
        "consent_evaluation_on": participant.consent_evaluation_on or "",
        "consent_evaluation_how": participant.consent_evaluation_how,
    }
    return {**data, **overrides}


@pytest.fixture
def person():
    return ParticipantFactory(
        full_name="Margaret Okafor",
        preferred_name="Maggie",
        access_needs="Hearing loop",
        needs_transport=True,
        pickup_postcode="NG1 5SM",
    )


@pytest.fixture
def full_course(coordinator):
    """A course with one place, taken by someone else."""
    course = CourseFactory(title="Carers – Tuesdays", capacity=1)
    place_request(participant=ParticipantFactory(), course=course, by=coordinator)
    return course


def test_coordinator_sees_the_whole_record(client, coordinator, person):
    course = CourseFactory(title="Carers – Tuesdays")
    ReferralFactory(participant=person, course=course, referrer="Dr Patel, Riverside Surgery")
    place = place_request(participant=person, course=course, by=coordinator)
    client.force_login(coordinator)
    response = client.get(record_url(person))
    assert response.status_code == 200
    html = response.content.decode()
    for shown in [
        "Margaret Okafor",
        "Likes to be called <strong>Maggie</strong>",
        "Hearing loop",
        "collected from NG1 5SM",
        "Dr Patel, Riverside Surgery",
        "Carers – Tuesdays",
        "Enrolled on",
        "Session 6",
        "By email to",
        "Record SWEMWBS",
        "Their place is offered to the first person on the waiting list",
    ]:
        assert shown in html, shown
    assert reverse("programmes:place_withdraw", args=[place.pk]) in html
    assert "Record WEMWBS" not in html and "Record PAM" not in html  # not this programme's


def test_every_view_of_a_record_is_audited_by_number_never_by_name(client, coordinator, person):
    client.force_login(coordinator)
    client.get(record_url(person))
    client.get(reverse("programmes:participant_edit", args=[person.pk]))
    summaries = list(
        AuditEvent.objects.filter(action="personal_data.viewed", actor=coordinator).values_list(
            "summary", flat=True
        )
    )
    assert summaries == [f"Opened participant #{person.pk}"] * 2


@pytest.mark.parametrize("persona", ["workforce", "lived", "volunteer", "finance"])
def test_nobody_but_coordinators_finds_a_record_or_changes_a_place(
    client, personas, coordinator, person, persona
):
    course = CourseFactory()
    place = place_request(participant=person, course=course, by=coordinator)
    # The workforce facilitator even holds a session of the course: still no record.
    SessionClaimFactory(
        session=course.sessions.first(), facilitator=personas["workforce"].facilitator_profile
    )
    client.force_login(personas[persona])
    audit_lines = AuditEvent.objects.count()
    assert client.get(record_url(person)).status_code == 404
    assert client.get(reverse("programmes:participant_edit", args=[person.pk])).status_code == 404
    for name in ["place_withdraw", "offer_accept", "offer_decline", "feedback_record"]:
        response = client.post(reverse(f"programmes:{name}", args=[place.pk]), {"feedback": "x"})
        assert response.status_code == 404, name
    response = client.post(
        reverse("programmes:score_record", args=[place.pk]),
        {"measure": "swemwbs", "timepoint": "first"} | {f"item_{n}": "3" for n in range(1, 8)},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("programmes:place_add", args=[person.pk]), {"course": CourseFactory().pk}
    )
    assert response.status_code == 404
    assert Place.objects.get(pk=place.pk).status == PlaceStatus.ENROLLED
    assert person.places.count() == 1 and not Score.objects.exists()
    assert AuditEvent.objects.count() == audit_lines


def test_an_unknown_record_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("programmes:participant_detail", args=[999999])).status_code == 404


# --- Details and consents ------------------------------------------------------------


def test_coordinator_changes_details_and_the_audit_names_fields_not_values(
    client, coordinator, person
):
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:participant_edit", args=[person.pk]),
        details(
            person,
            mobile="07700900123",
            access_needs="Large print",
            consent_evaluation="on",
            consent_evaluation_on=timezone.localdate().isoformat(),
            consent_evaluation_how="written",
        ),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.mobile == "07700 900123"
    assert person.access_needs == "Large print"
    assert person.consent_evaluation and person.consent_evaluation_how == "written"
    event = AuditEvent.objects.get(action="participant.changed")
    assert event.summary.startswith(f"Changed participant #{person.pk}: ")
    assert "mobile number" in event.summary and "access needs" in event.summary
    assert "Large print" not in event.summary and "07700" not in event.summary


def test_withdrawing_consent_clears_its_date_and_how(client, coordinator, person):
    client.force_login(coordinator)
    client.post(
        reverse("programmes:participant_edit", args=[person.pk]),
        details(person, consent_contact=""),
    )
    person.refresh_from_db()
    assert (person.consent_contact, person.consent_contact_on, person.consent_contact_how) == (
        False,
        None,
        "",
    )


# --- Transport -------------------------------------------------------------------------


def test_coordinator_records_the_rides_they_need_and_notes_for_the_driver(
    client, coordinator, person
):
    place_request(participant=person, course=CourseFactory(), by=coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:participant_edit", args=[person.pk]),
        details(
            person,
            transport_legs=TransportLegs.SEPARATE,
            pickup_notes="  Flat 2,\n blue door;   uses a frame ",
        ),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.transport_legs == TransportLegs.SEPARATE
    assert person.pickup_notes == "Flat 2, blue door; uses a frame"
    # Each session to come now wants a ride there and another home.
    rides = Ride.objects.live().filter(participant=person)
    assert sorted(rides.values_list("direction", flat=True)) == sorted(
        [Direction.THERE, Direction.BACK] * 6
    )
    event = AuditEvent.objects.get(action="participant.changed")
    assert "rides needed" in event.summary and "notes for the driver" in event.summary
    assert "blue door" not in event.summary


def test_no_longer_needing_transport_clears_where_and_how_they_are_collected(
    client, coordinator, person
):
    Participant.objects.filter(pk=person.pk).update(
        transport_legs=TransportLegs.THERE, pickup_notes="Blue door"
    )
    person.refresh_from_db()
    client.force_login(coordinator)
    client.post(
        reverse("programmes:participant_edit", args=[person.pk]),
        details(person, needs_transport=""),
    )
    person.refresh_from_db()
    assert not person.needs_transport
    assert (person.pickup_postcode, person.pickup_notes, person.transport_legs) == (
        "",
        "",
        TransportLegs.BOTH,
    )


def test_a_referral_records_the_rides_they_need_and_the_notes(client, coordinator):
    new = ParticipantFactory.build(
        full_name="Ruth Lapwing", needs_transport=True, pickup_postcode="NG4 2RL"
    )
    data = details(
        new,
        transport_legs=TransportLegs.THERE,
        pickup_notes="Ring the bell twice",
        source="self",
        referrer="",
        received_on=timezone.localdate().isoformat(),
        course="",
    )
    client.force_login(coordinator)
    response = client.post(reverse("programmes:referral_create"), data)
    assert response.status_code == 302
    saved = Participant.objects.get(full_name="Ruth Lapwing")
    assert (saved.transport_legs, saved.pickup_notes) == (
        TransportLegs.THERE,
        "Ring the bell twice",
    )


def test_the_record_shows_their_rides_to_come_and_who_drives_them(client, coordinator, person):
    Participant.objects.filter(pk=person.pk).update(
        transport_legs=TransportLegs.SEPARATE, pickup_notes="Blue door at the side"
    )
    person.refresh_from_db()
    course = CourseFactory(title="Carers – Tuesdays")
    place_request(participant=person, course=course, by=coordinator)
    rides = list(Ride.objects.filter(participant=person).order_by("start", "pk"))
    driver = UserFactory(full_name="Val Singh", roles=[Role.VOLUNTEER], is_driver=True)
    ride_take(ride=rides[2], driver=driver, by=coordinator)  # session 2, there
    ride_arrange(ride=rides[3], how=Arranged.TAXI, by=coordinator)  # session 2, home
    session_cancel(session=course.sessions.get(number=6), by=coordinator)
    # After the first session has started: its two rides are no longer to come.
    with time_machine.travel(rides[0].session.start + timedelta(minutes=5)):
        client.force_login(coordinator)
        html = client.get(record_url(person)).content.decode()
    assert "There and back (two drivers may share it)" in html
    assert "Blue door at the side" in html
    section = html.split('id="rides-heading"')[1].split("</section>")[0]
    # Sessions 2 to 5, there and home; session 6 is cancelled.
    assert section.count("<li") == 8
    assert section.count("Val Singh") == 1 and section.count("Arranged: taxi") == 1
    assert section.count("No driver yet") == 6
    day = rides[2].session.day_label
    assert f"{day}, there</a>" in section and f"{day}, home</a>" in section
    for ride in rides[2:10]:
        assert reverse("programmes:ride_detail", args=[ride.pk]) in section
    for ride in (*rides[:2], *rides[10:]):
        assert reverse("programmes:ride_detail", args=[ride.pk]) not in section


def test_someone_making_their_own_way_has_no_rides_section(client, coordinator):
    walker = ParticipantFactory()
    client.force_login(coordinator)
    html = client.get(record_url(walker)).content.decode()
    assert "Makes their own way" in html and 'id="rides-heading"' not in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "Enter their full name."),
        ({"mobile": "12345"}, "mobile", "Enter a UK mobile number"),
        ({"preferred_channel": "sms", "mobile": ""}, "mobile", "Enter their mobile number"),
        ({"pickup_postcode": "nowhere"}, "pickup_postcode", "Enter a real postcode"),
        ({"transport_legs": "sometimes"}, "transport_legs", "Choose which rides they need."),
        ({"pickup_notes": "x" * 201}, "pickup_notes", "Shorten this to 200 characters"),
        ({"consent_contact_how": ""}, "consent_contact_how", "Choose how they agreed"),
    ],
)
def test_bad_details_get_a_message_at_the_field_and_change_nothing(
    client, coordinator, person, overrides, field, message
):
    before = Participant.objects.values().get(pk=person.pk)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:participant_edit", args=[person.pk]), details(person, **overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "<title>Error: Change details" in response.content.decode()
    assert Participant.objects.values().get(pk=person.pk) == before
    assert not AuditEvent.objects.filter(action="participant.changed").exists()


def test_an_anonymised_record_shows_no_details_and_cannot_be_changed(client, coordinator):
    gone = ParticipantFactory(full_name="Removed Person", anonymised_at=timezone.now())
    client.force_login(coordinator)
    html = client.get(record_url(gone)).content.decode()
    assert "Removed Person" not in html and "anonymised" in html
    response = client.get(reverse("programmes:participant_edit", args=[gone.pk]))
    assert response.status_code == 302


# --- Places --------------------------------------------------------------------------


def test_adding_to_a_course_enrols_or_waits_and_says_which(
    client, coordinator, person, full_course
):
    open_course = CourseFactory(
        title="Pain – Thursdays", first_start=timezone.now() + timedelta(days=8)
    )
    client.force_login(coordinator)
    url = reverse("programmes:place_add", args=[person.pk])
    response = client.post(url, {"course": open_course.pk}, follow=True)
    assert messages_of(response) == [
        f"{person.full_name} is enrolled on Pain – Thursdays – {open_course.venue.name}."
    ]
    response = client.post(url, {"course": full_course.pk}, follow=True)
    assert messages_of(response) == [
        f"Carers – Tuesdays – {full_course.venue.name} is full, so {person.full_name} is on "
        "its waiting list."
    ]
    statuses = dict(person.places.values_list("course__title", "status"))
    assert statuses == {"Pain – Thursdays": "enrolled", "Carers – Tuesdays": "waiting"}


def test_a_course_they_are_on_is_not_offered_again_and_a_clash_is_named(
    client, coordinator, person
):
    same_time = timezone.now().replace(second=0, microsecond=0) + timedelta(days=10)
    first = CourseFactory(title="Tuesday mornings", first_start=same_time)
    second = CourseFactory(title="Also Tuesday mornings", first_start=same_time)
    place_request(participant=person, course=first, by=coordinator)
    client.force_login(coordinator)
    page = client.get(record_url(person))
    choices = [str(c) for c in page.context["place_form"].fields["course"].queryset]
    assert choices == ["Also Tuesday mornings"]
    url = reverse("programmes:place_add", args=[person.pk])
    response = client.post(url, {"course": first.pk})
    assert response.context["place_form"].errors["course"] == ["Choose a course from the list."]
    response = client.post(url, {"course": second.pk})
    assert response.status_code == 200
    assert response.context["place_form"].errors["course"] == [
        "They already have a place on “Tuesday mornings”, which meets at the same time."
    ]
    assert '<a href="#id_course">' in response.content.decode()
    assert not Place.objects.filter(course=second).exists()


def test_a_course_they_left_is_offered_again_while_others_stay_on_it(
    client, coordinator, person, full_course
):
    left = place_request(participant=person, course=full_course, by=coordinator)
    place_withdraw(place=left, by=coordinator)
    client.force_login(coordinator)
    page = client.get(record_url(person))
    choices = [str(c) for c in page.context["place_form"].fields["course"].queryset]
    assert choices == ["Carers – Tuesdays"]


def test_the_courses_offered_are_remembered_until_a_course_or_session_changes(
    client, coordinator, person
):
    """The open courses come from the cache after the first view: a course added or
    cancelled since, or one whose last session has ended, shows at once all the same."""
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    one_session = ProgrammeFactory(sessions_per_course=1, completion_min_sessions=1)
    short = CourseFactory(title="Short course", programme=one_session, first_start=soon)
    client.force_login(coordinator)

    def offered() -> list[str]:
        page = client.get(record_url(person))
        return [label for _, label in page.context["place_form"].course_choices()[1:]]

    assert [label.split(" – ")[0] for label in offered()] == ["Short course"]
    later = CourseFactory(
        title="Later course", programme=one_session, first_start=soon + timedelta(days=7)
    )
    assert [label.split(" – ")[0] for label in offered()] == ["Short course", "Later course"]
    session_cancel(session=later.sessions.get(), by=coordinator)
    assert [label.split(" – ")[0] for label in offered()] == ["Short course"]
    with time_machine.travel(short.sessions.get().end + timedelta(minutes=1)):
        client.force_login(coordinator)  # the sign-in has lapsed by then
        assert offered() == []
        response = client.post(
            reverse("programmes:place_add", args=[person.pk]), {"course": short.pk}
        )
    assert response.context["place_form"].errors["course"] == ["Choose a course from the list."]


def test_withdrawing_frees_the_place_for_the_first_waiting(
    client, coordinator, person, full_course
):
    waiting = place_request(participant=person, course=full_course, by=coordinator)
    holder = Place.objects.get(course=full_course, status=PlaceStatus.ENROLLED)
    client.force_login(coordinator)
    response = client.post(reverse("programmes:place_withdraw", args=[holder.pk]), follow=True)
    assert messages_of(response) == [
        "They have left “Carers – Tuesdays”. Their place is offered to the first person on "
        "the waiting list, if any."
    ]
    assert Place.objects.get(pk=holder.pk).status == PlaceStatus.WITHDRAWN
    assert Place.objects.get(pk=waiting.pk).status == PlaceStatus.OFFERED
    # The offered person's record now asks whether they accept, with the deadline.
    html = client.get(record_url(person)).content.decode()
    assert "The offer lapses on" in html and "Yes, accept the place" in html
    assert "Yes, decline the place" in html


def test_an_offer_is_accepted_from_the_record(client, coordinator, person, full_course):
    waiting = place_request(participant=person, course=full_course, by=coordinator)
    place_withdraw(
        place=Place.objects.get(course=full_course, status=PlaceStatus.ENROLLED), by=coordinator
    )
    client.force_login(coordinator)
    response = client.post(reverse("programmes:offer_accept", args=[waiting.pk]), follow=True)
    assert messages_of(response) == ["They accepted: enrolled on “Carers – Tuesdays”."]
    assert Place.objects.get(pk=waiting.pk).status == PlaceStatus.ENROLLED
    # Sent twice (a double click), the second is refused and changes nothing.
    response = client.post(reverse("programmes:offer_accept", args=[waiting.pk]), follow=True)
    assert messages_of(response) == ["There is no open offer to accept."]


def test_an_offer_is_declined_from_the_record_and_passes_on(
    client, coordinator, person, full_course
):
    waiting = place_request(participant=person, course=full_course, by=coordinator)
    next_in_line = place_request(
        participant=ParticipantFactory(), course=full_course, by=coordinator
    )
    place_withdraw(
        place=Place.objects.get(course=full_course, status=PlaceStatus.ENROLLED), by=coordinator
    )
    client.force_login(coordinator)
    response = client.post(reverse("programmes:offer_decline", args=[waiting.pk]), follow=True)
    assert "They declined the place on “Carers – Tuesdays”." in messages_of(response)[0]
    assert Place.objects.get(pk=waiting.pk).status == PlaceStatus.DECLINED
    assert Place.objects.get(pk=next_in_line.pk).status == PlaceStatus.OFFERED


def test_actions_are_posts_only(client, coordinator, person, full_course):
    place = place_request(participant=person, course=full_course, by=coordinator)
    client.force_login(coordinator)
    for name in ["place_withdraw", "offer_accept", "offer_decline", "score_record"]:
        assert client.get(reverse(f"programmes:{name}", args=[place.pk])).status_code == 405
    assert Place.objects.get(pk=place.pk).status == PlaceStatus.WAITING


def test_the_register_marks_are_on_the_record(midday, client, coordinator, person):
    course = CourseFactory(first_start=timezone.now().replace(microsecond=0) + timedelta(hours=1))
    place = place_request(participant=person, course=course, by=coordinator)
    line = Attendance.objects.get(place=place, session__number=1)
    attendance_mark(attendance=line, mark=Mark.APOLOGIES, by=coordinator)
    client.force_login(coordinator)
    html = client.get(record_url(person)).content.decode()
    assert "<strong>Sent apologies</strong>" in html
    assert html.count("not marked yet") == 5


def test_each_register_line_and_ride_says_what_is_known_of_it(midday, client, coordinator, person):
    course = CourseFactory(
        title="Carers <Tuesdays>",
        first_start=timezone.now().replace(microsecond=0) + timedelta(hours=1),
    )
    place = place_request(participant=person, course=course, by=coordinator)
    attendance_mark(
        attendance=Attendance.objects.get(place=place, session__number=1),
        mark=Mark.APOLOGIES,
        by=coordinator,
    )
    session_cancel(session=course.sessions.get(number=6), by=coordinator)
    # Cancelling takes people off the session's register; a line still on it is said to
    # be for a cancelled session rather than "not marked yet".
    Attendance.objects.filter(place=place, session__number=6).update(expected=True)
    # Session 1's ride went with the apologies; session 2's is the first to come.
    first_ride = Ride.objects.live().filter(participant=person).order_by("start", "pk").first()
    driver = UserFactory(full_name="Val O'Neil", roles=[Role.VOLUNTEER], is_driver=True)
    ride_take(ride=first_ride, driver=driver, by=coordinator)
    ride_cover_ask(ride=first_ride, by=driver)
    client.force_login(coordinator)

    def register(html: str) -> list[str]:
        lines = html.split('<h4 class="h6 mt-3">Register</h4>')[1].split("</ul>")[0]
        return [line.strip() for line in lines.split("<li>")[1:]]

    html = client.get(record_url(person)).content.decode()
    days = [timezone.localtime(s.start) for s in course.sessions.order_by("number")]
    lines = [f"Session {n}, {d:%a} {d.day} {d:%b %Y}: " for n, d in enumerate(days, start=1)]
    assert register(html) == [
        f"{lines[0]}<strong>Sent apologies</strong></li>",
        *(f"{line}not marked yet</li>" for line in lines[1:5]),
        f"{lines[5]}cancelled</li>",
    ]
    rides = html.split('id="rides-heading"')[1].split("</section>")[0]
    day = first_ride.session.day_label
    assert (
        f"{day}, there and back</a> (Carers &lt;Tuesdays&gt;, session 2):\n"
        "      Val O&#x27;Neil (asked for cover)</li>"
    ) in rides

    place_withdraw(place=place, by=coordinator)
    html = client.get(record_url(person)).content.decode()
    assert register(html)[1:3] == [f"{line}no longer expected</li>" for line in lines[1:3]]


# --- Scores and feedback -------------------------------------------------------------


@pytest.fixture
def scored_place(coordinator, person):
    programme = ProgrammeFactory(measures=[Measure.SWEMWBS, Measure.WEMWBS, Measure.PAM])
    course = CourseFactory(title="Wellbeing", programme=programme)
    return place_request(participant=person, course=course, by=coordinator)


def test_scores_are_recorded_and_totals_worked_out_by_the_server(client, coordinator, scored_place):
    client.force_login(coordinator)
    url = reverse("programmes:score_record", args=[scored_place.pk])
    response = client.post(
        url,
        {"measure": "swemwbs", "timepoint": "first"} | {f"item_{n}": "3" for n in range(1, 8)},
        follow=True,
    )
    assert messages_of(response) == ["SWEMWBS (first session) saved: total 21."]
    client.post(
        url, {"measure": "wemwbs", "timepoint": "last"} | {f"item_{n}": "4" for n in range(1, 15)}
    )
    client.post(url, {"measure": "pam", "timepoint": "last", "pam_score": "55.2", "pam_level": "3"})
    scores = {s.measure: s for s in Score.objects.filter(place=scored_place)}
    assert (scores["swemwbs"].total, scores["swemwbs"].metric) == (Decimal("21"), Decimal("19.25"))
    assert scores["wemwbs"].total == Decimal("56")
    assert (scores["pam"].total, scores["pam"].level) == (Decimal("55.2"), 3)
    html = client.get(record_url(scored_place.participant)).content.decode()
    assert "SWEMWBS, first session: <strong>21</strong> (metric score 19.25)" in html
    assert "PAM, last session: <strong>55.2</strong>, level 3" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"item_3": "6"}, "item_3", "Item 3: enter a number from 1 to 5."),
        ({"item_7": ""}, "item_7", "Item 7: enter a number from 1 to 5."),
        ({"item_1": "x"}, "item_1", "Item 1: enter a number from 1 to 5."),
        ({"item_2": "1e309"}, "item_2", "Item 2: enter a number from 1 to 5."),
        ({"timepoint": ""}, "timepoint", "Choose when it was recorded."),
        ({"timepoint": "someday"}, "timepoint", "Choose when it was recorded."),
    ],
)
def test_a_bad_answer_is_named_at_its_field_and_nothing_is_saved(
    client, coordinator, scored_place, data, field, message
):
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:score_record", args=[scored_place.pk]),
        {"measure": "swemwbs", "timepoint": "first"}
        | {f"item_{n}": "3" for n in range(1, 8)}
        | data,
    )
    assert response.status_code == 200
    form = next(f for f in [f for f in response.context["page_forms"] if f.errors])
    assert form.errors[field] == [message]
    html = response.content.decode()
    assert f'href="#score-{scored_place.pk}-swemwbs-{field}"' in html
    assert '<details class="mb-2" open>' in html
    assert not Score.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"pam_score": "101"}, "pam_score", "Enter the PAM score, from 0 to 100."),
        ({"pam_score": "55.25"}, "pam_score", "with at most one decimal place"),
        ({"pam_score": "NaN"}, "pam_score", "Enter the PAM score, from 0 to 100."),
        ({"pam_level": "5"}, "pam_level", "Choose the PAM level, 1 to 4."),
    ],
)
def test_a_bad_pam_score_is_named_at_its_field(
    client, coordinator, scored_place, data, field, message
):
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:score_record", args=[scored_place.pk]),
        {"measure": "pam", "timepoint": "first", "pam_score": "50", "pam_level": "2"} | data,
    )
    assert message in " ".join(
        [f for f in response.context["page_forms"] if f.errors][0].errors[field]
    )
    assert not Score.objects.exists()


def test_a_measure_the_programme_does_not_use_is_refused(client, coordinator, person):
    place = place_request(participant=person, course=CourseFactory(), by=coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("programmes:score_record", args=[place.pk]),
        {"measure": "pam", "timepoint": "first", "pam_score": "50", "pam_level": "2"},
        follow=True,
    )
    assert "does not use this measure" in messages_of(response)[0]
    assert not Score.objects.exists()


def test_nobody_waiting_gets_score_forms(client, coordinator, person, full_course):
    place = place_request(participant=person, course=full_course, by=coordinator)
    client.force_login(coordinator)
    html = client.get(record_url(person)).content.decode()
    assert "Record SWEMWBS" not in html and "Save feedback" not in html
    response = client.post(
        reverse("programmes:score_record", args=[place.pk]),
        {"measure": "swemwbs", "timepoint": "first"} | {f"item_{n}": "3" for n in range(1, 8)},
        follow=True,
    )
    assert messages_of(response) == ["Scores are for people who have had a place on the course."]
    assert not Score.objects.exists()


def test_feedback_is_one_line_and_never_in_the_audit(client, coordinator, scored_place):
    client.force_login(coordinator)
    url = reverse("programmes:feedback_record", args=[scored_place.pk])
    response = client.post(url, {"feedback": "  Met people\nwho understand.  "}, follow=True)
    assert messages_of(response) == ["Feedback on “Wellbeing” saved."]
    assert Place.objects.get(pk=scored_place.pk).feedback == "Met people who understand."
    assert "understand" not in " ".join(AuditEvent.objects.values_list("summary", flat=True))
    response = client.post(url, {"feedback": "x" * 301})
    assert [f for f in response.context["page_forms"] if f.errors][0].errors["feedback"] == [
        "Keep the feedback to 300 characters."
    ]
    assert Place.objects.get(pk=scored_place.pk).feedback == "Met people who understand."
