"""One of everything a URL can name, for tests that visit every page."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Model
from django.utils import timezone

from expenses.models import ExpenseStatus
from facilitators.models import CoverRequest
from programmes.models import Place, PlaceStatus, Ride
from programmes.services.participants import place_request
from programmes.services.rides import ride_take
from tests.expenses.rides import ride_for
from tests.factories import (
    AttendanceFactory,
    BudgetFactory,
    ClosureDateFactory,
    CourseFactory,
    DirectSpendFactory,
    ExpenseClaimFactory,
    FacilitatorProfileFactory,
    InvitationFactory,
    ParticipantFactory,
    PlaceFactory,
    ReferralFactory,
    SessionClaimFactory,
    TrainingFactory,
    UserFactory,
    pdf_upload,
)


def fresh(row: Model) -> Model | None:
    """The row as the database has it now; None once it is deleted."""
    return type(row)._base_manager.filter(pk=row.pk).first()


class Samples(dict):
    """Each URL argument by name (a pk, a token, a year), as ``reverse`` wants them;
    ``fresh(name)`` reads that sample again, to see what a request changed."""

    def __init__(self, rows: dict[str, Model], values: dict[str, object]):
        super().__init__({name: row.pk for name, row in rows.items()}, **values)
        self.rows = rows

    def fresh(self, name: str) -> Model | None:
        return fresh(self.rows[name])


def make_samples(personas, *, budget=None, n: int = 0) -> Samples:
    """Objects for each kind of URL argument: the sample claim is the workforce
    facilitator's and the sample expense the volunteer's. ``n`` spaces each call's course
    hours apart, so samples made in a loop never overlap.

    The course's sessions: the first held by the workforce facilitator (``claim``), the
    second held too and offered for cover (``cover_request``), the third free for both
    facilitators (both are trained), the fourth a workforce colleague's, offered for cover
    (``colleague_cover_request``). ``participants_course`` starts in three days; the
    workforce facilitator holds its first session, so sees its participants; nobody holds
    a session of ``unheld_course``, which starts the day after.

    A second course began yesterday: its first session (``held_session``) was held by the
    workforce facilitator, with one participant on its register (``register_line``).

    Two participants need a lift to the first session of a course ten days away (10:00,
    plus ``n`` times five hours): the volunteer driver holds the first one's ride
    (``ride``; ``ride_pickup``, twenty minutes before the start, is a time it may be
    collected at); nobody holds the second's
    (``open_ride``), so it is on the board and among the rides wanted. The volunteer
    also drove another participant there and back (``claimable_ride``), not yet claimed
    for."""
    workforce = personas["workforce"].facilitator_profile
    lived = personas["lived"].facilitator_profile
    budget = budget or BudgetFactory()
    invitation = InvitationFactory(invited_by=personas["coordinator"])
    course = CourseFactory(first_start=timezone.now() + timedelta(days=30, hours=5 * n))
    session, offered, free_session, colleagues = course.sessions.order_by("number")[:4]
    TrainingFactory(profile=workforce, programme=course.programme)
    TrainingFactory(profile=lived, programme=course.programme)
    # Claimed by the facilitator just now: still theirs to undo.
    claim = SessionClaimFactory(session=session, facilitator=workforce, claimed_by=workforce.user)
    cover_request = CoverRequest.objects.create(
        claim=SessionClaimFactory(session=offered, facilitator=workforce)
    )
    colleague = FacilitatorProfileFactory(kind=workforce.kind)
    colleague_cover_request = CoverRequest.objects.create(
        claim=SessionClaimFactory(session=colleagues, facilitator=colleague)
    )
    # A course starting in three days (its participants shown to the workforce facilitator,
    # who holds its first session): a participant referred to it and enrolled, someone
    # else offered a place, and a new referral waiting in the queue.
    soon = CourseFactory(first_start=timezone.now() + timedelta(days=3, hours=5 * n))
    SessionClaimFactory(session=soon.sessions.order_by("number").first(), facilitator=workforce)
    participant = ParticipantFactory(access_needs="Hearing loop")
    ReferralFactory(participant=participant, course=soon)
    place = place_request(participant=participant, course=soon, by=personas["coordinator"])
    referral = ReferralFactory(course=soon)
    unheld = CourseFactory(first_start=timezone.now() + timedelta(days=4, hours=5 * n))
    offer = Place.objects.create(
        course=soon,
        participant=ParticipantFactory(),
        status=PlaceStatus.OFFERED,
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + timedelta(days=3),
    )
    held_course = CourseFactory(first_start=timezone.now() - timedelta(days=1, hours=5 * n))
    held_session = held_course.sessions.order_by("number").first()
    SessionClaimFactory(session=held_session, facilitator=workforce)
    register_line = AttendanceFactory(place=PlaceFactory(course=held_course), session=held_session)
    # A ride the volunteer drove to that session, not yet claimed for.
    claimable_ride = ride_for(
        held_session, ParticipantFactory(needs_transport=True, pickup_postcode="NG4 2RL"),
        by=personas["volunteer"],
    )  # fmt: skip
    ride, open_ride = _rides(personas, n)
    expense = ExpenseClaimFactory(claimant=personas["volunteer"], receipt=pdf_upload())
    spend = DirectSpendFactory(attachment=pdf_upload())
    # Claims waiting for finance, so their decide and pay forms are on the pages.
    submitted = ExpenseClaimFactory(
        claimant=personas["volunteer"], status=ExpenseStatus.SUBMITTED, submitted_at=timezone.now()
    )
    approved = ExpenseClaimFactory(
        claimant=personas["volunteer"],
        status=ExpenseStatus.APPROVED,
        submitted_at=timezone.now(),
        decided_by=personas["finance"],
        decided_at=timezone.now(),
    )
    return Samples(
        {
            "person": personas["volunteer"],
            "inactive_person": UserFactory(is_active=False),
            "submitted_expense": submitted,
            "approved_expense": approved,
            "expense": expense,
            "spend": spend,
            "budget": budget,
            "claim": claim,
            "cover_request": cover_request,
            "colleague_cover_request": colleague_cover_request,
            "profile": workforce,
            "training": TrainingFactory(profile=workforce),
            "invitation": invitation,
            "course": course,
            "session": session,
            "free_session": free_session,
            "held_session": held_session,
            "register_line": register_line,
            "claimable_ride": claimable_ride,
            "programme": course.programme,
            "venue": course.venue,
            "closure": ClosureDateFactory(),
            "participants_course": soon,
            "unheld_course": unheld,
            "participant": participant,
            "referral": referral,
            "place": place,
            "offer": offer,
            "ride": ride,
            "open_ride": open_ride,
        },
        {
            "budget_year": budget.start_year,
            "feed_token": workforce.calendar_token,
            "invitation_token": invitation.token,
            "today": timezone.localdate().isoformat(),
            "ride_pickup": f"{timezone.localtime(ride.start + timedelta(minutes=10)):%H:%M}",
        },
    )


def _rides(personas, n: int) -> tuple[Ride, Ride]:
    day = timezone.localdate() + timedelta(days=10)
    start = timezone.make_aware(datetime.combine(day, time(10))) + timedelta(hours=5 * n)
    course = CourseFactory(first_start=start)
    rides = []
    for name in ("Ada Rider", "Ben Rider"):
        participant = ParticipantFactory(
            full_name=name,
            needs_transport=True,
            pickup_postcode="NG4 2RL",
            pickup_notes="Blue door",
            mobile="07700 900123",
        )
        place_request(participant=participant, course=course, by=personas["coordinator"])
        rides.append(Ride.objects.live().filter(participant=participant).order_by("start").first())
    driver = personas["volunteer"]
    return ride_take(ride=rides[0], driver=driver, by=driver), rides[1]
