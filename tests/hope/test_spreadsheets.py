"""CSV for spreadsheets: formula-safe cells, and blocks that read the same as lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db.models import TextField, Value
from django.db.models.functions import Upper

from hope.models import NoticeDelivery, User
from hope.spreadsheets import (
    SqlLines,
    as_text,
    choice_label,
    csv_blocks,
    csv_lines,
    safe_text,
    spreadsheet_cell,
    sql_rows,
    trusted,
)
from tests.factories import UserFactory


def test_cells_keep_numbers_and_dates_and_defuse_formulas():
    assert spreadsheet_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert spreadsheet_cell("-12") == "'-12"
    assert spreadsheet_cell("Tea and biscuits") == "Tea and biscuits"
    assert spreadsheet_cell(Decimal("12.50")) == Decimal("12.50")
    assert spreadsheet_cell(3) == 3
    assert spreadsheet_cell(None) == ""
    assert spreadsheet_cell(True) == "Yes"
    assert str(spreadsheet_cell(date(2026, 4, 1))) == "2026-04-01"
    assert spreadsheet_cell(datetime(2026, 4, 1, 9, 30, tzinfo=UTC)) == "2026-04-01T09:30:00+00:00"


def test_blocks_read_exactly_as_the_lines():
    rows = [
        [n, f"=cmd{n}", Decimal(n) / 4, date(2026, 1, 1 + n % 28), None, n % 2 == 0,
         datetime(2026, 4, 1, 9, n % 60, tzinfo=UTC), f"-{n}", "tea"]
        for n in range(2500)
    ]  # fmt: skip
    header = ["A", "B", "C", "D", "E", "F", "G", "H", "I"]
    blocks = list(csv_blocks(header, rows, rows_per_block=1000))
    assert len(blocks) == 3
    assert "".join(blocks) == "".join(csv_lines(header, rows))
    assert blocks[0].startswith(
        "\ufeffA,B,C,D,E,F,G,H,I\r\n0,'=cmd0,0,2026-01-01,,Yes,2026-04-01T09:00:00+00:00,'-0,tea\r\n"
    )


@pytest.mark.django_db
def test_postgresql_applies_the_formula_rule_and_words_the_choices():
    names = ["=1+1", "+44", "-2", "@SUM(A1)", "\tTab", "\rCR", "Ann O'Neil", "a=b"]
    for n, name in enumerate(names):
        notices = NoticeDelivery.NOW if n % 2 else NoticeDelivery.DIGEST
        UserFactory(full_name=name, email=f"p{n}@example.org", rota_notices=notices)
    rows = User.objects.filter(email__startswith="p").order_by("pk")
    safe = list(rows.values_list(safe_text("full_name"), flat=True))
    assert safe == [spreadsheet_cell(name) for name in names]
    assert safe[:6] == ["'" + name for name in names[:6]]
    labels = rows.values_list(choice_label("rota_notices", NoticeDelivery.choices), flat=True)
    assert set(labels) == {NoticeDelivery.NOW.label, NoticeDelivery.DIGEST.label}


@pytest.mark.django_db
def test_sql_rows_written_as_they_come_read_as_the_checked_rows():
    UserFactory(full_name="=HYPERLINK(1)", email="q1@example.org")
    UserFactory(full_name="Plain Name, Jr", email="q2@example.org")
    users = User.objects.filter(email__startswith="q").order_by("pk")
    from_sql = users.values_list("pk", safe_text("full_name"), as_text("date_joined"))
    checked = users.values_list("pk", "full_name", as_text("date_joined"))
    header = ["Id", "Name", "Joined"]
    assert "".join(csv_blocks(header, sql_rows(from_sql))) == "".join(
        csv_blocks(header, list(checked))
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "column", ["full_name", "email", "is_active", "date_joined", "groups__name"]
)
def test_sql_rows_refuses_a_column_postgresql_has_not_made_safe(column):
    with pytest.raises(ValueError, match="not made spreadsheet-safe"):
        sql_rows(User.objects.values_list("pk", column))
    with pytest.raises(ValueError, match="not made spreadsheet-safe"):
        sql_rows(User.objects.values_list("pk", Upper(column)))


@pytest.mark.django_db
def test_sql_rows_accepts_whole_numbers_and_marked_columns():
    sql_rows(User.objects.values_list("pk", "id", safe_text("full_name"), as_text("last_login")))


@pytest.mark.django_db
def test_postgresql_writes_each_line_exactly_as_the_csv_module_would():
    names = [
        "Plain", "Comma, Jr", 'Say "hi"', '=cmd,"x"', "Line\nbreak", "CR\rhere",
        "CRLF\r\nend", "\rCR first", "-1,2", "£ and é", " spaced ", "'quoted'", '"',
        ",", "",
    ]  # fmt: skip
    for n, name in enumerate(names):
        notices = NoticeDelivery.NOW if n % 2 else NoticeDelivery.DIGEST
        UserFactory(full_name=name, email=f"w{n}@example.org", rota_notices=notices)
    users = User.objects.filter(email__startswith="w").order_by("pk")
    # Labels and fixed texts that need quotes take PostgreSQL's test as user text does.
    awkward = [(NoticeDelivery.NOW, 'Now, "at once"'), (NoticeDelivery.DIGEST, "Daily")]
    from_sql = users.values_list(
        "pk",
        safe_text("full_name"),
        as_text("last_login"),  # never set: NULL, written as nothing
        choice_label("rota_notices", awkward),
        trusted(Value("a, b", output_field=TextField())),
        trusted(Value("", output_field=TextField())),
        safe_text("email"),
    )
    labels = dict(awkward)
    checked = [
        [pk, name, None, labels[notices], "a, b", "", email]
        for pk, name, notices, email in users.values_list(
            "pk", "full_name", "rota_notices", "email"
        )
    ]
    header = ["Id", "Name", "Last", "Notices", "Fixed", "Empty", "Email"]
    written = "".join(csv_blocks(header, sql_rows(from_sql), rows_per_block=4))
    assert written == "".join(csv_lines(header, checked))
    assert len(list(csv_blocks(header, sql_rows(from_sql), rows_per_block=4))) == 4


@pytest.mark.django_db
def test_a_row_of_one_empty_cell_is_written_as_the_csv_module_writes_it():
    UserFactory(full_name="", email="e1@example.org")
    UserFactory(full_name="Ann", email="e2@example.org")
    users = User.objects.filter(email__startswith="e").order_by("pk")
    from_sql = sql_rows(users.values_list(safe_text("full_name")))
    assert "".join(csv_blocks(["Name"], from_sql)) == "".join(csv_lines(["Name"], [[""], ["Ann"]]))


@pytest.mark.django_db(transaction=True)
def test_rows_made_safe_by_postgresql_stream_rather_than_being_stored_first():
    from django.db import connection

    for n in range(3):
        UserFactory(full_name=f"Person {n}")
    blocks = csv_blocks(
        ["Name"], sql_rows(User.objects.order_by("pk").values_list(safe_text("full_name"))),
        rows_per_block=1,
    )  # fmt: skip
    next(blocks)
    # Outside a transaction the cursor would be WITH HOLD: PostgreSQL works out and stores
    # every row before the first is sent.
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable FROM pg_cursors")
        assert cursor.fetchall() == [(False,)]
    assert "".join(blocks).count("Person") == 2
    blocks.close()
    assert connection.get_autocommit()


@pytest.mark.django_db
def test_sql_lines_are_built_once_and_written_as_sql_rows_writes_them_for_every_value():
    for n, name in enumerate(["Ann", "=Bob, Jr", 'Cat "C"', "Dan"]):
        UserFactory(full_name=name, email=f"s{n}@example.org")
    built = []

    def named_after(first: int):
        built.append(first)
        return (
            User.objects.filter(email__startswith="s", pk__gte=first)
            .order_by("pk")
            .values_list("pk", safe_text("full_name"), as_text("date_joined"))
        )

    lines = SqlLines(named_after, first=int)
    header = ["Id", "Name", "Joined"]
    for user in User.objects.filter(email__startswith="s").order_by("pk"):
        expected = "".join(csv_blocks(header, sql_rows(named_after(user.pk))))
        assert "".join(csv_blocks(header, lines.rows(first=user.pk), rows_per_block=2)) == expected
    assert len([first for first in built if first < 0]) == 1  # built once, with a made-up id
