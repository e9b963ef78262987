"""Demo programmes, venues, a year of courses and their participants for `seed_demo`
(relative to today)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import zip_longest

from django.db.models import Q
from django.utils import timezone

from hope.models import User
from programmes.measures import ITEMS, Measure, Timepoint, score_items, score_pam
from programmes.models import (
    RIDES_FOR_LEGS,
    Arranged,
    Attendance,
    Channel,
    ClosureDate,
    ConsentMethod,
    Course,
    CourseStatus,
    Delivery,
    HowHeard,
    Mark,
    Participant,
    Place,
    PlaceStatus,
    Programme,
    Referral,
    ReferralSource,
    ReferralStatus,
    Ride,
    Score,
    Session,
    TransportLegs,
)
from programmes.models.rides import DETAILS_SHOWN_FOR, RIDES_WANTED_DAYS
from programmes.services import CourseError, course_cancel, course_create
from programmes.services.participants import (
    attendance_mark,
    place_request,
    place_withdraw,
    referral_create,
    score_record,
)
from programmes.services.rides import RideError, driver_area_set, ride_arrange, ride_take
from venues.models import Setting, Venue

# Each programme's outcome measures: SWEMWBS for most, the full WEMWBS for carers, and
# PAM (licensed) besides SWEMWBS for long-term conditions, piloted on one course.
PROGRAMMES = [
    dict(
        name="HOPE for people with long-term conditions",
        description="Six weekly sessions on living well with one or more long-term conditions.",
        audience="Adults living with one or more long-term conditions, such as diabetes, "
        "arthritis, a heart or lung condition, or long COVID",
        what_to_expect="A small, friendly group meets once a week. Together you look at what "
        "matters to you, try out ways to manage tiredness, pain, worry and low mood, and set "
        "yourself one small goal each week. Tea and biscuits are on us.",
        measures=[Measure.SWEMWBS, Measure.PAM],
    ),
    dict(
        name="HOPE for carers",
        description="For people caring for a family member or friend.",
        audience="Unpaid carers of a family member or friend with a long-term condition",
        what_to_expect="Time for you, with other carers who understand. You look after your "
        "own wellbeing, find ways to cope with stress, and plan small changes that help.",
        measures=[Measure.WEMWBS],
    ),
    dict(
        name="HOPE for cancer survivors",
        description="For people living with and beyond cancer.",
        audience="Adults who have finished cancer treatment, or are living with cancer",
        what_to_expect="Rebuild confidence after treatment: managing fatigue and worry about "
        "the future, getting active again and reconnecting with what you enjoy.",
        session_length=timedelta(hours=2),
        usual_group_size=10,
    ),
    dict(
        name="HOPE online",
        description="The core programme over video call, in eight shorter sessions.",
        audience="Adults with a long-term condition who would rather join from home",
        what_to_expect="The same course, on a video call from home. The team helps you get "
        "set up before the first session; all you need is a phone, tablet or computer.",
        sessions_per_course=8,
        session_length=timedelta(hours=2),
        usual_group_size=10,
        delivery=Delivery.ONLINE,
        completion_min_sessions=4,
    ),
]

VENUES = [
    dict(
        name="Riverside Community Centre",
        address="14 Mill Lane\nRiverside\nNorthgate",
        postcode="NG4 2RL",
        town="Riverside",
        setting=Setting.COMMUNITY,
        room_capacity=20,
        hire_cost=Decimal("25.00"),
        contact_name="Brenda Kaye",
        contact_phone="01632 960123",
        step_free_access=True,
        accessible_toilet=True,
        hearing_loop=True,
        parking=True,
        near_public_transport=True,
        accessibility_notes="Lift to the first-floor meeting room. Free parking behind the centre.",
    ),
    dict(
        name="St Mark's Church Hall",
        address="Church Street\nNorthgate",
        postcode="NG1 5SM",
        town="Northgate",
        setting=Setting.COMMUNITY,
        room_capacity=16,
        hire_cost=Decimal("15.00"),
        contact_name="Rev. Alan Petty",
        contact_phone="01632 960456",
        step_free_access=True,
        accessible_toilet=True,
        near_public_transport=True,
        accessibility_notes="Ramp at the side door. Street parking only.",
    ),
    dict(
        name="Oakfield Library",
        address="2 Oakfield Parade\nOakfield",
        postcode="NG7 1OL",
        town="Oakfield",
        setting=Setting.COMMUNITY,
        room_capacity=14,
        hire_cost=Decimal("0.00"),
        contact_email="oakfield.library@example.org",
        step_free_access=True,
        accessible_toilet=True,
        hearing_loop=True,
        near_public_transport=True,
        accessibility_notes="Room donated by the library. Bus stop outside.",
    ),
    dict(
        name="Parkside GP Surgery",
        address="Parkside Road\nNorthgate",
        postcode="NG3 9PS",
        town="Northgate",
        setting=Setting.GP_SURGERY,
        room_capacity=12,
        hire_cost=Decimal("0.00"),
        step_free_access=True,
        accessible_toilet=True,
        parking=True,
    ),
    dict(
        name="Northgate Community Hospital",
        address="Seminar room 2, Hospital Lane\nNorthgate",
        postcode="NG2 8CH",
        town="Northgate",
        setting=Setting.COMMUNITY_HOSPITAL,
        room_capacity=18,
        hire_cost=Decimal("40.00"),
        step_free_access=True,
        accessible_toilet=True,
        hearing_loop=True,
        parking=True,
        near_public_transport=True,
    ),
]

HOW_HEARD = [HowHeard.FRIEND_OR_FAMILY, HowHeard.POSTER_OR_LEAFLET, HowHeard.GP_OR_NURSE]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def seed_courses(*, by: User) -> int:
    """Create the demo programmes, venues and about 30 courses spanning a year. Idempotent."""
    programmes = [
        Programme.objects.get_or_create(name=p["name"], defaults=p)[0] for p in PROGRAMMES
    ]
    venues = [Venue.objects.get_or_create(name=v["name"], defaults=v)[0] for v in VENUES]
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    ClosureDate.objects.get_or_create(
        date=monday + timedelta(weeks=5, days=2),
        venue=None,
        defaults={"reason": "Team training day"},
    )
    in_person = [p for p in programmes if not p.is_online]
    online = next(p for p in programmes if p.is_online)
    created = 0
    # Each venue has its own weekday; a new course starts there every eight weeks, from
    # half a year ago to half a year ahead, so the demo has past, running (started last
    # week, whatever today is) and upcoming courses.
    for v, venue in enumerate(venues):
        start_time = time(10, 0) if v % 2 == 0 else time(13, 30)
        for k, weeks in enumerate(range(-25, 27, 8)):
            first_day = monday + timedelta(weeks=weeks, days=v)
            programme = in_person[(v + k) % len(in_person)]
            title = (
                f"{programme.name.removeprefix('HOPE for ').capitalize()} – "
                f"{venue.name.split()[0]} {WEEKDAYS[v]}s from {first_day:%-d %b %Y}"
            )
            created += _course(
                title=title,
                programme=programme,
                venue=venue,
                first_day=first_day,
                start_time=start_time,
                by=by,
                draft=weeks > 20,
            )
    for weeks in (-12, 4):
        first_day = monday + timedelta(weeks=weeks, days=3)
        created += _course(
            title=f"HOPE online – Thursday evenings from {first_day:%-d %b %Y}",
            programme=online,
            venue=None,
            first_day=first_day,
            start_time=time(18, 30),
            by=by,
        )
    cancelled = Course.objects.filter(venue=venues[3], status=CourseStatus.PUBLISHED).last()
    if cancelled and not Course.objects.filter(status=CourseStatus.CANCELLED).exists():
        course_cancel(course=cancelled, by=by)
    return created


def _course(*, title, programme, venue, first_day, start_time, by, draft=False) -> int:
    if Course.objects.filter(title=title).exists():
        return 0
    capacity = min(programme.usual_group_size, venue.room_capacity - 2) if venue else 10
    try:
        course_create(
            title=title,
            programme=programme,
            venue=venue,
            first_day=first_day,
            start_time=start_time,
            capacity=capacity,
            status=CourseStatus.DRAFT if draft else CourseStatus.PUBLISHED,
            by=by,
            already_ran=True,
        )
    except CourseError:
        return 0  # a rare run of holidays pushed it into the next course's weeks
    return 1


# --- Participants ---------------------------------------------------------------------
# Names are bird names after everyday first names ("Margaret Dunnock"): they read like
# people, and nobody mistakes them for real ones. Mobile numbers are from Ofcom's range
# for drama (07700 900xxx); addresses are in the demo's imaginary Northgate.

FIRST_NAMES = [
    "Margaret", "Tariq", "Sunita", "Derek", "Grace", "Mohammed", "Bronwen", "Kwame",
    "Irene", "Stanislaw", "Aileen", "Jamal", "Priya", "Colin", "Hyacinth", "Ewan",
    "Fatima", "Gordon", "Mei", "Maureen", "Ravi", "Siobhan", "Terry", "Yusuf", "Beryl",
]  # fmt: skip
SURNAMES = [
    "Dunnock", "Fieldfare", "Linnet", "Nuthatch", "Wagtail", "Redpoll", "Whinchat",
    "Stonechat", "Goldcrest", "Yellowhammer", "Brambling", "Siskin", "Chiffchaff",
    "Dipper", "Woodlark", "Godwit", "Redshank", "Turnstone", "Greenshank", "Whimbrel",
    "Lapwing", "Dotterel", "Kittiwake", "Shearwater",
]  # fmt: skip
NICKNAMES = {"Margaret": "Maggie", "Stanislaw": "Stan", "Bronwen": "Bron", "Terry": "Tel"}
ACCESS_NEEDS = [
    "Hearing loop, please.",
    "Large-print handouts.",
    "Her daughter comes with her as carer.",
    "Uses a wheelchair: step-free room and a table at the end.",
    "Needs a chair with arms; cannot manage stairs.",
]
STREETS = ["Mill Lane", "Church Street", "Oakfield Parade", "Hospital Lane", "Parkside Road"]
# Most people are referred by GPs, social prescribers, practice nurses and the carers'
# centre, or refer themselves...
REFERRERS = [
    (ReferralSource.GP, "Dr Sandpiper, Riverside Surgery"),
    (ReferralSource.SELF, ""),
    (ReferralSource.SOCIAL_PRESCRIBER, "Jo Kittiwake, Oakfield social prescribing"),
    (ReferralSource.PRACTICE_NURSE, "Nurse Heron, Parkside GP Surgery"),
    (ReferralSource.VOLUNTARY_SECTOR, "Northgate Carers' Centre"),
    (ReferralSource.GP, "Dr Okonkwo-Plover, Parkside GP Surgery"),
    (ReferralSource.SELF, ""),
]
# ...and a handful (by person number) by the hospital team or a pharmacist: fewer than 5
# from each, so the reports show those counts as "fewer than 5".
RARE_REFERRERS = {
    5: (ReferralSource.HOSPITAL_TEAM, "Cardiac rehab team, Northgate Community Hospital"),
    23: (ReferralSource.OTHER, "Pharmacist, Mill Lane Pharmacy"),
    31: (ReferralSource.HOSPITAL_TEAM, "Cardiac rehab team, Northgate Community Hospital"),
    47: (ReferralSource.HOSPITAL_TEAM, "Respiratory team, Northgate Community Hospital"),
    66: (ReferralSource.OTHER, "Pharmacist, Mill Lane Pharmacy"),
}
PICKUP_NOTES = [
    "Bungalow at the end of the close; ring the bell and wait a minute.",
    "Flat 4, second floor: comes down in the lift.",
    "Uses a walking frame that folds into the boot.",
    "Blue door opposite the post box; waits inside.",
]
FEEDBACK = [
    "Meeting people who understand made all the difference.",
    "I pace myself now instead of overdoing it on good days.",
    "The goal-setting was hard at first but I use it every week.",
    "Having a facilitator who has been there too made me feel less alone.",
    "I wish it had been longer; six weeks went very fast.",
    "The breathing exercises help me sleep.",
    "I have started walking with two people from the group.",
    "Some weeks were a lot of talking; more practical tips would help.",
]


def _participant(n: int, received: datetime, legs: str | None = None) -> Participant:
    """The n-th demo person (unsaved): mostly by email, some by text or letter, a few with
    access needs or a lift to sessions (``legs``, or every sixth person; now and then two
    drivers share there and back), most agreeing to contact and to evaluation."""
    first = FIRST_NAMES[n % len(FIRST_NAMES)]
    surname = SURNAMES[n % len(SURNAMES)]  # 25 and 24 names: 600 different people
    channel = Channel.SMS if n % 7 == 3 else Channel.LETTER if n % 11 == 5 else Channel.EMAIL
    needs_transport = legs is not None or n % 6 == 1
    if needs_transport and legs is None:
        legs = TransportLegs.SEPARATE if n % 12 == 7 else TransportLegs.BOTH
    person = Participant(
        full_name=f"{first} {surname}",
        preferred_name=NICKNAMES.get(first, ""),
        email="" if channel == Channel.SMS else f"{first}.{surname}@example.org".lower(),
        mobile=f"07700 900{n:03d}" if channel != Channel.EMAIL or n % 2 else "",
        preferred_channel=channel,
        postal_address=(
            f"{n + 3} {STREETS[n % len(STREETS)]}\nNorthgate NG{n % 9 + 1} {n % 9 + 1}HP"
            if channel == Channel.LETTER or n % 4 == 0
            else ""
        ),
        access_needs=ACCESS_NEEDS[n // 5 % len(ACCESS_NEEDS)] if n % 5 == 2 else "",
        needs_transport=needs_transport,
        pickup_postcode=f"NG{n % 9 + 1} {n % 9 + 1}HP" if needs_transport else "",
        transport_legs=legs or TransportLegs.BOTH,
        pickup_notes=PICKUP_NOTES[n % len(PICKUP_NOTES)] if needs_transport else "",
        created_at=received,
    )
    if n % 13 != 7:  # a few said no to being contacted: nothing automatic reaches them
        person.consent_contact = True
        person.consent_contact_on = received.date()
        person.consent_contact_how = ConsentMethod.SPOKEN if n % 3 else ConsentMethod.ONLINE
    if n % 9 != 4:
        person.consent_evaluation = True
        person.consent_evaluation_on = received.date()
        person.consent_evaluation_how = ConsentMethod.WRITTEN if n % 2 else ConsentMethod.SPOKEN
    return person


def _referrer(n: int) -> tuple[str, str]:
    return RARE_REFERRERS.get(n) or REFERRERS[n % len(REFERRERS)]


class _People:
    """Hands out the next demo person with their referral: through referral_create
    (``refer``), or unsaved, for a finished course written in bulk (``unsaved``)."""

    def __init__(self, by: User):
        self.by, self.n = by, 0

    def unsaved(
        self, *, received_on: date, status=ReferralStatus.NEW, closed_on=None, course=None,
        legs: str | None = None,
    ) -> tuple[Participant, Referral]:  # fmt: skip
        source, referrer = _referrer(self.n)
        received = timezone.make_aware(datetime.combine(received_on, time(10, 0)))
        participant = _participant(self.n, received, legs)
        participant.created_by = self.by
        # Self-referrals say how they heard of HOPE, as the public form asks.
        how_heard = HOW_HEARD[self.n % len(HOW_HEARD)] if source == ReferralSource.SELF else ""
        referral = Referral(
            source=source, referrer=referrer, received_on=received_on, course=course,
            status=status, closed_on=closed_on, created_by=self.by, created_at=received,
            how_heard=how_heard,
        )  # fmt: skip
        self.n += 1
        return participant, referral

    def refer(self, **kwargs) -> Participant:
        participant, referral = self.unsaved(**kwargs)
        return referral_create(participant=participant, referral=referral, by=self.by).participant


# People on each finished course, in turn: some courses fill, one or two run small.
GROUP_SIZES = [8, 6, 9, 4, 10, 7, 8, 5]
# The latest long-term conditions course piloted PAM (licensed) with this many people.
PAM_PILOT_PEOPLE = 4


def seed_participants(*, by: User) -> int:
    """Referrals in every status, every finished course with its places, registers,
    outcome scores and feedback, a running course, a full course with a waiting list and
    an open offer. Idempotent: does nothing once any participant exists. Returns how many
    it made."""
    if Participant.objects.exists():
        return 0
    now = timezone.now()
    today = timezone.localdate()
    people = _People(by)
    published = Course.objects.filter(status=CourseStatus.PUBLISHED)
    finished = published.past(now).filter(last_end__isnull=False).select_related("programme")
    pilot = finished.filter(programme__measures__contains=[Measure.PAM]).order_by("first_start")
    pilot = pilot.values_list("pk", flat=True).last()
    for i, course in enumerate(finished.order_by("first_start", "pk")):
        _finished_course(
            course, people, by, size=GROUP_SIZES[i % len(GROUP_SIZES)], i=i,
            pam_pilot=course.pk == pilot,
        )  # fmt: skip
    # A running course with a session in the last week (a bank holiday can leave a
    # fortnight's gap), so its drivers still see those rides and can claim mileage.
    last_week = Session.objects.filter(
        is_cancelled=False, end__lte=now, end__gt=now - DETAILS_SHOWN_FOR
    )
    running = published.running(now).filter(pk__in=last_week.values("course_id"))
    for course in running.order_by("first_start")[:1]:
        _running_course(course, people, by, now)
    full = published.upcoming(now).order_by("capacity", "first_start").first()
    if full:
        _full_course(full, people, by)
    # Referrals not (yet) on a course: new, contacted, declined, not reached.
    for days, status, closed in [
        (1, ReferralStatus.NEW, None), (4, ReferralStatus.NEW, None),
        (8, ReferralStatus.NEW, None), (15, ReferralStatus.CONTACTED, None),
        (22, ReferralStatus.CONTACTED, None), (60, ReferralStatus.DECLINED, 41),
        (35, ReferralStatus.DECLINED, 20), (90, ReferralStatus.NOT_REACHED, 62),
        (50, ReferralStatus.NOT_REACHED, 29),
    ]:  # fmt: skip
        people.refer(
            received_on=today - timedelta(days=days),
            status=status,
            closed_on=today - timedelta(days=closed) if closed else None,
            course=full if status == ReferralStatus.NEW else None,
        )
    return people.n


def _lines(place: Place, sessions, left: datetime | None = None, marks=(), by=None):
    """Register lines (unsaved) for sessions the services would have written them for
    (they write only those still to come); after someone left, their lines are no longer
    expected. ``marks``, one for each of the first sessions, as the register was taken."""
    return [
        Attendance(
            place=place,
            participant_id=place.participant_id,
            session=session,
            start=session.start,
            end=session.end,
            expected=left is None or session.start < left,
            mark=mark,
            marked_at=session.end if mark else None,
            marked_by=by if mark else None,
        )
        for session, mark in zip_longest(sessions, marks[: len(sessions)], fillvalue="")
    ]


def _usual_mark(n: int, k: int) -> str:
    """The n-th person's mark at the k-th session: mostly present, now and then apologies
    or did not attend; always present at the first session and from the sixth, where
    the scores are taken."""
    if 0 < k < 5 and (n + 2 * k) % 9 == 0:
        return Mark.APOLOGIES
    if 0 < k < 5 and (n + k) % 11 == 0:
        return Mark.ABSENT
    return Mark.PRESENT


def _register(place: Place, n: int, by: User, now: datetime) -> None:
    """Mark the lines of sessions that have ended, through the service."""
    lines = list(place.attendance.filter(end__lte=now, expected=True).order_by("start"))
    for k, line in enumerate(lines):
        attendance_mark(attendance=line, mark=_usual_mark(n, k), by=by)


def _measures(programme: Programme, *, pam: bool) -> list[str]:
    """The programme's measures; PAM only where it was piloted."""
    return [m for m in programme.measures if m != Measure.PAM or pam]


def _pam_level(score: Decimal) -> int:
    """PAM's published bands: level 1 to 47.0, 2 to 55.1, 3 to 67.0, 4 above."""
    return 1 + sum(score > bound for bound in (Decimal("47.0"), Decimal("55.1"), Decimal("67.0")))


def _answers(measure: str, n: int, timepoint: str) -> dict:
    """The n-th person's answers, as score_record takes them. Answers of 1-5 (SWEMWBS,
    WEMWBS) or a PAM score; at the last session most score a little higher, every eighth
    person a little lower."""
    if measure == Measure.PAM:
        score = Decimal(44 + (n * 7) % 15) + Decimal(n % 10) / 10
        if timepoint == Timepoint.LAST:
            score += 3 + n % 6
        return {"pam_score": score, "pam_level": _pam_level(score)}
    items = [2 + (n + k) % 3 for k in range(ITEMS[measure])]
    if timepoint == Timepoint.LAST:
        step = -1 if n % 8 == 6 else 1
        items = [min(5, max(1, item + step * ((n + k) % 2))) for k, item in enumerate(items)]
    return {"items": items}


def _score(place: Place, measure: str, timepoint: str, n: int, by: User, at: datetime) -> Score:
    """An unsaved score, its totals worked out as score_record works them out."""
    answers = _answers(measure, n, timepoint)
    if measure == Measure.PAM:
        scored = score_pam(answers["pam_score"], answers["pam_level"])
    else:
        scored = score_items(measure, answers["items"])
    return Score(
        place=place, measure=measure, timepoint=timepoint, items=scored.items,
        total=scored.total, metric=scored.metric, level=scored.level, recorded_by=by,
        created_at=at,
    )  # fmt: skip


def _finished_course(
    course: Course, people: _People, by: User, *, size: int, i: int, pam_pilot: bool
) -> None:
    """A course that has ended, written in bulk as it stood at the end (place_request
    refuses a course that has started, and half a year of courses through the services
    would slow `make run`): places, register lines as they were marked, the programme's
    measures at the first and last sessions, and a line of feedback from some.

    The ``i``-th finished course: on every other one someone stopped after two sessions
    (started, not completed); on every third one someone never came (enrolled, not
    started); now and then someone missed the last questionnaire."""
    sessions = list(course.sessions.filter(is_cancelled=False).order_by("start"))
    first_day = timezone.localdate(sessions[0].start)
    joined = sessions[0].start - timedelta(days=7)
    rows = []
    for k in range(size):
        n = people.n
        participant, referral = people.unsaved(
            received_on=first_day - timedelta(days=14 + (5 * n) % 30),
            status=ReferralStatus.ENROLLED,
            closed_on=timezone.localdate(joined),
            course=course,
        )
        came = 0 if k == size - 1 and i % 3 == 1 else 2 if k == 2 and i % 2 == 0 else None
        rows.append((n, k, participant, referral, came))
    Participant.objects.bulk_create(row[2] for row in rows)
    for _, _, participant, referral, _ in rows:
        referral.participant = participant
    Referral.objects.bulk_create(row[3] for row in rows)
    places, lines, scores = [], [], []
    for n, k, participant, _, came in rows:
        stayed = came is None
        left = None if stayed else sessions[max(came, 1) - 1].end + timedelta(days=2)
        place = Place(
            course=course, participant=participant, waiting_since=joined, enrolled_at=joined,
            created_at=joined, left_at=left,
            status=PlaceStatus.ENROLLED if stayed else PlaceStatus.WITHDRAWN,
            feedback=FEEDBACK[n // 3 % len(FEEDBACK)] if stayed and n % 3 == 0 else "",
        )  # fmt: skip
        places.append(place)
        if came == 0:
            marks = [Mark.ABSENT]
        else:
            marks = [_usual_mark(n, j) for j in range(len(sessions) if stayed else came)]
        lines += _lines(place, sessions, left, marks, by)
        for measure in _measures(course.programme, pam=pam_pilot and k < PAM_PILOT_PEOPLE):
            if came != 0:
                scores.append(_score(place, measure, Timepoint.FIRST, n, by, sessions[0].end))
            if stayed and n % 11 != 3:
                scores.append(_score(place, measure, Timepoint.LAST, n, by, sessions[-1].end))
    Place.objects.bulk_create(places)
    Attendance.objects.bulk_create(lines)
    Score.objects.bulk_create(scores)


def _running_course(course: Course, people: _People, by: User, now: datetime) -> None:
    """A course that started last week: places through place_request, which writes the
    register from now on; the lines of the sessions already held are added here (as
    they would have been when these people joined) and marked through the service."""
    first_day = timezone.localdate(course.first_start)
    # Three who need a lift, each a different way (besides every sixth person): enough
    # rides at the next session for the drivers, a taxi and the rides wanted.
    legs = {1: TransportLegs.BOTH, 3: TransportLegs.THERE, 5: TransportLegs.SEPARATE}
    for k in range(6):
        n = people.n
        person = people.refer(
            received_on=first_day - timedelta(days=18 + 4 * k), course=course, legs=legs.get(k)
        )
        place = place_request(participant=person, course=course, by=by)
        held = course.sessions.filter(is_cancelled=False, end__lte=now)
        Attendance.objects.bulk_create(_lines(place, held))
        _register(place, n, by, now)
        # (Unless the first session is under way as the demo is loaded.)
        if place.attendance.filter(session__number=1, mark=Mark.PRESENT).exists():
            for measure in _measures(course.programme, pam=False):
                score_record(
                    place=place, measure=measure, timepoint=Timepoint.FIRST, by=by,
                    **_answers(measure, n, Timepoint.FIRST),
                )  # fmt: skip


def _full_course(course: Course, people: _People, by: User) -> None:
    """The next course fills, three more join its waiting list, then someone withdraws:
    their place is offered to the first person waiting, who has a few days to answer."""
    today = timezone.localdate()
    places = []
    for k in range(course.capacity + 3):
        person = people.refer(
            received_on=today - timedelta(days=6 + k), status=ReferralStatus.CONTACTED,
            course=course,
        )  # fmt: skip
        places.append(place_request(participant=person, course=course, by=by))
    place_withdraw(place=places[1], by=by)


# --- Rides ----------------------------------------------------------------------------
# Val Singh (volunteer@example.org) and Derek Lowe (driver2@example.org) drive. The
# running course's riders have rides to each session still to come (rides_follow made
# them on enrolment): the drivers hold some, a taxi takes one, the rest are wanted. Every
# session already held was driven too: the finished courses' (claimed for, in
# expenses/demo.py) and the last week's, ready for a mileage claim.

DEMO_DRIVERS = {"volunteer@example.org": "NG4", "driver2@example.org": "NG7"}


def seed_rides(*, by: User) -> int:
    """Give the demo drivers rides past and to come, and arrange one by taxi. Idempotent:
    does nothing once a ride has a driver or is arranged another way. Returns how many
    rides it gave or arranged."""
    if Ride.objects.filter(Q(driver__isnull=False) | ~Q(arranged="")).exists():
        return 0
    found = {u.email: u for u in User.objects.filter(email__in=DEMO_DRIVERS, is_driver=True)}
    if len(found) < len(DEMO_DRIVERS):
        return 0
    val, derek = (found[email] for email in DEMO_DRIVERS)
    for driver, district in zip((val, derek), DEMO_DRIVERS.values(), strict=True):
        driver_area_set(user=driver, district=district)
    now = timezone.now()
    given = _driven(val, derek, now)
    wanted = list(
        Ride.objects.unmet().within(RIDES_WANTED_DAYS, now).order_by("start", "session", "pk")
    )
    sessions: dict[int, list[Ride]] = {}
    for ride in wanted:
        sessions.setdefault(ride.session_id, []).append(ride)
    # The soonest session: Val takes two (one car, two passengers or both legs), Derek is
    # given one, a taxi takes the next; the session after: Derek takes one. The rest stay
    # wanted, on the board, the home page and the morning digest.
    plan = [
        [(val, val), (val, val), (derek, by), (None, by)],
        [(derek, derek)],
    ]
    for rides, choices in zip(sessions.values(), plan, strict=False):
        for ride, (driver, who) in zip(rides, choices, strict=False):
            try:
                if driver is None:
                    ride_arrange(ride=ride, how=Arranged.TAXI, by=who)
                else:
                    ride_take(ride=ride, driver=driver, by=who)
            except RideError:
                continue  # a clash the calendar made: the ride stays wanted
            given += 1
    return given


def _driven(val: User, derek: User, now: datetime) -> int:
    """Rides to the sessions that have ended, for those who came: written here, as
    ride_take refuses a session that has started. Derek drove those wanting one driver
    there and back; Val the rest (several to one session: one car). Each venue has its own
    weekday, so no driver is in two places at once."""
    lines = (
        Attendance.objects.filter(
            participant__needs_transport=True,
            mark=Mark.PRESENT,
            session__end__lte=now,
            session__venue__isnull=False,
        )
        .select_related("session", "participant")
        .order_by("session__start", "pk")
    )
    rides = []
    for line in lines:
        legs = line.participant.transport_legs
        driver = derek if legs == TransportLegs.BOTH else val
        for direction in RIDES_FOR_LEGS[legs]:
            rides.append(
                Ride.for_line(
                    line,
                    direction,
                    driver=driver,
                    driver_since=line.session.start - timedelta(days=6),
                )
            )
    Ride.objects.bulk_create(rides)
    return len(rides)
