"""A day someone picks starts at midnight in London, in summer time too."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hope.days import day_after, day_start


def test_a_winter_day_starts_at_midnight_utc():
    assert day_start(date(2027, 1, 11)) == datetime(2027, 1, 11, 0, 0, tzinfo=UTC)
    assert day_after(date(2027, 1, 11)) == datetime(2027, 1, 12, 0, 0, tzinfo=UTC)


def test_a_summer_day_starts_at_eleven_the_evening_before_utc():
    assert day_start(date(2027, 6, 14)) == datetime(2027, 6, 13, 23, 0, tzinfo=UTC)
    assert day_after(date(2027, 6, 14)) == datetime(2027, 6, 14, 23, 0, tzinfo=UTC)


def test_the_days_the_clocks_change_are_23_and_25_hours_long():
    def hours(day):
        # Between instants (Python subtracts wall-clock times within one zone).
        length = day_after(day).astimezone(UTC) - day_start(day).astimezone(UTC)
        return length.total_seconds() / 3600

    assert hours(date(2027, 3, 28)) == 23
    assert hours(date(2027, 10, 31)) == 25
