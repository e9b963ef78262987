"""Each facilitator's private iCalendar feed (RFC 5545), for Outlook, Google and Apple."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from facilitators.models import FacilitatorProfile, SessionClaim

# Past sessions stay in calendars for a while; older ones drop off to keep feeds small.
KEEP_PAST_DAYS = 90
# SEQUENCE counts the session's changes (its revision), so two in one second are two.
# It was once the clock in seconds modulo 2,000,000,000; starting above every value that
# gave keeps calendars that saw one taking our updates. (SEQUENCE is a 32-bit integer:
# room for 147 million changes.)
SEQUENCE_BASE = 2_000_000_000


def build_calendar(profile: FacilitatorProfile, *, site_url: str) -> icalendar.Calendar:
    """Three queries: the held claims with their sessions, and the co-facilitators."""
    now = timezone.now()
    claims = (
        SessionClaim.objects.held()
        .filter(
            facilitator=profile,
            session__is_cancelled=False,
            session__start__gte=now - timedelta(days=KEEP_PAST_DAYS),
        )
        .select_related("session__course__programme", "session__venue")
        .prefetch_related(
            Prefetch(
                "session__claims",
                queryset=SessionClaim.objects.held().select_related("facilitator__user"),
                to_attr="held_claims",
            )
        )
        .order_by("session__start")
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//HOPE Coordinator//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"HOPE sessions – {profile.user.full_name}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for claim in claims:
        calendar.add_component(session_event(claim.session, profile, site_url=site_url, now=now))
    calendar.add_missing_timezones()
    return calendar


def session_event(
    session, profile: FacilitatorProfile, *, site_url: str, now=None
) -> icalendar.Event:
    """One session as a VEVENT. Uses ``session.held_claims`` if prefetched (no query)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    now = now or timezone.now()
    host = site_url.split("://", 1)[-1].split("/", 1)[0]
    held = getattr(session, "held_claims", None)
    if held is None:
        held = list(
            SessionClaim.objects.held().filter(session=session).select_related("facilitator__user")
        )
    partners = [c for c in held if c.facilitator_id != profile.pk]
    partner = partners[0].facilitator.user.full_name if partners else "not yet arranged"
    venue = session.venue
    location = (
        f"{venue.name}, {', '.join(venue.address.splitlines())}, {venue.postcode}"
        if venue
        else "Online"
    )
    url = f"{site_url}{reverse('facilitators:session_detail', args=[session.pk])}"
    event = icalendar.Event()
    event.add("uid", f"hope-session-{session.pk}@{host}")
    event.add("dtstamp", now)
    event.add("last-modified", session.updated_at)
    event.add("sequence", SEQUENCE_BASE + session.revision)
    event.add("dtstart", timezone.localtime(session.start, zone))
    event.add("dtend", timezone.localtime(session.end, zone))
    event.add("summary", f"HOPE: {session.course.title} – session {session.number}")
    event.add("location", location)
    event.add(
        "description",
        f"{session.course.programme.name}, session {session.number} of "
        f"{session.course.programme.sessions_per_course}.\n"
        f"Co-facilitator: {partner}.\n{url}",
    )
    event.add("url", url)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def single_session_ics(session, profile: FacilitatorProfile, *, site_url: str) -> str:
    """An .ics with one session, for attaching to a reminder."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//HOPE Coordinator//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(session_event(session, profile, site_url=site_url))
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """No sign-in: the unguessable token is the key, and resetting it revokes old links."""
    profile = FacilitatorProfile.objects.select_related("user").filter(calendar_token=token).first()
    if profile is None or not profile.user.is_active:
        raise Http404
    calendar = build_calendar(profile, site_url=settings.SITE_URL)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hope-sessions.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
