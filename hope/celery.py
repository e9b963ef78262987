"""The Celery app: Redis broker, tasks discovered in each app's tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hope.settings")

app = Celery("hope")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Schedules live in code, in Europe/London (CELERY_TIMEZONE). Run exactly one beat.
app.conf.beat_schedule = {
    "send-due-messages": {"task": "hope.tasks.send_due_messages", "schedule": 60.0},
    "plan-reminders": {
        "task": "facilitators.tasks.plan_reminders",
        "schedule": crontab(minute="*/5"),
    },
    "cover-digest": {
        "task": "facilitators.tasks.cover_digest",
        "schedule": crontab(hour=7, minute=30),
    },
    "notice-digest": {"task": "hope.tasks.notice_digest", "schedule": crontab(hour=7, minute=0)},
    "unmet-cover": {"task": "facilitators.tasks.unmet_cover", "schedule": crontab(minute=5)},
    "budget-alerts": {"task": "expenses.tasks.budget_alerts", "schedule": crontab(minute=15)},
    "lapse-offers": {"task": "programmes.tasks.lapse_offers", "schedule": crontab(minute="*/5")},
    "plan-participant-reminders": {
        "task": "programmes.tasks.plan_reminders",
        "schedule": crontab(minute="*/5"),
    },
    "plan-driver-reminders": {
        "task": "programmes.tasks.plan_driver_reminders",
        "schedule": crontab(minute="*/5"),
    },
    "retention": {"task": "hope.tasks.retention", "schedule": crontab(hour=3, minute=40)},
}
