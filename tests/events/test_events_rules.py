"""The marketing events' rules as properties over any day and time: an event only on a working day within opening
hours, the reminder strictly between today and the event on a working day, the follow-up within the policy's days,
the sales credited within the attribution days; and the policy's hours refused the wrong way round."""

from __future__ import annotations

import datetime as dt

import arrow
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.policy import Policy, PolicyError, load_policy
from csm_tui.rules import events

POLICY = Policy()
TZ = POLICY.calendar.tz
days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


def instant(day: dt.date, at: dt.time) -> dt.datetime:
    return arrow.get(dt.datetime.combine(day, at), tzinfo=TZ).to("UTC").datetime


@given(day=days, at=times, minutes=st.integers(1, 480))
def test_an_event_is_held_only_on_a_working_day_within_opening_hours(day: dt.date, at: dt.time, minutes: int) -> None:
    problem = events.slot_problem(POLICY, instant(day, at), minutes)
    end = dt.datetime.combine(day, at) + dt.timedelta(minutes=minutes)
    fits = end.date() == day and POLICY.calendar.opens <= at and end.time() <= POLICY.calendar.closes
    if not POLICY.calendar.is_working_day(day):
        assert problem == "event_not_working_day"
    else:
        assert (problem is None) == fits
        assert problem in (None, "event_outside_hours")


@given(today=days, ahead=st.integers(0, 60))
def test_the_reminder_falls_on_a_working_day_strictly_between_today_and_the_event(today: dt.date, ahead: int) -> None:
    event_day = today + dt.timedelta(days=ahead)
    reminder = events.reminder_day(POLICY, event_day, today)
    between = [today + dt.timedelta(days=n) for n in range(1, ahead)]
    working = [d for d in between if POLICY.calendar.is_working_day(d)]
    assert reminder == (working[-1] if working else None)  # the last working day before the event, if any


@given(event_day=days, within=st.integers(0, 30))
def test_the_follow_up_is_due_within_the_policys_days(event_day: dt.date, within: int) -> None:
    policy = POLICY.model_copy(update={"events": POLICY.events.model_copy(update={"follow_up_days": within})})
    due = events.follow_up_day(policy, event_day)
    assert event_day <= due <= event_day + dt.timedelta(days=within)


@given(event_day=days, offset=st.integers(-5, 60))
def test_a_sale_is_credited_to_the_event_once_it_began_within_the_attribution_days(
    event_day: dt.date, offset: int
) -> None:
    starts_at = instant(event_day, dt.time(14, 0))
    sold_at = instant(event_day + dt.timedelta(days=offset), dt.time(16, 0))
    assert events.attributed(POLICY, starts_at, sold_at) == (0 <= offset <= POLICY.events.attribution_days)
    that_morning = instant(event_day, dt.time(10, 0))
    assert not events.attributed(POLICY, starts_at, that_morning)  # before the event: not the event's doing


def test_opening_hours_closing_before_they_open_are_refused(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "policy.toml"  # type: ignore[operator]
    path.write_text("[calendar]\nopens = 18:00:00\ncloses = 09:00:00\n", encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert refused.value.code == "policy.opening_hours"
