"""Rules with one home: every page and message that speaks of them agrees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from facilitators.cover import COVER_WINDOW_DAYS
from facilitators.digest import send_cover_digest
from facilitators.models import Training
from facilitators.queries import refreshers_due_count
from hope.models import Message
from programmes.models import CourseStatus
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def test_sessions_missing_a_facilitator_are_the_same_on_the_home_page_cover_page_and_digest(
    client, coordinator
):
    now = timezone.now()
    CourseFactory(title="Published soon", first_start=now + timedelta(days=2))  # 4 in window
    CourseFactory(
        title="Draft soon", first_start=now + timedelta(days=2), status=CourseStatus.DRAFT
    )
    CourseFactory(title="Later", first_start=now + timedelta(days=COVER_WINDOW_DAYS + 1))
    client.force_login(coordinator)
    home = client.get(reverse("home"))
    cover = client.get(reverse("facilitators:cover_gaps"))
    on_cover_page = {gap.session.pk for gap in cover.context["gaps"]}
    assert home.context["cover_gaps"] == len(on_cover_page) == 4
    assert send_cover_digest() == 1
    digest = Message.objects.get(kind="cover_digest").body_text
    assert digest.count("Published soon, session") == 4
    assert "Draft soon" not in digest and "Later" not in digest


def test_a_deactivated_facilitator_is_not_counted_as_due_a_refresher(
    client, coordinator, workforce, lived, programme
):
    long_ago = timezone.localdate() - timedelta(days=3 * 365)
    Training.objects.filter(profile__in=[workforce, lived]).update(
        trained_on=long_ago, refreshed_on=None
    )
    assert refreshers_due_count() == 2
    lived.user.is_active = False
    lived.user.save()
    assert refreshers_due_count() == 1
    client.force_login(coordinator)
    assert client.get(reverse("home")).context["refreshers_due"] == 1
