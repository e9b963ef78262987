from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import Func


class TsTzRange(Func):
    """PostgreSQL's tstzrange(start, end, bounds), for exclusion constraints over time."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()
