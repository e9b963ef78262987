"""Claims, releases, assignments and cover: every write to a session's two slots.

Lock order, to keep concurrent writers from deadlocking: session rows (by id), then
claim rows, then cover requests, then the facilitator's profile. The database
constraints on Claim are the backstop; their IntegrityErrors become messages here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models.query import MAX_GET_RESULTS
from django.utils import timezone

from facilitators.models import (
    UNDO_WINDOW,
    CoverRequest,
    FacilitatorProfile,
    FacilitatorStatus,
    SessionClaim,
    Training,
)
from facilitators.notices import (
    notify_assigned,
    notify_cover_accepted,
    notify_cover_requested,
    notify_cover_withdrawn,
    notify_released,
)
from hope.audit import audit_record
from hope.compiled import Compiled
from hope.models import TeamSettings, User
from hope.roles import is_coordinator
from programmes.models import Course, CourseStatus, Session
from programmes.services import CourseError


class SlotError(Exception):
    """The claim or release cannot be made; the message is for the person."""


class SlotTaken(SlotError):
    def __init__(self, message: str = "That session was just taken by someone else."):
        super().__init__(message)


class CourseClaimIncomplete(SlotError):
    """A whole-course claim took nothing because these sessions were no longer free."""

    def __init__(self, taken: list[Session]):
        self.taken = taken
        numbers = ", ".join(str(s.number) for s in taken)
        super().__init__(
            f"Nothing was claimed: session{'s' if len(taken) > 1 else ''} {numbers} "
            "were just taken by someone else. The board now shows what is still free."
        )


def _when(session: Session) -> str:
    start = timezone.localtime(session.start)
    return f"{start:%a %-d %b %Y, %H:%M}"


# A claim's queries, compiled once a process (hope/compiled.py): building them was a
# fifth of a claim's time, and fifty people claiming at once queue for the same cores.
_SESSION_LOCKED = Compiled(
    lambda pk: (
        Session.objects.select_for_update(of=("self",))
        .select_related("course", "course__programme")
        .filter(pk=pk)
        .order_by()[:MAX_GET_RESULTS]
    ),
    pk=int,
)
_PROFILE_LOCKED = Compiled(
    lambda pk: (
        FacilitatorProfile.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=pk)
        .order_by()[:MAX_GET_RESULTS]
    ),
    pk=int,
)
_ON_CLOSED_DAY = Compiled(
    lambda pk: Session.objects.filter(pk=pk).on_closed_days().order_by().values_list("pk")[:1],
    pk=int,
)
_TRAINED = Compiled(
    lambda profile, programme: (
        Training.objects.filter(profile=profile, programme_id=programme)
        .order_by()
        .values_list("pk")[:1]
    ),
    profile=int,
    programme=int,
)
# ``first()``: in the claims' own order (claimed_at, pk).
_OWN_CLASH = Compiled(
    lambda profile, session, start, end: (
        SessionClaim.objects.held()
        .filter(facilitator=profile, start__lt=end, end__gt=start)
        .exclude(session=session)
        .select_related("session__course")[:1]
    ),
    profile=int,
    session=int,
    start=datetime,
    end=datetime,
)
_SLOT_HOLDER = Compiled(
    lambda session, kind: SessionClaim.objects.held().filter(session=session, kind=kind)[:1],
    session=int,
    kind=str,
)


def _locked_one(query: Compiled, pk: int, model):
    # As ``get()`` of ``select_for_update()`` (refused outside a transaction by
    # hope.compiled too): the row was there a moment ago, so its absence is an error.
    found = query.instances(pk=pk)
    if len(found) != 1:
        raise model.DoesNotExist if not found else model.MultipleObjectsReturned
    return found[0]


def _lock_session(pk: int) -> Session:
    """The session, with its course and programme, locked: the parent row every change
    to its slots locks first."""
    return _locked_one(_SESSION_LOCKED, pk, Session)


def _lock_profile(facilitator: FacilitatorProfile) -> FacilitatorProfile:
    # Locked so a coordinator pausing the person or removing a training cannot slip
    # in between our eligibility check and the insert.
    return _locked_one(_PROFILE_LOCKED, facilitator.pk, FacilitatorProfile)


def eligibility_problem(
    *, profile: FacilitatorProfile, session: Session, by_coordinator: bool
) -> str | None:
    """Why this person may not hold a slot in this session, or None. One query (training),
    two for a facilitator (and whether the day has been closed)."""
    if session.is_cancelled or session.course.status == CourseStatus.CANCELLED:
        return "This session is cancelled."
    if session.has_started():
        return "This session has already started."
    if not by_coordinator:
        if session.course.status == CourseStatus.DRAFT:
            return "This course is not published yet."
        # The coordinator is to move or cancel it (the closures page lists it); the
        # board no longer offers it, and a page opened before the closure cannot claim it.
        if _ON_CLOSED_DAY.rows(pk=session.pk):
            return (
                "This session falls on a day the team is now closed, so it is not open "
                "to claim. Your coordinator will move or cancel it."
            )
    if profile.status != FacilitatorStatus.ACTIVE or not profile.user.is_active:
        return f"{profile.user} is not an active facilitator ({profile.get_status_display()})."
    if not _TRAINED.rows(profile=profile.pk, programme=session.course.programme_id):
        return f"{profile.user} is not trained to deliver {session.course.programme}."
    return None


def _own_clash(profile: FacilitatorProfile, session: Session) -> SessionClaim | None:
    found = _OWN_CLASH.instances(
        profile=profile.pk, session=session.pk, start=session.start, end=session.end
    )
    return found[0] if found else None


def _insert_claim(*, session: Session, profile: FacilitatorProfile, by: User) -> SessionClaim:
    clash = _own_clash(profile, session)
    if clash is not None:
        raise SlotError(
            f"{profile.user} already holds “{clash.session.course.title}” session "
            f"{clash.session.number} at that time ({_when(clash.session)})."
        )
    try:
        with transaction.atomic():
            return SessionClaim.objects.create(
                session=session,
                kind=profile.kind,
                facilitator=profile,
                start=session.start,
                end=session.end,
                claimed_by=by,
            )
    except IntegrityError as error:
        if "facilitators_claim_one_per_slot" in str(error):
            raise SlotTaken() from None
        if "facilitators_claim_no_overlap_per_person" in str(error):
            raise SlotError(f"{profile.user} already holds a session at that time.") from None
        raise


def _slot_holder(session: Session, kind: str) -> SessionClaim | None:
    found = _SLOT_HOLDER.instances(session=session.pk, kind=kind)
    return found[0] if found else None


def slot_claim(*, session: Session, facilitator: FacilitatorProfile, by: User) -> SessionClaim:
    """The facilitator takes the slot of their kind. Exactly one of several racing wins."""
    with transaction.atomic():
        # The parent row lock makes concurrent claims for this session queue up, so the
        # loser sees the winner's claim and gets a friendly "just taken".
        session = _lock_session(session.pk)
        profile = _lock_profile(facilitator)
        problem = eligibility_problem(
            profile=profile, session=session, by_coordinator=is_coordinator(by)
        )
        if problem:
            raise SlotError(problem)
        if _slot_holder(session, profile.kind) is not None:
            raise SlotTaken()
        claim = _insert_claim(session=session, profile=profile, by=by)
        audit_record(
            actor=by,
            action="claim.assigned" if by.pk != profile.user_id else "claim.claimed",
            target=session,
            summary=f"{profile.user} ({profile.get_kind_display().lower()}) "
            f"{'assigned by ' + str(by) if by.pk != profile.user_id else 'claimed'} "
            f"“{session.course.title}” session {session.number}",
        )
        notify_assigned(claim=claim, by=by)
    return claim


def course_claim(
    *, course: Course, facilitator: FacilitatorProfile, session_ids: Iterable[int], by: User
) -> list[SessionClaim]:
    """Claim every listed session (those shown free): all of them, or none."""
    ids = sorted({int(i) for i in session_ids})
    with transaction.atomic():
        sessions = list(
            Session.objects.select_for_update(of=("self",))
            .select_related("course", "course__programme")
            .filter(course=course, pk__in=ids)
            .order_by("pk")
        )
        if not sessions:
            raise SlotError("There were no free sessions to claim on this course.")
        profile = _lock_profile(facilitator)
        taken = [s for s in sessions if _slot_holder(s, profile.kind) is not None]
        if taken:
            raise CourseClaimIncomplete(sorted(taken, key=lambda s: s.number))
        claims = []
        for session in sorted(sessions, key=lambda s: s.number):
            problem = eligibility_problem(profile=profile, session=session, by_coordinator=False)
            if problem:
                raise SlotError(f"Nothing was claimed: session {session.number}: {problem}")
            try:
                claims.append(_insert_claim(session=session, profile=profile, by=by))
            except SlotTaken:
                raise CourseClaimIncomplete([session]) from None
            except SlotError as error:
                raise SlotError(f"Nothing was claimed: session {session.number}: {error}") from None
        audit_record(
            actor=by,
            action="claim.course",
            target=course,
            summary=f"{profile.user} claimed sessions "
            + ", ".join(str(s.number) for s in sorted(sessions, key=lambda s: s.number))
            + f" of “{course.title}”",
        )
    return claims


def self_release_problem(*, session: Session, now, notice_days: int) -> str | None:
    """Why a facilitator may not give this session back themselves (a coordinator may),
    or None: the team's notice period. The page asks before offering the button."""
    if session.has_started(now):
        return "This session has already started."
    if session.start - now < timedelta(days=notice_days):
        return (
            f"This session is less than {notice_days} days away, so it can no longer be "
            "released here. Ask for cover, or contact your coordinator."
        )
    return None


def slot_release(*, claim: SessionClaim, by: User, reason: str = "") -> SessionClaim:
    """Give a slot back. Facilitators may do so up to the team's notice period before."""
    now = timezone.now()
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("course")
            .get(pk=claim.session_id)
        )
        claim = (
            SessionClaim.objects.select_for_update(of=("self",))
            .select_related("facilitator__user")
            .get(pk=claim.pk)
        )
        if not claim.is_held:
            raise SlotError("This session was already released.")
        if not is_coordinator(by):
            if claim.facilitator.user_id != by.pk:
                raise SlotError("You can only release your own sessions.")
            problem = self_release_problem(
                session=session, now=now, notice_days=TeamSettings.current().release_notice_days
            )
            if problem:
                raise SlotError(problem)
        closed = _release(claim, by=by, reason=reason or "released", now=now)
        claim.session = session
        notify_released(claim=claim, by=by)
        for request in closed:
            notify_cover_withdrawn(request=request, by=by, tell_asker=False)
        audit_record(
            actor=by,
            action="claim.released",
            target=session,
            summary=f"{claim.facilitator.user} released from “{session.course.title}” "
            f"session {session.number}"
            + (f" by {by}" if by.pk != claim.facilitator.user_id else ""),
        )
    return claim


def claims_undo(*, claim_ids: Iterable[int], by: User) -> list[SessionClaim]:
    """Take back claims ``by`` made by mistake in the last ``UNDO_WINDOW``, even inside
    the notice period: all of them, or none. Nobody was told of the claims, so nobody is
    told of the undo. Same locks as a release (sessions, then claims), so an undo and a
    coordinator's release or reassignment of the same slot take turns."""
    ids = sorted({int(i) for i in claim_ids})
    now = timezone.now()
    with transaction.atomic():
        session_ids = SessionClaim.objects.filter(pk__in=ids).values("session_id")
        sessions = list(
            Session.objects.select_for_update(of=("self",))
            .select_related("course")
            .filter(pk__in=session_ids)
            .order_by("pk")
        )
        claims = list(
            SessionClaim.objects.select_for_update(of=("self",))
            .select_related("facilitator__user")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if not claims:
            raise SlotError("There is nothing to undo.")
        undoable = set(
            SessionClaim.objects.undoable_by(by, now)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        refused = next((c for c in claims if c.pk not in undoable), None)
        if refused is not None:
            raise SlotError(_undo_refusal(refused, by=by, now=now))
        by_session = {s.pk: s for s in sessions}
        for claim in claims:
            _release(claim, by=by, reason="undone", now=now)
            session = by_session[claim.session_id]
            audit_record(
                actor=by,
                action="claim.undone",
                target=session,
                summary=f"{by} undid their claim of “{session.course.title}” "
                f"session {session.number}",
            )
    return claims


def _undo_refusal(claim: SessionClaim, *, by: User, now) -> str:
    """Why ``by`` may not undo this claim (``SessionClaimQuerySet.undoable_by``)."""
    if claim.facilitator.user_id != by.pk:
        return "You can only undo your own claims."
    if not claim.is_held:
        return "This session was already released."
    if claim.start <= now:
        return "This session has already started."
    if claim.claimed_by_id != by.pk:
        return (
            "A coordinator gave you this session, so it cannot be undone. Release it, ask "
            "for cover, or contact your coordinator."
        )
    if claim.claimed_at <= now - UNDO_WINDOW:
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        return (
            f"A claim can be undone for {minutes} minutes after you make it, and this one "
            f"was made at {timezone.localtime(claim.claimed_at):%H:%M on %-d %B}. See My "
            "sessions to release it or ask for cover."
        )
    return (
        "You took this session as cover for a colleague, so it cannot be undone: ask for "
        "cover, or contact your coordinator."
    )


def _release(claim: SessionClaim, *, by: User, reason: str, now) -> list[CoverRequest]:
    """Release the claim and close its open request for cover; returns that request (in
    a list, empty when there was none), for those who were told of it."""
    claim.released_at = now
    claim.released_by = by
    claim.release_reason = reason[:120]
    claim.save(update_fields=["released_at", "released_by", "release_reason"])
    closed = list(CoverRequest.objects.open().select_for_update(of=("self",)).filter(claim=claim))
    CoverRequest.objects.filter(pk__in=[r.pk for r in closed]).update(
        resolved_at=now, outcome="withdrawn"
    )
    return closed


def slot_assign(*, session: Session, facilitator: FacilitatorProfile, by: User) -> SessionClaim:
    """A coordinator puts someone in the slot of their kind, replacing any holder."""
    with transaction.atomic():
        locked = (
            Session.objects.select_for_update(of=("self",))
            .select_related("course")
            .get(pk=session.pk)
        )
        holder = (
            SessionClaim.objects.select_for_update(of=("self",))
            .held()
            .filter(session=locked, kind=facilitator.kind)
            .select_related("facilitator__user")
            .first()
        )
        if holder is not None:
            if holder.facilitator_id == facilitator.pk:
                raise SlotError(f"{holder.facilitator.user} already holds this slot.")
            closed = _release(
                holder, by=by, reason=f"replaced by {facilitator.user}", now=timezone.now()
            )
            holder.session = locked
            notify_released(claim=holder, by=by, replaced_by=facilitator.user)
            for request in closed:
                notify_cover_withdrawn(request=request, by=by, tell_asker=False)
        return slot_claim(session=locked, facilitator=facilitator, by=by)


def slots_release_for_sessions(*, sessions, by: User, reason: str) -> list[SessionClaim]:
    """Free everyone holding these sessions (cancelled, or no longer promised); returns
    the claims released, for the notices."""
    now = timezone.now()
    claims = list(
        SessionClaim.objects.held()
        .select_for_update(of=("self",))
        .filter(session__in=sessions)
        .order_by("pk")
    )
    for claim in claims:
        _release(claim, by=by, reason=reason, now=now)
    return claims


def slots_follow_sessions(*, sessions) -> None:
    """Held claims keep a copy of their session's time, which the no-overlap rule
    checks; a move that would give someone two sessions at once is refused here."""
    try:
        with transaction.atomic():
            for session in sessions:
                SessionClaim.objects.held().filter(session=session).update(
                    start=session.start, end=session.end
                )
    except IntegrityError as error:
        if "facilitators_claim_no_overlap_per_person" not in str(error):
            raise
        raise CourseError(
            "One of this session's facilitators runs another session at that time. "
            "Release or reassign them first, or choose another time.",
            field="day",
        ) from None


def cover_request_create(*, claim: SessionClaim, by: User, reason: str = "") -> CoverRequest:
    with transaction.atomic():
        claim = (
            SessionClaim.objects.select_for_update(of=("self",))
            .select_related("session__course", "facilitator")
            .get(pk=claim.pk)
        )
        if not claim.is_held or claim.facilitator.user_id != by.pk:
            raise SlotError("You can only ask for cover for a session you hold.")
        if claim.session.has_started():
            raise SlotError("This session has already started.")
        try:
            with transaction.atomic():
                request = CoverRequest.objects.create(claim=claim, reason=reason.strip()[:200])
        except IntegrityError:
            raise SlotError("You have already asked for cover for this session.") from None
        audit_record(
            actor=by,
            action="cover.requested",
            target=claim.session,
            # Never the reason: it may carry health details, and the trail is read widely.
            summary=f"{by} asked for cover for “{claim.session.course.title}” session "
            f"{claim.session.number}",
        )
        notify_cover_requested(request=request)
    return request


def cover_request_accept(
    *, request: CoverRequest, facilitator: FacilitatorProfile, by: User
) -> SessionClaim:
    """The first eligible colleague to accept takes the slot; the holder is released only then."""
    session_id = request.claim.session_id
    with transaction.atomic():
        session = _lock_session(session_id)
        # The documented order: session, then claim, then cover request, then profile.
        claim = SessionClaim.objects.select_for_update(of=("self",)).get(pk=request.claim_id)
        request = (
            CoverRequest.objects.select_for_update(of=("self",))
            .select_related("claim__facilitator__user")
            .get(pk=request.pk)
        )
        if request.resolved_at is not None:
            raise SlotTaken("This cover request was just taken by someone else.")
        profile = _lock_profile(facilitator)
        if profile.pk == claim.facilitator_id:
            raise SlotError("This is your own session.")
        if profile.kind != claim.kind:
            raise SlotError("Only a facilitator of the same kind can cover this session.")
        problem = eligibility_problem(profile=profile, session=session, by_coordinator=False)
        if problem:
            raise SlotError(problem)
        now = timezone.now()
        holder = request.claim.facilitator.user
        _release(claim, by=by, reason=f"covered by {profile.user}", now=now)
        new_claim = _insert_claim(session=session, profile=profile, by=by)
        request.resolved_at = now
        request.outcome = "covered"
        request.covered_by = profile
        request.save(update_fields=["resolved_at", "outcome", "covered_by"])
        audit_record(
            actor=by,
            action="cover.accepted",
            target=session,
            summary=f"{profile.user} covers {holder} in “{session.course.title}” "
            f"session {session.number}",
        )
        request.claim.session = session
        notify_cover_accepted(request=request, taker=profile.user)
    return new_claim


def cover_request_withdraw(*, request: CoverRequest, by: User) -> None:
    with transaction.atomic():
        request = (
            CoverRequest.objects.select_for_update(of=("self",))
            .select_related("claim__facilitator", "claim__session")
            .get(pk=request.pk)
        )
        if request.resolved_at is not None:
            raise SlotError("This cover request is already closed.")
        if request.claim.facilitator.user_id != by.pk and not is_coordinator(by):
            raise SlotError("Only the person who asked, or a coordinator, can withdraw it.")
        request.resolved_at = timezone.now()
        request.outcome = "withdrawn"
        request.save(update_fields=["resolved_at", "outcome"])
        audit_record(
            actor=by,
            action="cover.withdrawn",
            target=request.claim.session,
            summary=f"Cover request withdrawn by {by}",
        )
        notify_cover_withdrawn(request=request, by=by)
