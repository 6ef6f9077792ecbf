"""Birthdays as rules (``csm_tui.rules.birthdays``): solar and lunar (农历) dates, and the working day before. No
database; the lunar dates are checked against the published calendar."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import Solar

from csm_tui.policy import Policy
from csm_tui.rules.birthdays import (
    birthdays,
    greeting_days,
    lunar_birthday,
    lunar_of,
    next_birthday,
    solar_birthday,
    solar_month_days,
)


def test_a_solar_birthday_on_29_february_falls_on_the_28th_in_a_common_year() -> None:
    born = dt.date(1964, 2, 29)
    assert solar_birthday(born, 2026) == dt.date(2026, 2, 28)
    assert solar_birthday(born, 2028) == dt.date(2028, 2, 29)
    assert "0229" in solar_month_days(dt.date(2026, 2, 28), dt.date(2026, 2, 28))
    assert "0229" not in solar_month_days(dt.date(2028, 2, 28), dt.date(2028, 2, 28))


def test_a_lunar_birthday_keeps_the_lunar_month_and_day() -> None:
    # Born on 中秋 1980 (lunar 8/15, 23 September 1980): 中秋 2026 is 25 September.
    born = dt.date(1980, 9, 23)
    assert lunar_of(born) == (8, 15)
    assert lunar_birthday(born, 2026) == dt.date(2026, 9, 25)
    assert next_birthday(born, True, dt.date(2026, 9, 1)) == dt.date(2026, 9, 25)
    assert next_birthday(born, False, dt.date(2026, 9, 1)) == dt.date(2026, 9, 23)


def test_a_lunar_30th_falls_on_the_29th_of_a_short_month() -> None:
    # 26 January 1990 is lunar 12/30 (除夕); the twelfth month of lunar 2025 has 29 days: its 29th, 16 February 2026.
    born = dt.date(1990, 1, 26)
    assert lunar_of(born) == (12, 30)
    assert lunar_birthday(born, 2025) == dt.date(2026, 2, 16)


def test_a_leap_month_birthday_is_kept_in_the_ordinary_month() -> None:
    born = dt.date(2023, 4, 15)  # lunar 闰2月25 of 2023
    assert Solar.fromYmd(2023, 4, 15).getLunar().getMonth() == -2
    assert lunar_of(born) == (2, 25)
    assert lunar_birthday(born, 2024) == dt.date(2024, 4, 3)  # 二月廿五 of 2024


def test_friday_greets_the_weekend_and_monday_on_the_real_calendar() -> None:
    calendar = Policy().calendar
    friday = dt.date(2026, 11, 27)
    monday = calendar.next_working_day(friday + dt.timedelta(days=1))
    assert greeting_days(friday, monday) == (dt.date(2026, 11, 28), dt.date(2026, 11, 30))


def test_before_national_day_the_whole_holiday_is_greeted() -> None:
    calendar = Policy().calendar
    last_before = dt.date(2026, 9, 30)  # Wednesday; 1–7 October off, Thursday 8 October worked
    after = calendar.next_working_day(last_before + dt.timedelta(days=1))
    assert greeting_days(last_before, after) == (dt.date(2026, 10, 1), dt.date(2026, 10, 8))


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31)), st.integers(2026, 2090))
def test_every_lunar_birthday_is_the_birth_lunar_day_or_the_month_end(born: dt.date, year: int) -> None:
    month, day = lunar_of(born)
    found = lunar_birthday(born, year)
    lunar = Solar.fromYmd(found.year, found.month, found.day).getLunar()
    assert (lunar.getMonth(), lunar.getYear()) == (month, year)
    assert lunar.getDay() == day or (day == 30 and lunar.getDay() == 29)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 12, 31)),
    st.booleans(),
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2060, 12, 31)),
)
def test_there_is_a_birthday_every_year_and_the_next_is_the_first(born: dt.date, lunar: bool, day: dt.date) -> None:
    found = next_birthday(born, lunar, day)
    assert found is not None and day <= found <= day + dt.timedelta(days=400)
    assert list(birthdays(born, lunar, day, found - dt.timedelta(days=1))) == []
    if not lunar:
        assert f"{born.month:02d}{born.day:02d}" in solar_month_days(found, found)
