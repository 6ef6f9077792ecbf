"""The branch policy: shipped defaults, override files, refusals that name file, key and reason."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csm_tui.domain.enums import Grade, RiskLevel
from csm_tui.policy import (
    Assessment,
    Assignment,
    AssignWithin,
    Calendar,
    NewClients,
    Policy,
    PolicyError,
    load_policy,
)

FRIDAY = dt.date(2026, 11, 27)


def write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ------------------------------------------------------------------------------------------------


def test_defaults_are_valid() -> None:
    policy = Policy()
    assert load_policy(None) == policy
    assert Policy.model_validate(policy.model_dump()) == policy
    assert policy.tiers.quick_wealth < policy.tiers.jiaoyin < policy.tiers.wode
    assert policy.assessment.validity_months <= 12
    assert list(policy.assessment.bands) == sorted(set(policy.assessment.bands))
    assert policy.calendar.tz == "Asia/Shanghai"


def test_default_scorecard_weights_total_100() -> None:
    indicators = Policy().scorecard.indicators
    assert sum(i.weight for i in indicators.values()) == 100
    for code, indicator in indicators.items():
        assert set(indicator.targets) == set(Grade), code


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, "")) == Policy()


# --- overrides -----------------------------------------------------------------------------------------------


def _differences(a: Any, b: Any, prefix: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: set[str] = set()
        for key in a.keys() | b.keys():
            out |= _differences(a.get(key), b.get(key), f"{prefix}{key}.")
        return out
    return set() if a == b else {prefix.rstrip(".")}


def test_override_changes_one_key_only(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "[calls]\ndaily_target = 25\n"))
    assert policy.calls.daily_target == 25
    assert _differences(policy.model_dump(), Policy().model_dump()) == {"calls.daily_target"}


def test_override_of_a_nested_indicator_keeps_its_other_settings(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "[scorecard.indicators.calls]\nweight = 6\n"))
    assert policy.scorecard.indicators["calls"].weight == Decimal(6)
    assert _differences(policy.model_dump(), Policy().model_dump()) == {"scorecard.indicators.calls.weight"}


def test_override_values_are_typed(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            """
            [tiers]
            wode = "600000.00"
            [calendar]
            tz = "Asia/Urumqi"
            holidays = [2026-10-01, 2026-10-02]
            extra_working_days = [2026-10-10]
            [assessment]
            bands = [40, 60, 80, 90]
            [assignment]
            new_clients = "least_loaded"
            within = "branch"
            """,
        )
    )
    assert policy.assignment == Assignment(new_clients=NewClients.LEAST_LOADED, within=AssignWithin.BRANCH)
    assert Policy().assignment.new_clients is NewClients.UNASSIGNED
    assert policy.tiers.wode == Decimal("600000.00")
    assert policy.calendar.tz == "Asia/Urumqi"
    assert policy.calendar.holidays == (dt.date(2026, 10, 1), dt.date(2026, 10, 2))
    assert policy.calendar.extra_working_days == (dt.date(2026, 10, 10),)
    assert policy.assessment.bands == (40, 60, 80, 90)
    assert policy.calls == Policy().calls


# --- refusals ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("text", "keys", "reason"),
    [
        ('[calls]\ndaily_target = "ten"\n', {"calls.daily_target"}, "whole number"),
        ("[calls]\ndaily_target = 0\n", {"calls.daily_target"}, "must be at least 1"),
        ("[calls]\ndaily_targett = 12\n", {"calls.daily_targett"}, "unknown key"),
        ("[callz]\ndaily_target = 12\n", {"callz"}, "unknown key"),
        ('[calendar]\ntz = "Mars/Olympus"\n', {"calendar", "calendar.tz"}, "Mars/Olympus"),
        ("[assessment]\nbands = [50, 40, 80, 95]\n", {"assessment", "assessment.bands"}, "rise"),
        ("[assessment]\nbands = [50, 50, 80, 95]\n", {"assessment", "assessment.bands"}, "rise"),
        ("[assessment]\nvalidity_months = 13\n", {"assessment.validity_months"}, "at most 12"),
        ("[assessment]\nreuse_months = 12\nvalidity_months = 6\n", {"assessment"}, "reuse_months"),
        ("[tiers]\njiaoyin = 600000\n", {"tiers"}, "thresholds must rise"),
        ('[tiers]\njiaoyin = "50000.001"\n', {"tiers.jiaoyin"}, "two decimal places"),
        ("[scorecard.indicators.calls]\nweight = 0\n", {"scorecard.indicators.calls.weight"}, "must be above 0"),
        ('[assignment]\nnew_clients = "round_robin"\n', {"assignment.new_clients"}, "least_loaded"),
        ('[assignment]\nwithin = "city"\n', {"assignment.within"}, "outlet"),
    ],
)
def test_bad_values_are_refused_with_file_key_and_reason(
    tmp_path: Path, text: str, keys: set[str], reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.path == path
    assert err.value.key in keys
    assert reason in err.value.reason
    assert str(err.value).startswith(f"{path}: {err.value.key}: ")


@pytest.mark.usefixtures("english")
def test_bad_toml_syntax_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[calls\ndaily_target = 12\n")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.path == path
    assert err.value.key == "-"
    assert "line 1" in err.value.reason


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b"\xff\xfe[calls]\n")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.path == path


def test_missing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.path == path
    assert err.value.code == "file_error.missing"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        load_policy(tmp_path)
    assert err.value.path == tmp_path
    assert err.value.code == "file_error.not_regular"


# --- assessment levels ---------------------------------------------------------------------------------------

# Bands the default questionnaire (12 questions of 2–10 points: the even scores 24–120) reaches every level with.
rising_bands = st.lists(st.sampled_from(range(24, 120, 2)), min_size=4, max_size=4, unique=True).map(
    lambda b: tuple(sorted(b))
)


@settings(max_examples=200)
@given(rising_bands, st.integers(-10, 200), st.integers(-10, 200))
def test_level_for_is_monotonic_and_matches_the_bands(bands: tuple[int, ...], a: int, b: int) -> None:
    assessment = Assessment(bands=bands)  # type: ignore[arg-type]
    low, high = sorted((a, b))
    assert assessment.level_for(low) <= assessment.level_for(high)
    assert assessment.level_for(a) == RiskLevel(1 + sum(a > upper for upper in bands))


def test_level_for_band_edges() -> None:
    assessment = Policy().assessment  # (50, 65, 80, 95)
    assert [assessment.level_for(s) for s in (0, 50, 51, 65, 66, 80, 81, 95, 96, 1000)] == [
        RiskLevel.C1,
        RiskLevel.C1,
        RiskLevel.C2,
        RiskLevel.C2,
        RiskLevel.C3,
        RiskLevel.C3,
        RiskLevel.C4,
        RiskLevel.C4,
        RiskLevel.C5,
        RiskLevel.C5,
    ]


# --- the calendar --------------------------------------------------------------------------------------------


def test_next_working_day_skips_the_weekend() -> None:
    calendar = Calendar()
    assert calendar.next_working_day(FRIDAY) == FRIDAY
    assert calendar.next_working_day(FRIDAY + dt.timedelta(days=1)) == dt.date(2026, 11, 30)
    assert calendar.next_working_day(FRIDAY + dt.timedelta(days=2)) == dt.date(2026, 11, 30)


def test_next_working_day_skips_holidays_and_honours_extra_working_days() -> None:
    golden_week = tuple(dt.date(2026, 10, d) for d in range(1, 8))
    calendar = Calendar(holidays=golden_week, extra_working_days=(dt.date(2026, 10, 10),))
    assert calendar.next_working_day(dt.date(2026, 9, 30)) == dt.date(2026, 9, 30)
    assert calendar.next_working_day(dt.date(2026, 10, 1)) == dt.date(2026, 10, 8)
    assert calendar.next_working_day(dt.date(2026, 10, 9)) == dt.date(2026, 10, 9)
    assert calendar.next_working_day(dt.date(2026, 10, 10)) == dt.date(2026, 10, 10)  # a Saturday, worked
    assert calendar.next_working_day(dt.date(2026, 10, 11)) == dt.date(2026, 10, 12)


def test_no_working_day_at_all_is_an_error() -> None:
    a_year_off = tuple(FRIDAY + dt.timedelta(days=n) for n in range(366))
    with pytest.raises(ValueError, match="no working day"):
        Calendar(holidays=a_year_off).next_working_day(FRIDAY)


days_around = st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@settings(max_examples=200)
@given(
    days_around,
    st.frozensets(days_around, max_size=40),
    st.frozensets(days_around, max_size=10),
    st.frozensets(st.integers(0, 6), min_size=1),
)
def test_next_working_day_is_the_first_working_day_on_or_after(
    day: dt.date, holidays: frozenset[dt.date], extra: frozenset[dt.date], weekdays: frozenset[int]
) -> None:
    extra -= holidays  # a day listed both off and on is refused (tests/app/test_working_days.py)
    calendar = Calendar(
        public_holidays=False,  # the branch's own days only: the property is about how they combine
        holidays=tuple(sorted(holidays)),
        extra_working_days=tuple(sorted(extra)),
        working_weekdays=tuple(weekdays),
    )

    def working(d: dt.date) -> bool:
        return d in extra or (d.weekday() in weekdays and d not in holidays)

    result = calendar.next_working_day(day)
    assert result >= day
    assert working(result)
    assert result not in holidays or result in extra
    assert all(not working(day + dt.timedelta(days=n)) for n in range((result - day).days))


def test_the_readmes_policy_examples_load(tmp_path: Path) -> None:
    """Every TOML example under the README's policy and checklist sections is a policy file the app accepts."""
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    examples = [b for b in blocks if "db_url" not in b]  # the settings file is not a policy file
    assert len(examples) >= 2
    for n, text in enumerate(examples):
        path = tmp_path / f"example{n}.toml"
        path.write_text(textwrap.dedent(text), "utf-8")
        load_policy(path)
    checklist = next(n for n, text in enumerate(examples) if "[[checklist.items]]" in text)
    custom = load_policy(tmp_path / f"example{checklist}.toml")
    assert [i.code for i in custom.checklist.items] == ["cash_box"]
