"""The coordinator's home page figures and choice of driver are remembered, and forgotten
as soon as something they are made from changes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.utils import timezone

from hope.cache import cache_breaker
from hope.models import TeamSettings
from hope.roles import Role
from hope.services import person_set_active
from hope.site.figures import HOME_FIGURES_VERSION, REMEMBER_SECONDS
from programmes.access import DRIVERS_VERSION
from programmes.models import Course, CourseStatus
from programmes.services.participants import place_request
from tests.factories import CourseFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def team_settings(db):
    # Made on first reading, as on a new site: a save the figures hear.
    return TeamSettings.current()


def drafts_line(client) -> str:
    html = client.get("/").content.decode()
    found = re.search(r"<p>(\d+) draft courses? not yet published", html)
    return found.group(1) if found else "none"


def test_the_figures_follow_every_saved_change(client, coordinator):
    client.force_login(coordinator)
    assert drafts_line(client) == "none"
    first = CourseFactory(status=CourseStatus.DRAFT)
    assert drafts_line(client) == "1"
    CourseFactory(status=CourseStatus.DRAFT)
    assert drafts_line(client) == "2"
    first.status = CourseStatus.PUBLISHED
    first.save(update_fields=["status"])
    assert drafts_line(client) == "1"
    first.delete()
    assert drafts_line(client) == "1"


def test_the_figures_are_remembered_until_a_row_changes(client, coordinator):
    CourseFactory(status=CourseStatus.DRAFT)
    client.force_login(coordinator)
    assert drafts_line(client) == "1"
    # Changed behind the app's back (no save it hears): the remembered figure stays...
    Course.objects.update(status=CourseStatus.PUBLISHED)
    assert drafts_line(client) == "1"
    # ...for at most a minute (Redis drops it)...
    key = cache.make_key(f"home:figures:{HOME_FIGURES_VERSION.current()}")
    assert 0 < cache._cache.get_client(key).ttl(key) <= REMEMBER_SECONDS == 60
    # ...or until a save that could change it.
    CourseFactory(status=CourseStatus.DRAFT)
    assert drafts_line(client) == "1"  # the new draft; the other was published


def test_while_redis_is_away_the_figures_are_counted_afresh(client, coordinator):
    CourseFactory(status=CourseStatus.DRAFT)
    client.force_login(coordinator)
    assert drafts_line(client) == "1"
    cache_breaker.trip()
    Course.objects.update(status=CourseStatus.PUBLISHED)
    assert drafts_line(client) == "none"


def _options(client) -> list[str]:
    html = client.get("/").content.decode()
    card = html.split('id="rides-wanted-heading"')[1].split("</section>")[0]
    select = card.split('name="driver">')[1].split("</select>")[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


@pytest.fixture
def ride_wanted(coordinator):
    course = CourseFactory(first_start=timezone.now() + timedelta(days=2))
    rider = ParticipantFactory(needs_transport=True, pickup_postcode="NG4 2RL")
    place_request(participant=rider, course=course, by=coordinator)


def test_the_choice_of_driver_follows_people_and_their_roles(
    client, coordinator, volunteer, ride_wanted
):
    UserFactory(full_name="Zoe Otherdriver", roles=[Role.VOLUNTEER], is_driver=True)
    client.force_login(coordinator)
    assert volunteer.full_name in _options(client)
    newcomer = UserFactory(full_name="Aaron Newdriver", roles=[Role.VOLUNTEER], is_driver=True)
    assert "Aaron Newdriver" in _options(client)
    newcomer.groups.clear()  # roles changed without a save of the person
    assert "Aaron Newdriver" not in _options(client)
    person_set_active(person=volunteer, active=False, by=coordinator)
    assert volunteer.full_name not in _options(client)


def test_a_sign_in_does_not_forget_the_drivers(client, coordinator, volunteer, ride_wanted):
    client.force_login(coordinator)
    _options(client)
    version = DRIVERS_VERSION.current()
    user_logged_in.send(sender=type(volunteer), request=None, user=volunteer)
    assert DRIVERS_VERSION.current() == version
