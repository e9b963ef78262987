"""Participants' identifying details, removed on schedule (the nightly job in
hope/retention.py runs this rule; SECURITY.md lists it).

A participant's details are kept for ``RETENTION_PARTICIPANT_MONTHS`` (24) after the
last time the team had to do with them, which is the latest of:

- the end of the last session of any course they had a place on, whatever became of the
  place (enrolled, waiting, offered, withdrawn, lapsed, declined) or of the session;
- the day their last referral was closed (enrolled, declined, not reached) or, for a
  referral still open, the day it was received: a referral nobody has moved on for the
  whole period is stale, and "still open" must not mean "kept for ever";
- the day the record was made, for a record with no place and no referral at all.

Kept on the day the period ends, removed the night after: a course that ended on
10 March 2024 keeps its people's details through 10 March 2026. Someone with a live place
(enrolled, waiting, offered) on a course that has not ended is never touched, whatever
the period.

What goes: full and preferred name, email address, mobile number, postal address, access
needs, pick-up postcode, the feedback lines on their places, the referrers' names on
their referrals, and every outbox message to them (it holds their address and, in its
text, their name; a message not yet sent must never go to an address we no longer hold).
What stays, anonymous, for reports: the row itself (``anonymised_at`` set), its consents
(evaluation consent still decides whether the results may be used), whether they needed
transport, referral sources, dates and statuses, places and their dates, register marks
and scores.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from hope.days import day_start
from hope.models import Message
from hope.reporting import report_rows_changed
from programmes.models import (
    LIVE_PLACE,
    Participant,
    ParticipantQuerySet,
    Place,
    Referral,
    ReferralRequest,
    RequestStatus,
    Session,
)
from programmes.models.rides import DETAILS_SHOWN_FOR
from programmes.notices import messages_to
from programmes.ride_notices import DRIVER_REMINDER_DAYS

IDENTIFYING = {
    "full_name": "",
    "preferred_name": "",
    "email": "",
    "mobile": "",
    "postal_address": "",
    "access_needs": "",
    "pickup_postcode": "",
    "pickup_notes": "",
}


def first_day_kept(now: datetime) -> datetime:
    """The start (local midnight) of the oldest day whose activity still keeps someone's
    details: with 24 months, on 11 March 2026 that is 11 March 2024."""
    day = timezone.localdate(now) - relativedelta(months=settings.RETENTION_PARTICIPANT_MONTHS)
    return day_start(day)


def due_for_anonymising(now: datetime) -> ParticipantQuerySet:
    """Identifiable participants with nothing on or after ``first_day_kept(now)``. Five
    EXISTS subqueries per participant: for the nightly job, not for pages."""
    kept_from = first_day_kept(now)
    person = OuterRef("pk")
    recent_course = Session.objects.filter(course__places__participant=person, end__gte=kept_from)
    recent_referral = Referral.objects.filter(participant=person).filter(
        Q(closed_on__gte=kept_from.date())
        | Q(closed_on__isnull=True, received_on__gte=kept_from.date())
    )
    # Already covered by recent_course for a course with sessions still to come; said
    # again so that, whatever the period, a live place on a course that has not ended
    # (or has no sessions at all) keeps its person.
    live_place = Place.objects.filter(participant=person, status__in=LIVE_PLACE).filter(
        Q(course__sessions__end__gt=now) | Q(course__sessions__isnull=True)
    )
    any_place = Place.objects.filter(participant=person)
    any_referral = Referral.objects.filter(participant=person)
    return (
        Participant.objects.identifiable()
        .exclude(Exists(recent_course))
        .exclude(Exists(recent_referral))
        .exclude(Exists(live_place))
        .exclude(Q(created_at__gte=kept_from) & ~Exists(any_place) & ~Exists(any_referral))
    )


def anonymise_participants(now: datetime) -> int:
    """Remove the identifying details of everyone due; return how many. Runs inside the
    retention job's transaction; a second run finds nobody (they are no longer
    identifiable)."""
    candidates = list(due_for_anonymising(now).select_for_update().values_list("pk", flat=True))
    if not candidates:
        return 0
    # A coordinator may have given one of them a place, or recorded a new referral, while
    # we looked. Both lock the participant's row first (place_request, referral_create),
    # so now that the rows are ours, look again: this statement sees what they committed.
    ids = list(due_for_anonymising(now).filter(pk__in=candidates).values_list("pk", flat=True))
    people = Participant.objects.filter(pk__in=ids)
    messages_to(people).delete()
    Place.objects.filter(participant__in=ids).exclude(feedback="").update(
        feedback="", updated_at=now
    )
    # No save(), so no signal: the outcomes report's remembered choice of feedback lines
    # (hope/reporting.py) is forgotten here, and the next lines take the cleared ones' turn.
    report_rows_changed()
    Referral.objects.filter(participant__in=ids).exclude(referrer="").update(
        referrer="", updated_at=now
    )
    return people.update(**IDENTIFYING, anonymised_at=now, updated_at=now)


def clear_ride_reminders(now: datetime) -> int:
    """A driver's reminder carries the pick-up postcode, notes and phone number, which the
    driver may see only until ``DETAILS_SHOWN_FOR`` after the session: the stored text
    goes then too (its row stays in the message log). The reminder is sent the day
    before, so its due time plus a day and that period is past every session it names."""
    cutoff = now - DETAILS_SHOWN_FOR - timedelta(days=DRIVER_REMINDER_DAYS + 1)
    return (
        Message.objects.filter(kind="ride_reminder", due_at__lt=cutoff)
        .exclude(body_text="", body_html="")
        .update(body_text="", body_html="")
    )


# A confirmed request keeps no details but its row (and the link's hash) a little longer,
# so a second click on the link says "already confirmed" rather than "expired".
CONFIRMED_REQUESTS_KEPT = timedelta(days=7)


def delete_referral_requests(now: datetime) -> int:
    """Requests made on the public pages: one never confirmed goes when its link expires
    (``SELF_REFERRAL_CONFIRM_HOURS``), with the confirmation message that holds its name
    and address; a confirmed one (its details already moved to the participant's record)
    a week after it was confirmed."""
    due = ReferralRequest.objects.filter(
        Q(expires_at__lte=now) & ~Q(status=RequestStatus.CONFIRMED)
        | Q(status=RequestStatus.CONFIRMED, confirmed_at__lte=now - CONFIRMED_REQUESTS_KEPT)
    )
    ids = list(due.values_list("pk", flat=True))
    Message.objects.filter(key__in=[f"selfreferral:confirm:request={pk}" for pk in ids]).delete()
    return ReferralRequest.objects.filter(pk__in=ids).delete()[0]
