"""Years of made-up data for measuring speed (`manage.py seed_scale`, `make bench`).

Everything is written with ``bulk_create`` and passes every constraint PostgreSQL holds:
no venue, facilitator, participant or driver is ever in two places at once (the rows
are planned on a grid of time blocks that never overlap, below), one holder per slot,
one live place per person per course, consents with their dates, money in Decimal
priced as the app prices it. The same arguments on the same day give the same rows:
every choice comes from one ``random.Random(seed)`` and every time from today's date.

At ``years=10`` (and ``scale=1``) it writes what issue 17 asks for: 40 venues,
8 programmes, 600 courses, 3,600 sessions, 150 facilitators, 20,000 participants with
referrals, places, registers and scores, 400 volunteers, 60,000 expense claims,
2,000 rides and 150,000 messages. Everything grows in step with ``years × scale``;
``scale`` below 1 makes a small copy for tests.

When the demo's people exist (``seed_demo`` ran first, as `make bench` does), the
demo facilitators, volunteers and drivers get their share of sessions, claims and rides,
so their own pages are measured at scale too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from expenses.models import (
    Allocation,
    Budget,
    Category,
    DirectSpend,
    ExpenseClaim,
    ExpenseEvent,
    ExpenseKind,
    ExpenseStatus,
    Rates,
    financial_year_of,
    tax_year_of,
)
from facilitators.models import FacilitatorProfile, SessionClaim, Training
from hope.models import Message, MessageStatus, User
from hope.roles import FacilitatorKind, Role
from programmes.measures import ITEMS, Measure, Timepoint, score_items
from programmes.models import (
    Attendance,
    Channel,
    ConsentMethod,
    Course,
    CourseStatus,
    Delivery,
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
    ride_window,
)
from programmes.models.rides import USUAL_PICKUP_LEAD, Direction
from venues.models import PRICES_FROM, Setting, Venue, VenuePrice

D = Decimal
PENNY = D("0.01")
LONDON = ZoneInfo(settings.TIME_ZONE)
SEED = 17
# The marker seed_scale looks for: these venues exist only once the scale data is in.
VENUE_PREFIX = "Scale venue"
EMAIL_DOMAIN = "scale.example.org"
BATCH = 2000

# Per year of data, at scale 1 (issue 17's ten-year figures divided by ten).
PER_YEAR = {
    "venues": 4,
    "programmes": 0.8,
    "courses": 60,
    "facilitators": 15,
    "participants": 2000,
    "volunteers": 40,
    "expense_claims": 6000,
    "rides": 200,
    "messages": 15000,
}
SESSIONS_PER_COURSE = 6

# Time blocks that never overlap one another, so planning on (day, block) keeps the
# exclusion constraints: a session at a venue, a facilitator's and a participant's
# sessions. Each is (start, longest session in it): 10:00-12:30, 13:30-16:00 and online
# 18:30-21:00.
BLOCKS = [time(10, 0), time(13, 30), time(18, 30)]
ONLINE_BLOCK = 2


@dataclass(frozen=True)
class Volumes:
    venues: int
    programmes: int
    courses: int
    facilitators: int
    participants: int
    volunteers: int
    expense_claims: int
    rides: int
    messages: int

    @classmethod
    def for_years(cls, years: int, scale: float = 1.0) -> Volumes:
        def n(key: str, least: int) -> int:
            return max(least, round(PER_YEAR[key] * years * scale))

        return cls(
            venues=n("venues", 2),
            programmes=n("programmes", 2),
            courses=n("courses", 4),
            facilitators=n("facilitators", 4),
            participants=n("participants", 40),
            volunteers=n("volunteers", 4),
            expense_claims=n("expense_claims", 20),
            rides=n("rides", 4),
            messages=n("messages", 20),
        )


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


def block_of(moment: datetime) -> int:
    hour = timezone.localtime(moment, LONDON).hour
    return 0 if hour < 12 else 1 if hour < 17 else 2


class Builder:
    """Plans and writes the rows, table by table, in the order foreign keys need."""

    def __init__(self, *, years: int, scale: float = 1.0, seed: int = SEED, out=None):
        self.years = years
        self.volumes = Volumes.for_years(years, scale)
        # Made-up rows, not secrets: a seeded generator is the point (the same rows each run).
        self.rng = random.Random(seed)  # noqa: S311
        self.today = timezone.localdate()
        self.first_day = self.today - timedelta(days=365 * years)
        # Courses start up to twelve weeks ahead, so boards and cover have sessions to come.
        self.last_start = self.today + timedelta(weeks=12)
        self.now = local(self.today, time(0, 0))
        self.out = out
        self.counts: dict[str, int] = {}

    # --- helpers ----------------------------------------------------------------

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text)

    def save(self, model, rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=BATCH)
        self.counts[model._meta.db_table] = self.counts.get(model._meta.db_table, 0) + len(rows)
        return created

    def moment(self, day: date, hour: int = 9) -> datetime:
        return local(day, time(hour, self.rng.randrange(60)))

    def day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max(1, (end - start).days + 1)))

    # --- the whole run ----------------------------------------------------------

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.people()
            self.venues_and_programmes()
            self.courses_and_sessions()
            self.facilitators()
            self.participants()
            self.rides()
            self.money()
            self.messages()
        return self.counts

    # --- people -----------------------------------------------------------------

    def people(self) -> None:
        groups = {g.name: g for g in Group.objects.all()}
        existing = {u.email: u for u in User.objects.all()}
        self.coordinator = existing.get("coordinator@example.org")
        self.finance = existing.get("finance@example.org")
        users, roles = [], []
        joined = local(self.first_day, time(9, 0))

        def person(email: str, name: str, role_list: list[str], driver=False) -> User:
            user = User(
                email=email,
                full_name=name,
                password="!scale-no-password",  # noqa: S106 (unusable: cannot sign in)
                is_driver=driver,
                date_joined=joined,
            )
            users.append(user)
            roles.append(role_list)
            return user

        if self.coordinator is None:
            self.coordinator = person(
                f"coordinator@{EMAIL_DOMAIN}", "Scale Coordinator", [Role.COORDINATOR]
            )
        if self.finance is None:
            self.finance = person(f"finance@{EMAIL_DOMAIN}", "Scale Finance", [Role.FINANCE_LEAD])
        self.new_facilitators = []
        for n in range(self.volumes.facilitators):
            kind = FacilitatorKind.WORKFORCE if n % 2 == 0 else FacilitatorKind.LIVED_EXPERIENCE
            user = person(
                f"facilitator{n + 1}@{EMAIL_DOMAIN}",
                f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[n % len(SURNAMES)]}-{n + 1}",
                [Role.FACILITATOR],
            )
            self.new_facilitators.append((user, kind))
        self.volunteers = []
        for n in range(self.volumes.volunteers):
            self.volunteers.append(
                person(
                    f"volunteer{n + 1}@{EMAIL_DOMAIN}",
                    f"{FIRST_NAMES[(n + 7) % len(FIRST_NAMES)]} "
                    f"{SURNAMES[(n + 3) % len(SURNAMES)]}-{n + 1}",
                    [Role.VOLUNTEER],
                    driver=n % 4 == 0,
                )
            )
        self.save(User, users)
        through = User.groups.through
        self.save(
            through,
            [
                through(user_id=user.pk, group_id=groups[str(role)].pk)
                for user, role_list in zip(users, roles, strict=True)
                for role in role_list
            ],
        )
        # The demo's volunteers and drivers join in (their pages are measured at scale).
        for email in ("volunteer@example.org", "driver2@example.org", "helper@example.org"):
            if email in existing:
                self.volunteers.append(existing[email])
        self.drivers = [u for u in self.volunteers if u.is_driver]

    # --- venues, programmes, courses, sessions -------------------------------------

    def venues_and_programmes(self) -> None:
        settings_cycle = [Setting.COMMUNITY, Setting.COMMUNITY, Setting.GP_SURGERY,
                          Setting.COMMUNITY_HOSPITAL]  # fmt: skip
        venues = []
        for n in range(self.volumes.venues):
            venues.append(
                Venue(
                    name=f"{VENUE_PREFIX} {n + 1:02d} – {PLACES[n % len(PLACES)]}",
                    address=f"{n + 1} High Street\n{PLACES[n % len(PLACES)]}",
                    postcode=f"NG{n % 20 + 1} {n % 9 + 1}SC",
                    setting=settings_cycle[n % len(settings_cycle)],
                    room_capacity=12 + n % 10,
                    hire_cost=D(self.rng.choice(["0.00", "15.00", "20.00", "25.00", "40.00"])),
                    step_free_access=n % 5 != 0,
                    accessible_toilet=n % 3 != 0,
                    hearing_loop=n % 2 == 0,
                    parking=n % 4 != 1,
                    near_public_transport=True,
                    created_at=local(self.first_day, time(9, 0)),
                )
            )
        self.venues = self.save(Venue, venues)
        # Venue.save() keeps the price history; bulk_create does not call it, so the
        # history is written here: the first price from the start, and for half the
        # venues a rise half way through (sessions before it keep the old price).
        prices = []
        middle = self.first_day + (self.today - self.first_day) / 2
        for n, venue in enumerate(self.venues):
            if n % 2 and venue.hire_cost > 0:
                prices.append(
                    VenuePrice(
                        venue=venue, valid_from=PRICES_FROM, hire_cost=venue.hire_cost - D("5.00")
                    )
                )
                prices.append(VenuePrice(venue=venue, valid_from=middle, hire_cost=venue.hire_cost))
            else:
                prices.append(
                    VenuePrice(venue=venue, valid_from=PRICES_FROM, hire_cost=venue.hire_cost)
                )
        self.save(VenuePrice, prices)

        programmes = []
        for n in range(self.volumes.programmes):
            online = n % 8 == 7
            measures = [[Measure.SWEMWBS], [Measure.WEMWBS], [Measure.SWEMWBS, Measure.PAM]][n % 3]
            programmes.append(
                Programme(
                    name=f"HOPE scale variant {n + 1}{' (online)' if online else ''}",
                    description="Made up by seed_scale for measuring speed.",
                    sessions_per_course=SESSIONS_PER_COURSE,
                    session_length=timedelta(hours=2, minutes=30 if n % 2 == 0 else 0),
                    usual_group_size=12,
                    delivery=Delivery.ONLINE if online else Delivery.IN_PERSON,
                    completion_min_sessions=3,
                    measures=measures,
                )
            )
        self.programmes = self.save(Programme, programmes)

    def courses_and_sessions(self) -> None:
        taken: set[tuple[int | None, date, int]] = set()
        span = (self.last_start - self.first_day).days
        count = self.volumes.courses
        courses, plans = [], []
        for n in range(count):
            programme = self.programmes[n % len(self.programmes)]
            online = programme.delivery == Delivery.ONLINE
            venue = None if online else self.venues[self.rng.randrange(len(self.venues))]
            block = ONLINE_BLOCK if online else self.rng.randrange(2)
            first = self.first_day + timedelta(days=span * n // count + self.rng.randrange(7))
            # Move on a day at a time until the venue (or the online evening) is free on
            # all six weeks: the venue exclusion constraint, planned rather than tripped.
            while True:
                days = [first + timedelta(weeks=w) for w in range(SESSIONS_PER_COURSE)]
                keys = [(venue.pk if venue else None, d, block) for d in days]
                if first.weekday() < 5 and not any(k in taken for k in keys):
                    break
                first += timedelta(days=1)
            if venue is not None:
                taken.update(keys)
            else:
                # Online courses share no room; two at once would still need four
                # facilitators, so keep them apart too.
                taken.update(keys)
            status = CourseStatus.PUBLISHED
            if first > self.today + timedelta(weeks=8) and n % 3 == 0:
                status = CourseStatus.DRAFT
            elif n % 37 == 5:
                status = CourseStatus.CANCELLED
            created = local(first - timedelta(weeks=8), time(11, 0))
            courses.append(
                Course(
                    title=f"{programme.name.removeprefix('HOPE ')} – course {n + 1}",
                    programme=programme,
                    venue=venue,
                    capacity=12,
                    status=status,
                    created_by=self.coordinator,
                    created_at=created,
                )
            )
            plans.append((days, block))
        self.courses = self.save(Course, courses)
        sessions = []
        for course, (days, block) in zip(self.courses, plans, strict=True):
            length = course.programme.session_length
            for number, day in enumerate(days, start=1):
                start = local(day, BLOCKS[block])
                sessions.append(
                    Session(
                        course=course,
                        number=number,
                        start=start,
                        end=start + length,
                        venue=course.venue,
                        is_cancelled=course.status == CourseStatus.CANCELLED,
                    )
                )
        self.sessions = self.save(Session, sessions)
        self.sessions_of: dict[int, list[Session]] = {}
        for session in self.sessions:
            self.sessions_of.setdefault(session.course_id, []).append(session)

    # --- facilitators and their claims --------------------------------------------

    def facilitators(self) -> None:
        profiles = []
        for user, kind in self.new_facilitators:
            profiles.append(
                FacilitatorProfile(
                    user=user,
                    kind=kind,
                    calendar_token=f"scale{self.rng.getrandbits(128):032x}",
                    created_at=user.date_joined,
                )
            )
        self.save(FacilitatorProfile, profiles)
        demo = list(
            FacilitatorProfile.objects.filter(user__email__endswith="@example.org")
            .exclude(pk__in=[p.pk for p in profiles])
            .select_related("user")
            .order_by("pk")
        )
        everyone = profiles + demo
        trainings = []
        trained: dict[int, set[int]] = {}
        for n, profile in enumerate(everyone):
            # Everyone is trained for most programmes; the demo people for all of them.
            for m, programme in enumerate(self.programmes):
                if profile in demo or (n + m) % 4 != 0:
                    on = self.first_day + timedelta(days=self.rng.randrange(200))
                    trainings.append(
                        Training(
                            profile=profile,
                            programme=programme,
                            trained_on=on,
                            refreshed_on=None if n % 3 else on + timedelta(days=700),
                        )
                    )
                    trained.setdefault(programme.pk, set()).add(profile.pk)
        self.save(Training, trainings)

        # What each person already holds (the demo's own claims), by (day, block).
        busy: dict[int, set[tuple[date, int]]] = {p.pk: set() for p in everyone}
        for facilitator_id, start in SessionClaim.objects.filter(
            released_at__isnull=True
        ).values_list("facilitator_id", "start"):
            if facilitator_id in busy:
                busy[facilitator_id].add(
                    (timezone.localtime(start, LONDON).date(), block_of(start))
                )
        by_kind = {
            kind: [p for p in everyone if p.kind == kind]
            for kind in (FacilitatorKind.WORKFORCE, FacilitatorKind.LIVED_EXPERIENCE)
        }
        demo_by_kind = {kind: [p for p in demo if p.kind == kind] for kind in by_kind}
        claims = []
        for session in self.sessions:
            course = self.courses_by_pk[session.course_id]
            if course.status != CourseStatus.PUBLISHED:
                continue
            future = session.start > self.now
            key = (timezone.localtime(session.start, LONDON).date(), block_of(session.start))
            for kind, people in by_kind.items():
                if self.rng.random() > (0.6 if future else 0.96):
                    continue  # a gap: for the board and the cover page
                # The demo's facilitators hold a steady share, so "my sessions" grows.
                pool = (
                    demo_by_kind[kind]
                    if demo_by_kind[kind] and self.rng.random() < 0.08
                    else people
                )
                for _ in range(8):
                    holder = pool[self.rng.randrange(len(pool))]
                    if (
                        holder.pk in trained.get(course.programme_id, ())
                        and key not in busy[holder.pk]
                    ):
                        break
                else:
                    continue
                busy[holder.pk].add(key)
                claims.append(
                    SessionClaim(
                        session=session,
                        kind=kind,
                        facilitator=holder,
                        start=session.start,
                        end=session.end,
                        claimed_at=min(
                            self.now, session.start - timedelta(days=self.rng.randrange(5, 60))
                        ),
                        claimed_by=holder.user,
                    )
                )
        self.save(SessionClaim, claims)

    @property
    def courses_by_pk(self) -> dict[int, Course]:
        if not hasattr(self, "_courses_by_pk"):
            self._courses_by_pk = {c.pk: c for c in self.courses}
        return self._courses_by_pk

    # --- participants: referrals, places, registers, scores ------------------------

    def participants(self) -> None:
        count = self.volumes.participants
        span = (self.today - self.first_day).days
        people, referrals_received = [], []
        for n in range(count):
            received = self.first_day + timedelta(days=span * n // count)
            first = FIRST_NAMES[self.rng.randrange(len(FIRST_NAMES))]
            surname = BIRDS[self.rng.randrange(len(BIRDS))]
            channel = [Channel.EMAIL, Channel.EMAIL, Channel.SMS, Channel.LETTER][n % 4]
            transport = n % 9 == 0
            person = Participant(
                full_name=f"{first} {surname}",
                email=f"p{n + 1}@example.org",
                mobile=f"07700 900{n % 1000:03d}",
                preferred_channel=channel,
                postal_address="1 Example Road\nNorthgate" if channel == Channel.LETTER else "",
                needs_transport=transport,
                pickup_postcode=f"NG{n % 9 + 1} {n % 9 + 1}AB" if transport else "",
                transport_legs=TransportLegs.BOTH,
                consent_contact=True,
                consent_contact_on=received,
                consent_contact_how=ConsentMethod.SPOKEN,
                consent_evaluation=n % 5 != 0,
                consent_evaluation_on=received if n % 5 != 0 else None,
                consent_evaluation_how=ConsentMethod.WRITTEN if n % 5 != 0 else "",
                created_by=self.coordinator,
                created_at=local(received, time(10, 0)),
            )
            people.append(person)
            referrals_received.append(received)
        self.participant_rows = self.save(Participant, people)

        # Courses in the order they start take the people referred in the ten weeks before,
        # first come first served, until full: the rest wait, decline or were not reached.
        order = sorted(
            (c for c in self.courses if c.status == CourseStatus.PUBLISHED),
            key=lambda c: self.sessions_of[c.pk][0].start,
        )
        placed: dict[int, Course] = {}
        cursor = 0
        for course in order:
            first_day = timezone.localtime(self.sessions_of[course.pk][0].start, LONDON).date()
            while cursor < count and referrals_received[cursor] < first_day - timedelta(weeks=10):
                cursor += 1
            taken = 0
            k = cursor
            target = self.rng.randrange(8, course.capacity + 1)
            while k < count and taken < target and referrals_received[k] < first_day:
                if k not in placed and self.rng.random() < 0.7:
                    placed[k] = course
                    taken += 1
                k += 1
        referrals = []
        for k, person in enumerate(self.participant_rows):
            received = referrals_received[k]
            source, referrer = REFERRERS[self.rng.randrange(len(REFERRERS))]
            course = placed.get(k)
            if course is not None:
                first_day = timezone.localtime(self.sessions_of[course.pk][0].start, LONDON).date()
                status, closed = ReferralStatus.ENROLLED, min(first_day, self.today)
                closed = max(closed, received)
            elif (self.today - received).days < 70:
                status, closed = (
                    self.rng.choice(
                        [ReferralStatus.NEW, ReferralStatus.CONTACTED, ReferralStatus.OFFERED]
                    ),
                    None,
                )
            else:
                status = self.rng.choice([ReferralStatus.DECLINED, ReferralStatus.NOT_REACHED])
                closed = received + timedelta(days=self.rng.randrange(3, 40))
            referrals.append(
                Referral(
                    participant=person,
                    source=source,
                    referrer=referrer,
                    received_on=received,
                    course=course,
                    status=status,
                    closed_on=closed,
                    created_by=self.coordinator,
                    created_at=local(received, time(10, 0)),
                )
            )
        self.save(Referral, referrals)

        place_rows = []
        for k, course in placed.items():
            sessions = self.sessions_of[course.pk]
            enrolled_at = min(
                local(referrals_received[k], time(11, 0)) + timedelta(days=7),
                sessions[0].start - timedelta(days=1),
            )
            # One in twenty stops after the second session.
            leaves = k % 20 == 3 and sessions[2].start < self.now
            place_rows.append(
                Place(
                    course=course,
                    participant=self.participant_rows[k],
                    status=PlaceStatus.WITHDRAWN if leaves else PlaceStatus.ENROLLED,
                    waiting_since=enrolled_at,
                    enrolled_at=enrolled_at,
                    left_at=sessions[2].start - timedelta(days=1) if leaves else None,
                    feedback="It helped me plan my week." if k % 7 == 0 else "",
                    created_at=enrolled_at,
                )
            )
        self.places = self.save(Place, place_rows)

        lines, scores = [], []
        marker = self.coordinator
        for place in self.places:
            sessions = self.sessions_of[place.course_id]
            course = self.courses_by_pk[place.course_id]
            left = place.status == PlaceStatus.WITHDRAWN
            attended_first = attended_last = False
            for session in sessions:
                expected = not (left and session.number > 2)
                mark = ""
                if session.start < self.now and expected:
                    roll = self.rng.random()
                    mark = (
                        Mark.PRESENT
                        if roll < 0.85
                        else Mark.APOLOGIES
                        if roll < 0.93
                        else Mark.ABSENT
                    )
                attended_first |= session.number == 1 and mark == Mark.PRESENT
                attended_last |= session.number == SESSIONS_PER_COURSE and mark == Mark.PRESENT
                lines.append(
                    Attendance(
                        place=place,
                        session=session,
                        participant_id=place.participant_id,
                        start=session.start,
                        end=session.end,
                        expected=expected,
                        mark=mark,
                        marked_at=session.end if mark else None,
                        marked_by=marker if mark else None,
                    )
                )
            if not place.participant.consent_evaluation:
                continue
            for timepoint, attended, session in (
                (Timepoint.FIRST, attended_first, sessions[0]),
                (Timepoint.LAST, attended_last, sessions[-1]),
            ):
                if not attended:
                    continue
                for measure in course.programme.measures:
                    scores.append(self.score(place, measure, timepoint, session.end))
        self.lines = self.save(Attendance, lines)
        self.save(Score, scores)

    def score(self, place: Place, measure: str, timepoint: str, when: datetime) -> Score:
        lift = 1 if timepoint == Timepoint.LAST else 0
        if measure == Measure.PAM:
            total = D(self.rng.randrange(350, 800)) / 10 + lift * 4
            level = 1 + min(3, int(total) // 25)
            return Score(place=place, measure=measure, timepoint=timepoint, items=[],
                         total=total, level=level, recorded_by=self.coordinator,
                         created_at=when)  # fmt: skip
        answers = [min(5, self.rng.randrange(1, 5) + lift) for _ in range(ITEMS[measure])]
        scored = score_items(measure, answers)
        return Score(place=place, measure=measure, timepoint=timepoint, items=scored.items,
                     total=scored.total, metric=scored.metric, recorded_by=self.coordinator,
                     created_at=when)  # fmt: skip

    # --- rides ----------------------------------------------------------------------

    def rides(self) -> None:
        transport = {p.pk for p in self.participant_rows if p.needs_transport}
        candidates = [
            line for line in self.lines if line.expected and line.participant_id in transport
        ]
        self.rng.shuffle(candidates)
        chosen = sorted(candidates[: self.volumes.rides], key=lambda line: line.start)
        sessions = {s.pk: s for s in self.sessions}
        # A driver takes people to one session a day (several passengers to the same
        # session share the car): the driver's exclusion constraint, planned.
        driving: dict[tuple[int, date], int] = {}
        for driver_id, session_id, start in Ride.objects.held().values_list(
            "driver_id", "session_id", "start"
        ):
            driving[(driver_id, timezone.localtime(start, LONDON).date())] = session_id
        rides = []
        self.held_rides = []
        for line in chosen:
            session = sessions[line.session_id]
            start, end = ride_window(Direction.BOTH, session, USUAL_PICKUP_LEAD)
            driver = None
            if self.drivers and (session.start < self.now or self.rng.random() < 0.6):
                day = timezone.localtime(session.start, LONDON).date()
                for _ in range(6):
                    candidate = self.drivers[self.rng.randrange(len(self.drivers))]
                    if driving.get((candidate.pk, day), session.pk) == session.pk:
                        driver = candidate
                        driving[(candidate.pk, day)] = session.pk
                        break
            ride = Ride(
                attendance=line,
                session=session,
                participant_id=line.participant_id,
                direction=Direction.BOTH,
                start=start,
                end=end,
                session_revision=session.revision,
                driver=driver,
                driver_since=start - timedelta(days=5) if driver else None,
                created_at=start - timedelta(days=10),
            )
            rides.append(ride)
        self.save(Ride, rides)

    # --- money ------------------------------------------------------------------------

    def money(self) -> None:
        rates = Rates.current()
        first_year = financial_year_of(self.first_day)
        last_year = financial_year_of(self.today)
        # About £35 of budget for every claim a year brings: spend lands near the budget.
        yearly_total = D(max(1, self.volumes.expense_claims // self.years) * 35)
        for year in range(first_year, last_year + 1):
            budget, _ = Budget.objects.update_or_create(
                start_year=year, defaults={"total": yearly_total}
            )
            for category, share in ALLOCATION_SHARES.items():
                Allocation.objects.update_or_create(
                    budget=budget, category=category,
                    defaults={"amount": (yearly_total * share).quantize(PENNY)},
                )  # fmt: skip
        spends = []
        for year in range(first_year, last_year + 1):
            for k in range(max(1, self.volumes.expense_claims // self.years // 300)):
                day = date(year, 4, 1) + timedelta(days=self.rng.randrange(365))
                if day > self.today:
                    continue
                spends.append(
                    DirectSpend(
                        spent_on=day,
                        category=Category.TRAINING,
                        description=f"Facilitator training materials, order {k + 1}",
                        amount=D(self.rng.randrange(5000, 40000)) / 100,
                        recorded_by=self.finance,
                        created_at=local(day, time(12, 0)),
                    )
                )
        self.save(DirectSpend, spends)

        claimants = self.volunteers + [user for user, _ in self.new_facilitators]
        count = self.volumes.expense_claims
        span = (self.today - self.first_day).days
        planned = []
        for n in range(count):
            day = self.first_day + timedelta(days=span * n // count)
            claimant = claimants[self.rng.randrange(len(claimants))]
            planned.append((day, claimant))
        # Claims are handed in in the order they were spent: each mileage claim is priced
        # against the miles its claimant handed in before it in that tax year (as
        # expenses.services.price_mileage does), split at the threshold.
        miles_so_far: dict[tuple[int, int], Decimal] = {}
        claims, histories = [], []
        for n, (day, claimant) in enumerate(planned):
            age = (self.today - day).days
            if age > 60:
                roll = self.rng.random()
                status = ExpenseStatus.REJECTED if roll < 0.03 else ExpenseStatus.PAID
            else:
                status = self.rng.choice(
                    [ExpenseStatus.DRAFT, ExpenseStatus.SUBMITTED, ExpenseStatus.SUBMITTED,
                     ExpenseStatus.APPROVED, ExpenseStatus.PAID]
                )  # fmt: skip
            submitted = local(day, time(19, 0)) + timedelta(days=1)
            claim = ExpenseClaim(
                claimant=claimant,
                status=status,
                spent_on=day,
                created_at=local(day, time(18, 0)),
                submitted_at=None if status == ExpenseStatus.DRAFT else submitted,
            )
            if claimant.is_driver and n % 2 == 0:
                claim.kind = ExpenseKind.MILEAGE
                claim.category = Category.DRIVERS
                claim.start_postcode, claim.end_postcode = "NG4 2RL", "NG7 1OL"
                claim.miles = D(self.rng.randrange(50, 900)) / 10
                claim.passengers = self.rng.randrange(0, 4)
                claim.purpose = "Taking participants to their session"
                claim.description = claim.mileage_description()
                key = (claimant.pk, tax_year_of(day))
                before = miles_so_far.get(key, D("0"))
                room = max(D(rates.threshold_miles) - before, D("0"))
                claim.miles_at_car_rate = min(claim.miles, room)
                claim.miles_at_lower_rate = claim.miles - claim.miles_at_car_rate
                claim.amount = (
                    claim.miles_at_car_rate * rates.car_rate
                    + claim.miles_at_lower_rate * rates.car_rate_after
                    + claim.miles * claim.passengers * rates.passenger_rate
                ).quantize(PENNY, rounding=ROUND_HALF_UP)
                if status != ExpenseStatus.DRAFT:
                    claim.keep_rates(rates)
                if status not in (ExpenseStatus.DRAFT, ExpenseStatus.REJECTED):
                    miles_so_far[key] = before + claim.miles
            else:
                claim.kind = ExpenseKind.EXPENSE
                claim.category, claim.description = EXPENSES[self.rng.randrange(len(EXPENSES))]
                claim.amount = D(self.rng.randrange(250, 6000)) / 100
            events = []
            if status != ExpenseStatus.DRAFT:
                events.append(("draft", "submitted", claimant, submitted, ""))
            if status == ExpenseStatus.REJECTED:
                claim.decided_by, claim.decided_at = self.finance, submitted + timedelta(days=3)
                claim.rejection_reason = "Attach the receipt and submit it again."
                events.append(("submitted", "rejected", self.finance, claim.decided_at,
                               claim.rejection_reason))  # fmt: skip
            if status in (ExpenseStatus.APPROVED, ExpenseStatus.PAID):
                claim.decided_by, claim.decided_at = self.finance, submitted + timedelta(days=3)
                events.append(("submitted", "approved", self.finance, claim.decided_at, ""))
            if status == ExpenseStatus.PAID:
                paid = submitted + timedelta(days=10)
                claim.paid_on = timezone.localtime(paid, LONDON).date()
                claim.payment_reference = f"BACS-{claim.paid_on:%y%m%d}-{n + 1}"
                events.append(("approved", "paid", self.finance, paid,
                               f"Paid, ref. {claim.payment_reference}"))  # fmt: skip
            claims.append(claim)
            histories.append(events)
        claims = self.save(ExpenseClaim, claims)
        self.save(
            ExpenseEvent,
            [
                ExpenseEvent(claim=claim, from_status=a, to_status=b, by=by, at=at, note=note)
                for claim, events in zip(claims, histories, strict=True)
                for a, b, by, at, note in events
            ],
        )

    # --- messages ------------------------------------------------------------------------

    def messages(self) -> None:
        recipients = list(User.objects.order_by("pk"))
        count = self.volumes.messages
        span_seconds = int((self.now - local(self.first_day, time(0, 0))).total_seconds())
        body_kept_from = self.now - timedelta(days=settings.RETENTION_MESSAGE_BODY_DAYS)
        rows = []
        for n in range(count):
            due = local(self.first_day, time(0, 0)) + timedelta(
                seconds=span_seconds * n // count + self.rng.randrange(3600)
            )
            user = recipients[self.rng.randrange(len(recipients))]
            kind, subject = MESSAGES[n % len(MESSAGES)]
            failed = n % 97 == 0
            rows.append(
                Message(
                    key=f"scale:{n + 1}",
                    kind=kind,
                    channel="email",
                    recipient=user,
                    to_address=user.email,
                    subject=subject,
                    # Retention keeps a message's text for 90 days, then who, when and the
                    # subject only.
                    body_text=f"{subject}.\n\nHOPE Coordinator" if due > body_kept_from else "",
                    due_at=due,
                    status=MessageStatus.FAILED if failed else MessageStatus.SENT,
                    attempts=5 if failed else 1,
                    next_attempt_at=due,
                    sent_at=None if failed else due + timedelta(seconds=30),
                    last_error="SMTP 451: try again later" if failed else "",
                    created_at=due,
                )
            )
        self.save(Message, rows)


ALLOCATION_SHARES = {
    Category.VENUE_HIRE: D("0.10"),
    Category.TRAINING: D("0.10"),
    Category.VOLUNTEER_EXPENSES: D("0.40"),
    Category.DRIVERS: D("0.35"),
    Category.OTHER: D("0.05"),
}
EXPENSES = [
    (Category.VOLUNTEER_EXPENSES, "Tea, coffee and biscuits for the group"),
    (Category.VOLUNTEER_EXPENSES, "Printing course handbooks"),
    (Category.VOLUNTEER_EXPENSES, "Bus fares to the course"),
    (Category.VOLUNTEER_EXPENSES, "Flip-chart paper and pens"),
    (Category.TRAINING, "Refresher day travel"),
    (Category.OTHER, "Certificates for the celebration session"),
]
MESSAGES = [
    ("reminder", "Reminder: your HOPE session"),
    ("participant_reminder", "Your HOPE session is coming up"),
    ("digest", "Sessions that need a facilitator"),
    ("claim_paid", "Your expense claim was paid"),
    ("notice", "A change to your rota"),
]
REFERRERS = [
    (ReferralSource.GP, "Dr Patel, Riverside Surgery"),
    (ReferralSource.SOCIAL_PRESCRIBER, "Sam Lee, social prescribing team"),
    (ReferralSource.PRACTICE_NURSE, "Nurse Jones, Parkside"),
    (ReferralSource.SELF, ""),
    (ReferralSource.VOLUNTARY_SECTOR, "Carers' centre"),
    (ReferralSource.HOSPITAL_TEAM, "Respiratory team, Northgate"),
]
FIRST_NAMES = ["Alex", "Bea", "Carl", "Dina", "Eli", "Fay", "Gus", "Hana", "Ira", "Jo", "Kit",
               "Lena", "Max", "Nia", "Omar", "Pia", "Quin", "Rosa", "Sid", "Tara", "Uma",
               "Vic", "Wyn", "Yas", "Zed"]  # fmt: skip
SURNAMES = ["Ashby", "Brook", "Carter", "Dale", "Ellis", "Frost", "Grant", "Hale", "Irwin",
            "Joyce", "Kemp", "Lowe", "Marsh", "Noble", "Owen", "Price", "Reed", "Shaw"]  # fmt: skip
BIRDS = ["Wren", "Finch", "Starling", "Lapwing", "Curlew", "Plover", "Linnet", "Siskin",
         "Dunnock", "Redpoll", "Bunting", "Swift", "Martin", "Heron", "Egret",
         "Kestrel"]  # fmt: skip
PLACES = ["Northgate", "Riverside", "Oakfield", "Parkside", "Eastbrook", "Westcliff",
          "Hillcrest", "Millbank", "Southmoor", "Kingsley"]  # fmt: skip
