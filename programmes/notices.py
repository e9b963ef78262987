"""What participants hear from us, through the outbox (hope/outbox.py).

Only with their consent to be contacted, by the channel they prefer: email, or a text
message when GOV.UK Notify is set up (NOTIFY_API_KEY). Someone who prefers texts when
Notify is not set up gets email if we have their address; someone who prefers letters,
or whose preferred channel cannot be used, gets nothing automatic: the coordinator sees
that on their page.

Every message has a key, so producing it twice stores it once:
- a place confirmed, the waiting list, an offer: ``participant:<what>:place=<place>``;
- a reminder: ``participant:reminder:session=<session>:person=<participant>:rev=<revision>``
  (a moved session is a new revision, so a new reminder; a queued one is withdrawn);
- a session moved or cancelled: one notice per revision, so A→B→A→B is three notices;
- a course cancelled or moved to another venue: one notice per person for the change.
There is no participant sign-in: messages say to reply or ring their coordinator.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db.models import BigIntegerField, F, Func, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone

from hope.channels import CHANNELS
from hope.models import Message
from hope.outbox import message_create, messages_withdraw
from hope.reminders import LONGEST_NOTICE, reminder_due_at
from programmes.models import (
    LIVE_PLACE,
    Attendance,
    Channel,
    Course,
    CourseStatus,
    Direction,
    Participant,
    Place,
    PlaceStatus,
    Ride,
    Session,
)

TEMPLATES = "programmes/email/"
KIND_PREFIX = "participant_"
# Every participant's message is keyed by the place it is about: "participant:<what>:
# place=<pk>", then anything that makes it unique (a session, a date).
KEY_PLACE = r"^participant:[a-z_]+:place=([0-9]{1,18})"
# Messages about a session or a course rather than a place name the person instead.
KEY_PERSON = r":person=([0-9]{1,18})"


def channel_for(participant: Participant) -> tuple[str, str] | None:
    """(channel, address) to reach them, or None if nothing automatic may or can."""
    if not participant.consent_contact or participant.is_anonymised:
        return None
    preferred = participant.preferred_channel
    if preferred == Channel.SMS and "sms" in CHANNELS and participant.mobile:
        return "sms", participant.mobile
    if preferred in (Channel.EMAIL, Channel.SMS) and participant.email:
        return "email", participant.email
    return None


def message_to_participant(
    *, participant: Participant, what: str, key: str, context: dict, send_now: bool = True
) -> bool:
    """Store one message of kind ``what`` (which names the template) for ``participant``,
    if they may and can be reached. Returns whether a message was stored."""
    route = channel_for(participant)
    if route is None:
        return False
    channel, address = route
    message = message_create(
        key=key,
        kind=f"{KIND_PREFIX}{what}",
        recipient=None,
        to_address=address,
        channel=channel,
        template=TEMPLATES + what,
        context={"participant": participant, "days": participant.reminder_days, **context},
        send_now=send_now,
    )
    return message is not None


def first_session(course: Course, now: datetime | None = None) -> Session | None:
    """The course's next session that is neither cancelled nor started: the first one a
    person joining now comes to. One query."""
    return (
        course.sessions.upcoming(now)
        .filter(is_cancelled=False)
        .select_related("venue")
        .order_by("start", "pk")
        .first()
    )


def notify_participant(*, place: Place, what: str, key_extra: str = "", context=None) -> bool:
    """Store one message about ``place`` (``what`` names the template: place_confirmed,
    waiting_list, place_offered). Keyed so the same news is stored once. Returns whether
    a message was stored."""
    return message_to_participant(
        participant=place.participant,
        what=what,
        key=f"participant:{what}:place={place.pk}{key_extra}",
        context={
            "place": place,
            "course": place.course,
            "first_session": first_session(place.course),
            "offer_days": settings.PLACE_OFFER_DAYS,
            **(context or {}),
        },
    )


def messages_to(participants: QuerySet[Participant]) -> QuerySet[Message]:
    """Every outbox message to these people, whatever its state: those about one of their
    places (by the key, so an address they have since changed is found too), and any other
    participant's message sent to an address only they hold (a couple sharing one email
    address keeps the other's messages).

    Reads the key of every participant's message (no index helps): for the nightly
    retention job, not for pages."""
    their_addresses = {
        address
        for pair in participants.values_list("email", "mobile")
        for address in pair
        if address
    }
    others = Participant.objects.identifiable().exclude(pk__in=participants.values("pk"))
    shared = set(others.filter(email__in=their_addresses).values_list("email", flat=True)) | set(
        others.filter(mobile__in=their_addresses).values_list("mobile", flat=True)
    )
    place_of_key = Cast(
        Func(F("key"), Value(KEY_PLACE), function="SUBSTRING"), output_field=BigIntegerField()
    )
    person_of_key = Cast(
        Func(F("key"), Value(KEY_PERSON), function="SUBSTRING"), output_field=BigIntegerField()
    )
    return (
        Message.objects.filter(kind__startswith=KIND_PREFIX)
        .alias(place_id=place_of_key, person_id=person_of_key)
        .filter(
            Q(place_id__in=Place.objects.filter(participant__in=participants).values("pk"))
            | Q(person_id__in=participants.values("pk"))
            | Q(recipient__isnull=True, to_address__in=their_addresses - shared)
        )
    )


# --- Reminders before each session ------------------------------------------------------


def _reminder_prefix(session: Session) -> str:
    return f"participant:reminder:session={session.pk}:"


def _reminder_key(line: Attendance) -> str:
    # The session's revision is part of the key: a moved session is a new reminder, and
    # the same reminder produced twice is stored once.
    return (
        f"{_reminder_prefix(line.session)}person={line.participant_id}:rev={line.session.revision}"
    )


def plan_reminders(now: datetime | None = None) -> int:
    """Store a reminder for every register line whose reminder time has come: enrolled
    participants, expected at a session that is not cancelled, of a published course,
    ``reminder_days`` calendar days before at the session's clock time. Idempotent."""
    now = now or timezone.now()
    candidates = Attendance.objects.filter(
        expected=True,
        place__status=PlaceStatus.ENROLLED,
        session__is_cancelled=False,
        session__course__status=CourseStatus.PUBLISHED,
        session__start__gt=now,
        session__start__lte=now + LONGEST_NOTICE,
    ).select_related("participant", "session__course__programme", "session__venue")
    # Their lifts, so the reminder says who collects them.
    candidates = candidates.prefetch_related(
        Prefetch("rides", queryset=Ride.objects.held().select_related("driver"), to_attr="lifts")
    )
    due = [
        line
        for line in candidates
        if reminder_due_at(line.session.start, line.participant.reminder_days) <= now
    ]
    # Most runs find reminders already stored; skip those before rendering anything.
    keys = {line.pk: _reminder_key(line) for line in due}
    stored = set(Message.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    created = 0
    for line in due:
        if keys[line.pk] in stored:
            continue
        created += message_to_participant(
            participant=line.participant,
            what="reminder",
            key=keys[line.pk],
            context={
                "session": line.session,
                "course": line.session.course,
                "lifts": [
                    {
                        "driver": ride.driver.get_short_name(),
                        "pickup_at": ride.pickup_at,
                        "home": ride.direction != Direction.THERE,
                    }
                    for ride in line.lifts
                ],
            },
            # The minute sweep sends them: a beat run that stores many nudges nobody.
            send_now=False,
        )
    return created


def withdraw_reminders(sessions: Iterable[Session], *, person: int | None = None) -> int:
    """Reminders stored but not yet sent for these sessions (for everyone, or for the
    participant numbered ``person``) no longer say the truth."""
    whose = f"person={person}:" if person is not None else ""
    return sum(messages_withdraw(key_prefix=_reminder_prefix(s) + whose) for s in sessions)


# --- Changes to sessions and courses ------------------------------------------------------


def session_notice_lines(sessions: Iterable[Session]) -> QuerySet[Attendance]:
    """The register lines whose participants hear that these sessions moved or were
    cancelled: those enrolled. The notice and the page that asks first both read it."""
    return Attendance.objects.filter(
        session__in=sessions, place__status=PlaceStatus.ENROLLED
    ).select_related("participant", "session__course__programme", "session__venue")


def course_notice_places(course: Course, what: str) -> QuerySet[Place]:
    """The places whose participants hear of a change to the whole course: everyone
    with a place, an offer or on the waiting list when it is "cancelled", those enrolled
    when it "moved". The notice and the page that asks first both read it."""
    statuses = LIVE_PLACE if what == "cancelled" else (PlaceStatus.ENROLLED,)
    return Place.objects.filter(course=course, status__in=statuses).select_related(
        "participant", "course__programme"
    )


def who_hears(participants: Iterable[Participant]) -> tuple[list[Participant], list[Participant]]:
    """(those a message reaches, those it cannot: no consent, letters, no address), each
    person once, for a page that says who will be told. No queries."""
    seen: dict[int, Participant] = {p.pk: p for p in participants}
    reached = [p for p in seen.values() if channel_for(p) is not None]
    return reached, [p for p in seen.values() if channel_for(p) is None]


def notify_sessions_changed(*, sessions: list[Session], what: str) -> int:
    """Tell each participant enrolled on these sessions that their session ``what``
    ("moved": a new time or venue; "cancelled"), once per change (the key has the
    session's revision), and withdraw their reminders still queued. Call inside the
    change's transaction, after the sessions are saved."""
    withdraw_reminders(sessions)
    created = 0
    for line in session_notice_lines(sessions):
        session = line.session
        created += message_to_participant(
            participant=line.participant,
            what=f"session_{what}",
            key=f"participant:session-{what}:session={session.pk}:rev={session.revision}:"
            f"person={line.participant_id}",
            context={"session": session, "course": session.course},
        )
    return created


def notify_course_changed(*, course: Course, sessions: list[Session], what: str) -> int:
    """One notice per person for a change to a whole course's future ``sessions``:
    ``what`` is "cancelled" (everyone with a place, an offer or on its waiting list) or
    "moved" (to the venue the sessions now have; those with a place). Withdraws the
    reminders still queued. Call inside the change's transaction."""
    if not sessions:
        return 0
    withdraw_reminders(sessions)
    sessions = sorted(sessions, key=lambda s: (s.start, s.pk))
    first = sessions[0]
    created = 0
    for place in course_notice_places(course, what):
        created += message_to_participant(
            participant=place.participant,
            what=f"course_{what}",
            # The first session's revision names this change: a later move is another.
            key=f"participant:course-{what}:session={first.pk}:rev={first.revision}:"
            f"person={place.participant_id}",
            context={"place": place, "course": place.course, "session": first},
        )
    return created
