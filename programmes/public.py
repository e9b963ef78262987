"""What the public pages ("Find a course", /find/) show, and nothing more.

Only published courses of listed programmes that have not started yet. For each: the
programme and who it is for, the day and time, the town and the venue's accessibility
facts, in person or online, and whether places are free in words ("places available",
"few places", "waiting list"), never a count. Never a facilitator, a participant or any
other inside detail: a card is built from the fields named here and carries nothing else.

The cards are built by one query and kept in the cache for
``PUBLIC_PAGES_CACHE_SECONDS``: every visitor, filter and crawler in that time reads Redis,
not the database. Places shown can be that old; a request for a place is checked against
the course itself when a coordinator (or the team's automatic enrolment) acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from hope.models import TeamSettings
from hope.postcodes import district_nearness, postcode_district
from programmes.models import HOLDING_PLACE, Course, CourseStatus, Place

# Fewer free places than this read "few places"; none reads "waiting list".
FEW_PLACES = 3
AVAILABILITY = {
    "available": "Places available",
    "few": "Few places left",
    "waiting": "Waiting list",
}
WEEKDAYS = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"]
CACHE_KEY = "public:courses:v1"


@dataclass(frozen=True)
class SessionTime:
    day: date
    start: time
    end: time


@dataclass(frozen=True)
class CourseCard:
    pk: int
    title: str
    programme_id: int
    programme: str
    audience: str
    what_to_expect: str
    online: bool
    weekday: int  # 0 is Monday, as date.weekday()
    start: time
    end: time
    first_day: date
    last_day: date
    sessions: int
    town: str  # "Online" for an online course
    district: str  # the venue's postcode district ("" online), for sorting by nearness
    venue: str
    venue_address: str
    access: tuple[str, ...]
    access_notes: str
    availability: str  # a key of AVAILABILITY

    @property
    def day_label(self) -> str:
        return WEEKDAYS[self.weekday]

    @property
    def availability_label(self) -> str:
        return AVAILABILITY[self.availability]


# A card on /find/, written once here: twenty cards through an included template were
# most of the page's time.
_CARD = (
    '<li class="card">\n  <h2><a href="{}">{}</a></h2>'
    '\n  <p class="status status-{}">{}</p>'
    "\n  <dl>"
    "\n    <dt>Course</dt><dd>{}</dd>"
    "\n    {}"
    "\n    <dt>When</dt><dd>{}, {} to {}, {} session{} from {}</dd>"
    "\n    <dt>Where</dt><dd>{}</dd>"
    "\n    {}"
    "\n  </dl>\n</li>\n"
)


def card_html(card: CourseCard, *, url: str, near: str) -> SafeString:
    """The card of a course on /find/; ``near``: the postcode the cards are sorted by, if
    any (each then says its district)."""
    where = "Online"
    if not card.online:
        district = format_html(" ({})", card.district) if near and card.district else ""
        where = format_html("{}{}, in person", card.town, district)
    return format_html(
        _CARD,
        url,
        card.title,
        card.availability,
        card.availability_label,
        card.programme,
        format_html("<dt>Who it is for</dt><dd>{}</dd>", card.audience) if card.audience else "",
        card.day_label,
        f"{card.start:%H:%M}",
        f"{card.end:%H:%M}",
        card.sessions,
        "" if card.sessions == 1 else "s",
        dateformat.format(card.first_day, "j F Y"),
        where,
        format_html("<dt>Access</dt><dd>{}</dd>", ", ".join(card.access)) if card.access else "",
    )


def availability(free: int) -> str:
    if free <= 0:
        return "waiting"
    return "few" if free < FEW_PLACES else "available"


def listable(now: datetime):
    """The one rule for what the public pages offer, read from the database (not the
    cache): published courses of listed programmes that have not started."""
    return Course.objects.upcoming(now).filter(
        status=CourseStatus.PUBLISHED, programme__is_listed=True
    )


def _listed(now: datetime):
    held = (
        Place.objects.filter(course=OuterRef("pk"), status__in=HOLDING_PLACE)
        .order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        listable(now)
        .annotate(
            first_end=Min("sessions__end", filter=Q(sessions__is_cancelled=False)),
            held=Coalesce(Subquery(held, output_field=IntegerField()), 0),
        )
        .select_related("programme", "venue")
        .order_by("first_start", "pk")
    )


def _card(course: Course) -> CourseCard:
    start = timezone.localtime(course.first_start)
    end = timezone.localtime(course.first_end)
    venue = course.venue
    online = course.programme.is_online or venue is None
    return CourseCard(
        pk=course.pk,
        title=course.title,
        programme_id=course.programme_id,
        programme=course.programme.name,
        audience=course.programme.audience,
        what_to_expect=course.programme.what_to_expect or course.programme.description,
        online=online,
        weekday=start.weekday(),
        start=start.time(),
        end=end.time(),
        first_day=start.date(),
        last_day=timezone.localtime(course.last_end).date(),
        sessions=course.live_sessions,
        town="Online" if online else (venue.town or postcode_district(venue.postcode)),
        district="" if online else postcode_district(venue.postcode),
        venue="" if online else venue.name,
        venue_address="" if online else venue.one_line_address,
        access=() if online else tuple(venue.accessibility_facts()),
        access_notes="" if online else venue.accessibility_notes,
        availability=availability(course.capacity - course.held),
    )


def listed_courses(now: datetime | None = None) -> list[CourseCard]:
    """Every course on the public pages, soonest first: from the cache, or one query."""
    cards = cache.get(CACHE_KEY)
    if cards is None:
        cards = [_card(course) for course in _listed(now or timezone.now())]
        cache.set(CACHE_KEY, cards, settings.PUBLIC_PAGES_CACHE_SECONDS)
    return cards


TEAM_KEY = "public:team:v1"


def public_team() -> TeamSettings:
    """The team's settings as the public pages show them, from the cache like the cards."""
    team = cache.get(TEAM_KEY)
    if team is None:
        team = TeamSettings.shown()
        cache.set(TEAM_KEY, team, settings.PUBLIC_PAGES_CACHE_SECONDS)
    return team


def forget_listing() -> None:
    """Rebuild the cards and the team's words on the next visit (settings saved, a
    programme listed or unlisted)."""
    cache.delete_many([CACHE_KEY, TEAM_KEY])


def listed_course(pk: int) -> CourseCard | None:
    return next((card for card in listed_courses() if card.pk == pk), None)


def course_sessions(pk: int) -> list[SessionTime]:
    """The dates of a listed course's sessions, cached like the cards."""
    key = f"public:sessions:v1:{pk}"
    times = cache.get(key)
    if times is None:
        course = Course.objects.get(pk=pk)
        times = [
            SessionTime(
                day=timezone.localtime(s.start).date(),
                start=timezone.localtime(s.start).time(),
                end=timezone.localtime(s.end).time(),
            )
            for s in course.sessions.filter(is_cancelled=False).order_by("start")
        ]
        cache.set(key, times, settings.PUBLIC_PAGES_CACHE_SECONDS)
    return times


def filter_cards(
    cards: list[CourseCard],
    *,
    programme: int | None = None,
    town: str = "",
    weekday: int | None = None,
    near: str = "",
) -> list[CourseCard]:
    """The cards that match, soonest first, or nearest first (by postcode district, no
    map) when ``near`` is a district; online courses come after every venue then."""
    shown = [
        card
        for card in cards
        if (programme is None or card.programme_id == programme)
        and (not town or card.town == town)
        and (weekday is None or card.weekday == weekday)
    ]
    if near:
        shown.sort(key=lambda card: (card.online, district_nearness(near, card.district)))
    return shown
