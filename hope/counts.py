"""Several counts in one query."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Func, IntegerField, QuerySet, Subquery


def counts(**querysets: QuerySet) -> dict[str, int]:
    """How many rows each queryset has, by name, in one query: a page that asks half a
    dozen ``count()``s (the coordinator's home page) pays Django's work and a round trip
    for each. A queryset of ``values(...).distinct()`` counts its distinct values."""
    selects, params = [], []
    for qs in querysets.values():
        qs = qs.order_by()
        if not qs.query.distinct:
            qs = qs.values("pk")
        sql, qs_params = qs.query.sql_with_params()
        # Django's own SQL for the queryset, its values passed as parameters.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(qs_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def count_of(rows: QuerySet) -> Subquery:
    """How many ``rows`` (filtered on an ``OuterRef``), as a subquery to annotate an outer
    query's rows with: COUNT without GROUP BY gives one number a row, 0 when none."""
    counted = Func(F("pk"), function="COUNT", output_field=IntegerField())
    return Subquery(rows.order_by().values(n=counted))
