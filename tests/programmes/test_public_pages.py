"""The public pages (/find/): what is listed and what is never shown, filters and the
nearness sort, and a crawler served from the cache rather than the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from hope.models import AuditEvent, TeamSettings
from programmes.models import CourseStatus, Delivery, Place, PlaceStatus
from programmes.public import availability
from tests.factories import (
    CourseFactory,
    FacilitatorProfileFactory,
    ParticipantFactory,
    PlaceFactory,
    ProgrammeFactory,
    SessionClaimFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

FIND = reverse("programmes:find")


def soon(days: int):
    return timezone.now().replace(second=0, microsecond=0) + timedelta(days=days)


def fill(course, n: int, status=PlaceStatus.ENROLLED):
    offer = {}
    if status == PlaceStatus.OFFERED:
        offer = {
            "offered_at": timezone.now(),
            "offer_expires_at": timezone.now() + timedelta(days=3),
        }
    for _ in range(n):
        PlaceFactory(course=course, participant=ParticipantFactory(), status=status, **offer)


def test_only_published_upcoming_courses_of_listed_programmes_are_listed(client):
    shown = CourseFactory(title="Shown course")
    CourseFactory(title="Draft course", status=CourseStatus.DRAFT)
    CourseFactory(title="Cancelled course", status=CourseStatus.CANCELLED)
    CourseFactory(title="Started course", first_start=soon(-1))
    CourseFactory(title="Unlisted course", programme=ProgrammeFactory(is_listed=False))
    page = client.get(FIND).content.decode()
    assert "Shown course" in page
    for hidden in ("Draft course", "Cancelled course", "Started course", "Unlisted course"):
        assert hidden not in page
    assert client.get(reverse("programmes:find_course", args=[shown.pk])).status_code == 200


@pytest.mark.parametrize("title", ["Draft", "Cancelled", "Started", "Unlisted"])
def test_a_course_not_listed_has_no_public_page_nor_form(client, title):
    course = {
        "Draft": lambda: CourseFactory(status=CourseStatus.DRAFT),
        "Cancelled": lambda: CourseFactory(status=CourseStatus.CANCELLED),
        "Started": lambda: CourseFactory(first_start=soon(-1)),
        "Unlisted": lambda: CourseFactory(programme=ProgrammeFactory(is_listed=False)),
    }[title]()
    for name in ("programmes:find_course", "programmes:find_refer"):
        response = client.get(reverse(name, args=[course.pk]))
        assert response.status_code == 404
        assert course.title not in response.content.decode()


@pytest.mark.parametrize(
    ("free", "words"),
    [(12, "available"), (3, "available"), (2, "few"), (1, "few"), (0, "waiting"), (-1, "waiting")],
)
def test_places_are_words_never_counts(free, words):
    assert availability(free) == words


def test_the_listing_says_places_in_words_from_held_places(client):
    course = CourseFactory(title="Nearly full", capacity=4)
    fill(course, 2)
    fill(course, 1, PlaceStatus.OFFERED)  # an offer holds a place
    fill(course, 3, PlaceStatus.WAITING)  # waiting people hold none
    fill(course, 2, PlaceStatus.WITHDRAWN)
    page = client.get(FIND).content.decode()
    assert "Few places left" in page
    full = CourseFactory(title="Full course", capacity=1)
    fill(full, 1)
    cache.clear()
    page = client.get(reverse("programmes:find_course", args=[full.pk])).content.decode()
    assert "Waiting list" in page


def test_nothing_from_inside_the_app_reaches_a_public_page(client):
    facilitator = FacilitatorProfileFactory(user__full_name="Zebedee Quartermaine")
    course = CourseFactory(title="Breathe easy", venue=VenueFactory(contact_name="Venue Vera"))
    SessionClaimFactory(session=course.sessions.first(), facilitator=facilitator)
    person = ParticipantFactory(full_name="Ptolemy Participant", access_needs="Wheelchair")
    PlaceFactory(course=course, participant=person)
    for url in (
        FIND,
        reverse("programmes:find_course", args=[course.pk]),
        reverse("programmes:find_refer", args=[course.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Breathe easy" in page
        for secret in ("Zebedee", "Quartermaine", "Ptolemy", "Wheelchair", "Venue Vera"):
            assert secret not in page, (url, secret)
        assert 'href="/courses/' not in page and "Sign out" not in page


def test_the_course_page_says_what_to_expect_and_every_date(client):
    programme = ProgrammeFactory(
        name="HOPE for carers",
        audience="Unpaid carers of someone with a long-term condition",
        what_to_expect="Bring a friend if you like.",
    )
    course = CourseFactory(programme=programme, venue=VenueFactory(town="Southwell"))
    page = client.get(reverse("programmes:find_course", args=[course.pk])).content.decode()
    assert "Unpaid carers of someone" in page and "Bring a friend" in page
    assert "Southwell" in client.get(FIND).content.decode()
    for session in course.sessions.all():
        assert timezone.localtime(session.start).strftime("%-d %B %Y") in page
    assert "Step-free access" in page  # the factory's venue has it


def test_online_courses_say_so_and_show_no_venue(client):
    CourseFactory(
        title="Online course", programme=ProgrammeFactory(delivery=Delivery.ONLINE), venue=None
    )
    page = client.get(FIND).content.decode()
    assert "Online course" in page and "Online" in page


def test_filters_by_programme_town_and_day(client):
    carers = ProgrammeFactory(name="Carers")
    pain = ProgrammeFactory(name="Living with pain")
    monday = soon(7)
    monday += timedelta(days=(7 - monday.weekday()) % 7)
    CourseFactory(
        title="Carers North", programme=carers, venue=VenueFactory(town="North"), first_start=monday
    )
    CourseFactory(
        title="Pain South",
        programme=pain,
        venue=VenueFactory(town="South"),
        first_start=monday + timedelta(days=1),
    )

    def titles(**query):
        page = client.get(FIND, query).content.decode()
        return {t for t in ("Carers North", "Pain South") if t in page}

    assert titles() == {"Carers North", "Pain South"}
    assert titles(programme=carers.pk) == {"Carers North"}
    assert titles(town="South") == {"Pain South"}
    assert titles(day=0) == {"Carers North"}
    assert titles(day=1) == {"Pain South"}


@pytest.mark.parametrize(
    "query",
    [
        {"programme": "999999"},
        {"programme": "²"},
        {"town": "Atlantis"},
        {"day": "9"},
        {"near": "not a postcode"},
        {"page": "99999999999999999999"},
        {"near": "N" * 5000},
    ],
)
def test_hostile_filters_get_a_page_never_an_error(client, query):
    CourseFactory()
    response = client.get(FIND, query)
    assert response.status_code == 200
    if "near" in query:
        page = response.content.decode()
        assert "Error: Find a course" in page and "your postcode" in page.lower()


def test_nearest_first_by_postcode_district(client):
    for town, postcode in [("Far", "LS1 1AA"), ("Next door", "NG5 1AA"), ("Here", "NG4 2RL")]:
        CourseFactory(title=f"Course in {town}", venue=VenueFactory(town=town, postcode=postcode))
    page = client.get(FIND, {"near": "ng4 7xx"}).content.decode()
    order = [page.index(f"Course in {town}") for town in ("Here", "Next door", "Far")]
    assert order == sorted(order)
    assert "nearest to NG4 first" in page


def test_a_crawler_reads_the_cache_not_the_database(client, django_assert_num_queries):
    courses = [CourseFactory() for _ in range(3)]
    client.get(FIND)  # fills the cache
    client.get(reverse("programmes:find_course", args=[courses[0].pk]))
    with django_assert_num_queries(0):  # the cards and the team's words are in the cache
        assert client.get(FIND, {"town": "x", "page": "2"}).status_code == 200
    with django_assert_num_queries(0):
        assert (
            client.get(reverse("programmes:find_course", args=[courses[0].pk])).status_code == 200
        )
    with django_assert_num_queries(0):  # an id that is not listed: a miss costs no query
        assert client.get(reverse("programmes:find_course", args=[987654])).status_code == 404


@pytest.mark.parametrize("n", [2, 12])
def test_the_listing_is_one_query_whatever_the_number_of_courses(
    client, django_assert_num_queries, n
):
    for _ in range(n):
        fill(CourseFactory(), 2)
    TeamSettings.current()
    with django_assert_num_queries(2):  # the courses, with places held; the team's settings
        client.get(FIND)


def test_public_pages_are_light_and_cacheable(client):
    for _ in range(20):
        CourseFactory()
    response = client.get(FIND)
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    html = response.content
    # Everything the page loads before images: itself and its one stylesheet.
    assert b"bootstrap" not in html and b"<script" not in html
    assert html.count(b'rel="stylesheet"') == 1
    with open(settings.BASE_DIR / "static/css/public.css", "rb") as css:
        assert len(html) + len(css.read()) < 50_000


def test_the_team_settings_show_on_the_public_pages(client):
    team = TeamSettings.current()
    team.public_name = "HOPE in Northshire"
    team.contact_line = "Ring 01632 960 123"
    team.save()
    page = client.get(FIND).content.decode()
    assert "HOPE in Northshire" in page and "Ring 01632 960 123" in page


def test_place_counts_ignore_other_courses(client):
    course = CourseFactory(title="Roomy", capacity=12)
    other = CourseFactory(capacity=1)
    fill(other, 1)
    assert Place.objects.filter(course=course).count() == 0
    page = client.get(reverse("programmes:find_course", args=[course.pk])).content.decode()
    assert "Places available" in page


def test_a_coordinator_sets_the_public_words_and_which_programmes_are_listed(client, coordinator):
    kept, dropped = ProgrammeFactory(name="Carers"), ProgrammeFactory(name="Pain")
    CourseFactory(title="Carers course", programme=kept)
    CourseFactory(title="Pain course", programme=dropped)
    assert "Pain course" in client.get(FIND).content.decode()
    client.force_login(coordinator)
    page = client.get(reverse("team_settings")).content.decode()
    assert "Programmes listed on the public pages" in page
    response = client.post(
        reverse("team_settings"),
        {
            "refresher_months": 24,
            "release_notice_days": 7,
            "public_name": "HOPE in Northshire",
            "contact_line": "Ring 01632 960 123",
            "privacy_contact": "dpo@example.org",
            "self_referrals_enrol": "on",
            "listed": [kept.pk],
        },
        follow=True,
    )
    assert "programmes listed on the public pages: Carers." in response.content.decode()
    dropped.refresh_from_db()
    assert not dropped.is_listed and TeamSettings.current().self_referrals_enrol
    client.logout()
    page = client.get(FIND).content.decode()  # at once: the listing is rebuilt
    assert "Carers course" in page and "Pain course" not in page
    assert "HOPE in Northshire" in page and "Ring 01632 960 123" in page
    assert AuditEvent.objects.filter(action="programme.listing_changed").count() == 1


def test_the_team_settings_page_explains_a_bad_public_name(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("team_settings"),
        {"refresher_months": 24, "release_notice_days": 7, "public_name": ""},
    )
    assert "Enter the team&#x27;s public name." in response.content.decode()


def test_each_card_says_what_when_where_and_access_in_escaped_words(client):
    programme = ProgrammeFactory(name="Carers & <friends>", audience="Unpaid carers <b>")
    course = CourseFactory(
        title="Tuesdays <script>",
        programme=programme,
        venue=VenueFactory(town="Newark & Sherwood", postcode="NG4 2RL"),
    )
    first = timezone.localtime(course.sessions.order_by("start").first().start)
    card = client.get(FIND, {"near": "NG4"}).content.decode().split('<li class="card">')[1]
    link = reverse("programmes:find_course", args=[course.pk])
    assert f'<a href="{link}">Tuesdays &lt;script&gt;</a>' in card
    assert "<dt>Course</dt><dd>Carers &amp; &lt;friends&gt;</dd>" in card
    assert "<dt>Who it is for</dt><dd>Unpaid carers &lt;b&gt;</dd>" in card
    sessions = course.sessions.count()
    assert f"<dt>When</dt><dd>{first:%A}s, {first:%H:%M} to " in card
    assert f"{sessions} sessions from {first.day} {first:%B %Y}</dd>" in card
    # Sorted by nearness, each card names its district.
    assert "<dt>Where</dt><dd>Newark &amp; Sherwood (NG4), in person</dd>" in card
    assert "<dt>Access</dt><dd>Step-free access" in card
    plain = client.get(FIND).content.decode()
    assert "<dd>Newark &amp; Sherwood, in person</dd>" in plain
