"""The beat plans the drivers' reminders every five minutes, through programmes' task."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from celery.schedules import crontab

from hope.celery import app
from hope.models import Message
from hope.roles import Role
from programmes.models import Ride
from programmes.services.participants import place_request
from programmes.services.rides import ride_take
from programmes.tasks import plan_driver_reminders
from tests.factories import CourseFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_beat_plans_the_drivers_reminders_every_five_minutes(coordinator):
    entry = app.conf.beat_schedule["plan-driver-reminders"]
    assert entry["task"] == plan_driver_reminders.name == "programmes.tasks.plan_driver_reminders"
    assert entry["schedule"] == crontab(minute="*/5")
    rider = ParticipantFactory(needs_transport=True, pickup_postcode="NG4 2RL")
    place_request(participant=rider, course=CourseFactory(), by=coordinator)
    ride = Ride.objects.order_by("start", "pk").first()
    val = UserFactory(full_name="Val Singh", roles=[Role.VOLUNTEER], is_driver=True)
    ride_take(ride=ride, driver=val, by=val)
    with time_machine.travel(ride.session.start - timedelta(hours=23), tick=False):
        plan_driver_reminders.delay()
        plan_driver_reminders.delay()
    [reminder] = Message.objects.filter(kind="ride_reminder")
    assert reminder.recipient == val
    assert "Collect from: NG4 2RL" in reminder.body_text
