from django.db import models
from django.utils import timezone


class TimeStamped(models.Model):
    """When a row was created (indexed, for lists and audits) and last changed."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
