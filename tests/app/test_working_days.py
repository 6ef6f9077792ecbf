"""The working-day calendar: China's public holidays and make-up working days (调休) from ``chinesecalendar``, the
branch's own closures and working days on top, a day off and on at once refused, and a year the package does not
cover counted as weekdays with the admin warned. The 2026 dates are the State Council's (DOMAIN.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from csm_tui import policy as policy_module
from csm_tui import public_holidays
from csm_tui.app import CsmApp
from csm_tui.cli import open_workstation
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Disposition, TaskKind
from csm_tui.i18n import set_language, t
from csm_tui.policy import Calendar, Policy, PolicyError, load_policy
from csm_tui.public_holidays import covered_years, national_year
from csm_tui.rules.cadence import Cadence, ContactState, NextTask
from csm_tui.services import days
from csm_tui.services.calls import queue
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from tests.support.pilot import notices, recording_notices, settle

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock on ``day`` in Shanghai, as a UTC instant."""
    return dt.datetime.combine(day, dt.time(hour), SHANGHAI).astimezone(dt.UTC)


def workstation(day: dt.date, policy: Policy | None = None) -> Workstation:
    """A workstation with no database, for the rules that read only the clock and the policy."""
    return Workstation(
        uow=None,  # type: ignore[arg-type]
        staff=None,  # type: ignore[arg-type]
        outlet=None,
        time=BranchTime(FrozenClock(at(day).isoformat()), "Asia/Shanghai"),
        policy=policy or Policy(),
        demo=False,
    )


# --- the national calendar ----------------------------------------------------------------------------------------


def test_2026_holidays_and_make_up_days_come_from_the_package() -> None:
    year = national_year(2026)
    assert year is not None
    assert sorted(year.make_up_days) == [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9),
                                         D(2026, 9, 20), D(2026, 10, 10)]  # fmt: skip
    assert {D(2026, 10, n) for n in range(1, 8)} <= year.days_off
    calendar = Calendar()
    assert not calendar.is_working_day(D(2026, 10, 1))  # National Day, a Thursday
    assert not calendar.is_working_day(D(2026, 10, 7))
    assert calendar.is_working_day(D(2026, 10, 8))
    assert calendar.is_working_day(D(2026, 10, 10))  # a Saturday, worked (调休)
    assert not calendar.is_working_day(D(2026, 10, 11))  # the Sunday after
    assert calendar.is_working_day(D(2026, 2, 14))  # a Saturday before the Spring Festival, worked
    assert not calendar.is_working_day(D(2026, 2, 23))  # a Monday of the Spring Festival


def test_an_interested_call_before_national_day_falls_due_after_it() -> None:
    follow_up = Cadence(Policy()).after_contact(Disposition.INTERESTED, at(D(2026, 9, 28)), ContactState())
    assert follow_up.tasks == (NextTask(TaskKind.FOLLOW_UP, D(2026, 10, 8)),)  # not 1 October


def test_the_confirmation_call_is_the_working_day_before_the_meeting() -> None:
    cadence = Cadence(Policy())
    booked = at(D(2026, 9, 28))
    # A meeting on the first working day after the holiday: confirmed on 30 September, the last one before it.
    assert cadence.appointment_confirmation(at(D(2026, 10, 8)), booked) == [
        NextTask(TaskKind.APPOINTMENT_CONFIRM, D(2026, 9, 30))
    ]
    # A meeting on Monday 12 October: the working day before is Saturday 10 October (调休).
    assert cadence.appointment_confirmation(at(D(2026, 10, 12)), booked) == [
        NextTask(TaskKind.APPOINTMENT_CONFIRM, D(2026, 10, 10))
    ]


def test_no_answer_on_the_last_day_before_the_holiday_is_tried_again_after_it() -> None:
    late = dt.datetime.combine(D(2026, 9, 30), dt.time(17), SHANGHAI).astimezone(dt.UTC)
    assert Cadence(Policy()).retry(late, 0) == NextTask(TaskKind.CALLBACK, D(2026, 10, 8))


def test_the_queue_and_the_checklist_look_to_the_next_working_day() -> None:
    ws = workstation(D(2026, 9, 30))
    assert queue.window(ws).confirm_start == ws.time.day_bounds(D(2026, 10, 8))[0]
    assert days.day_window(ws, D(2026, 9, 30)).next_start == ws.time.day_bounds(D(2026, 10, 8))[0]
    assert days.next_working_morning(ws).date() == D(2026, 10, 8)
    friday = workstation(D(2026, 10, 9))
    assert queue.window(friday).confirm_start == ws.time.day_bounds(D(2026, 10, 10))[0]  # the Saturday worked


def test_the_working_days_of_q4_2026_make_the_call_target() -> None:
    calendar = Calendar()
    # October 22 weekdays − 5 of the holiday + Saturday 10th = 18; November 21; December 23.
    assert calendar.working_days_between(D(2026, 10, 1), D(2026, 10, 31)) == 18
    assert calendar.working_days_between(D(2026, 10, 1), D(2026, 12, 31)) == 62
    assert calendar.working_days_between(D(2026, 12, 31), D(2026, 10, 1)) == 0
    ws = workstation(D(2027, 1, 5))
    window = quarter_scores.score_window(ws, quarter_scores.Quarter(2026, 4), None)
    assert quarter_scores.working_days(ws, window) == 62
    raw = quarter_scores.QuarterRaw(calls=310)
    assert quarter_scores.measures(raw, 62, ws.policy)[quarter_scores.Measure.CALLS_VS_TARGET] == 50  # 310 of 62 × 10


def test_the_calendar_counts_across_years() -> None:
    calendar = Calendar()
    # 31 Dec 2025 (Wednesday) worked; 1–3 January 2026 off; Sunday 4 January worked (调休).
    assert calendar.working_days_between(D(2025, 12, 31), D(2026, 1, 4)) == 2
    assert calendar.working_days_between(D(2025, 12, 31), D(2026, 1, 3)) == 1


# --- the branch's own days ------------------------------------------------------------------------------------------


def test_the_branch_adds_closures_and_working_days_on_top(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[calendar]\nholidays = [2026-11-30]\nextra_working_days = [2026-10-02]\n", encoding="utf-8")
    calendar = load_policy(path).calendar
    assert not calendar.is_working_day(D(2026, 11, 30))  # the outlet's own closure, a Monday
    assert calendar.next_working_day(D(2026, 11, 28)) == D(2026, 12, 1)
    assert calendar.is_working_day(D(2026, 10, 2))  # worked whatever the national calendar says
    assert not calendar.is_working_day(D(2026, 10, 1))  # the package's holidays still hold
    assert calendar.is_working_day(D(2026, 10, 10))  # and its make-up days


def test_a_calendar_without_the_package_is_weekdays_and_the_branch_s_days() -> None:
    calendar = Calendar(public_holidays=False, holidays=(D(2026, 10, 1),))
    assert not calendar.is_working_day(D(2026, 10, 1))
    assert calendar.is_working_day(D(2026, 10, 2))
    assert not calendar.is_working_day(D(2026, 10, 10))
    assert calendar.uncovered_years(D(2026, 12, 3)) == []  # nothing to warn of: the branch chose no package


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_day_both_off_and_on_is_refused_with_its_key(tmp_path: Path, lang: str) -> None:
    set_language(lang)
    path = tmp_path / "policy.toml"
    path.write_text(
        "[calendar]\nholidays = [2026-10-09, 2026-11-30]\nextra_working_days = [2026-10-10, 2026-11-30]\n",
        encoding="utf-8",
    )
    try:
        with pytest.raises(PolicyError) as caught:
            load_policy(path)
        assert caught.value.key == "calendar.extra_working_days"
        assert caught.value.reason == t("value.day_off_and_on", day="2026-11-30")
        assert "2026-11-30" in caught.value.reason and "\n" not in str(caught.value)
    finally:
        set_language("zh_CN")
    assert t("value.day_off_and_on", day="x") != "value.day_off_and_on"


# --- a year the package does not cover ------------------------------------------------------------------------------


def test_a_year_the_package_lacks_counts_weekdays_and_the_branch_s_days() -> None:
    far = 2099
    assert far not in covered_years() and national_year(far) is None
    calendar = Calendar(holidays=(D(far, 3, 2),), extra_working_days=(D(far, 3, 7),))
    assert calendar.is_working_day(D(far, 3, 3))  # a Tuesday
    assert not calendar.is_working_day(D(far, 3, 1))  # a Sunday
    assert not calendar.is_working_day(D(far, 3, 2))  # the branch's closure
    assert calendar.is_working_day(D(far, 3, 7))  # a Saturday the branch works
    assert calendar.next_working_day(D(far, 1, 1)) == D(far, 1, 1)  # a Thursday: no crash, no holiday known
    due = Cadence(Policy()).after_contact(Disposition.INTERESTED, at(D(far, 2, 27)), ContactState())
    assert due.tasks == (NextTask(TaskKind.FOLLOW_UP, D(far, 3, 2)),)


def test_the_admin_is_warned_from_the_first_of_december_before_an_uncovered_year() -> None:
    calendar = Calendar()
    last = covered_years()[-1]
    assert calendar.uncovered_years(D(last, 11, 30)) == []
    assert calendar.uncovered_years(D(last, 12, 1)) == [last + 1]
    assert calendar.uncovered_years(D(last + 1, 1, 1)) == [last + 1]
    assert calendar.uncovered_years(D(2098, 12, 31)) == [2098, 2099]


@pytest.fixture
def without_2027(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The package as installed today (chinesecalendar 1.11.0 stops at 2026), whatever version is installed."""

    def lacking(year: int) -> object:
        return None if year >= 2027 else national_year(year)

    monkeypatch.setattr(policy_module, "national_year", lacking)
    monkeypatch.setattr(public_holidays, "national_year", lacking)
    public_holidays.working_days.cache_clear()
    yield
    public_holidays.working_days.cache_clear()


def _app(demo_url: str, login: str, day: str) -> CsmApp:
    ws = open_workstation(make_engine(demo_url), FrozenClock(day), Policy(), login)
    return recording_notices(CsmApp(ws, lang="en"))


@pytest.mark.usefixtures("without_2027")
async def test_the_admin_sees_the_warning_on_3_december(demo_url: str) -> None:
    app = _app(demo_url, "admin", "2026-12-03T02:00:00Z")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert any("2027" in m and "chinesecalendar" in m for m in notices(app))
        assert "2027" in app.sub_title
    csm = _app(demo_url, "csm01", "2026-12-03T02:00:00Z")
    async with csm.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert not any("chinesecalendar" in m for m in notices(csm))
        assert "2027" not in csm.sub_title


@pytest.mark.usefixtures("without_2027")
async def test_the_admin_sees_no_warning_in_november(demo_url: str) -> None:
    app = _app(demo_url, "admin", "2026-11-27T02:00:00Z")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert not any("chinesecalendar" in m for m in notices(app))
        assert "2027" not in app.sub_title
