"""The call cadence (``csm_tui.rules.cadence``): every outcome, its dates and times, and the boundaries.

Pure functions of (outcome, client state, policy, clock): no database. Instants are UTC; the branch is in
Asia/Shanghai (UTC+8, no daylight saving), so 02:00Z is 10:00 local and 16:00Z is local midnight.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from csm_tui.domain.enums import Disposition, TaskKind
from csm_tui.domain.errors import DomainError
from csm_tui.policy import Policy
from csm_tui.rules.cadence import MAY_BOOK, NEEDS_TIME, Cadence, ContactState, FollowUp, NextTask

FRIDAY = dt.date(2026, 11, 27)
SATURDAY = dt.date(2026, 11, 28)
MONDAY = dt.date(2026, 11, 30)
TUESDAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)  # Friday 10:00 in Shanghai
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An instant given as Shanghai wall time, in UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI).astimezone(dt.UTC)


def policy(**calendar: Any) -> Policy:
    return Policy.model_validate({"calendar": calendar}) if calendar else Policy()


def cadence(**calendar: Any) -> Cadence:
    return Cadence(policy(**calendar))


def after(outcome: Disposition, now: dt.datetime = NOW, at: dt.datetime | None = None, **state: Any) -> FollowUp:
    return Cadence(Policy()).after_contact(outcome, now, ContactState(**state), at)


def test_the_default_intervals_are_the_documented_ones() -> None:
    calls, calendar = Policy().calls, Policy().calendar
    assert (calls.interested_days, calls.polite_decline_sms_days, calls.polite_decline_call_days) == (3, 7, 30)
    assert (calls.firm_decline_quiet_days, calls.no_answer_retries_same_day) == (90, 2)
    assert calls.no_answer_retry_minutes == 120
    assert (calls.service_callback_days, calls.appointment_confirm_days_before, calls.snooze_minutes) == (7, 1, 60)
    assert (calendar.tz, calendar.work_end) == ("Asia/Shanghai", dt.time(17, 30))
    assert sorted(NEEDS_TIME) == sorted([Disposition.APPOINTMENT, Disposition.BUSY])
    assert sorted(MAY_BOOK) == [Disposition.AGREED_TO_BUY]  # a visit only if the client will come in


def test_agreed_to_buy_without_a_visit_schedules_nothing() -> None:
    assert after(Disposition.AGREED_TO_BUY) == FollowUp()


# --- interested ----------------------------------------------------------------------------------------------


def test_interested_follow_up_after_three_days() -> None:
    # Friday + 3 = Monday, a working day.
    assert after(Disposition.INTERESTED) == FollowUp((NextTask(TaskKind.FOLLOW_UP, MONDAY),))


def test_interested_follow_up_landing_on_a_weekend_moves_to_monday() -> None:
    wednesday = local(dt.date(2026, 11, 25), 15)  # + 3 = Saturday
    assert after(Disposition.INTERESTED, wednesday) == FollowUp((NextTask(TaskKind.FOLLOW_UP, MONDAY),))
    thursday = local(dt.date(2026, 11, 26), 15)  # + 3 = Sunday
    assert after(Disposition.INTERESTED, thursday) == FollowUp((NextTask(TaskKind.FOLLOW_UP, MONDAY),))


def test_interested_follow_up_skips_a_holiday() -> None:
    got = cadence(holidays=[MONDAY]).after_contact(Disposition.INTERESTED, NOW, ContactState())
    assert got == FollowUp((NextTask(TaskKind.FOLLOW_UP, TUESDAY),))


# --- appointments --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Disposition.APPOINTMENT, Disposition.AGREED_TO_BUY])
def test_appointment_confirmation_the_working_day_before(outcome: Disposition) -> None:
    wednesday = local(dt.date(2026, 12, 2), 10)
    assert after(outcome, at=wednesday) == FollowUp((NextTask(TaskKind.APPOINTMENT_CONFIRM, TUESDAY),))


@pytest.mark.parametrize("outcome", [Disposition.APPOINTMENT, Disposition.AGREED_TO_BUY])
def test_a_tuesday_meeting_booked_on_friday_is_confirmed_on_monday(outcome: Disposition) -> None:
    assert after(outcome, at=local(TUESDAY, 10)) == FollowUp((NextTask(TaskKind.APPOINTMENT_CONFIRM, MONDAY),))


@pytest.mark.parametrize("outcome", [Disposition.APPOINTMENT, Disposition.AGREED_TO_BUY])
def test_a_meeting_on_the_next_working_day_needs_no_second_call(outcome: Disposition) -> None:
    # Agreed on Friday for Monday: the working day before is today, when the meeting was just agreed.
    assert after(outcome, at=local(MONDAY, 10)) == FollowUp()


def test_a_wednesday_meeting_after_a_holiday_tuesday_is_confirmed_on_monday() -> None:
    got = cadence(holidays=[TUESDAY]).after_contact(
        Disposition.APPOINTMENT, NOW, ContactState(), local(TUESDAY + dt.timedelta(days=1), 9)
    )
    assert got.tasks == (NextTask(TaskKind.APPOINTMENT_CONFIRM, MONDAY),)


def test_a_monday_meeting_after_an_extra_working_saturday_is_confirmed_on_saturday() -> None:
    got = cadence(extra_working_days=[SATURDAY]).after_contact(
        Disposition.APPOINTMENT, NOW, ContactState(), local(MONDAY, 9)
    )
    assert got.tasks == (NextTask(TaskKind.APPOINTMENT_CONFIRM, SATURDAY),)


def test_a_meeting_tomorrow_needs_no_confirmation_call() -> None:
    assert after(Disposition.APPOINTMENT, at=local(SATURDAY, 10)) == FollowUp()


def test_a_meeting_later_today_has_no_confirmation() -> None:
    assert after(Disposition.APPOINTMENT, at=local(FRIDAY, 15)) == FollowUp()
    assert after(Disposition.AGREED_TO_BUY, at=NOW + dt.timedelta(seconds=1)) == FollowUp()


def test_the_meeting_day_is_the_branch_day_around_midnight() -> None:
    # 23:59 Monday in Shanghai is still Monday (no day between: no call); 00:00 Tuesday is Tuesday (Monday between).
    assert after(Disposition.APPOINTMENT, at=utc(2026, 11, 30, 15, 59)) == FollowUp()
    assert after(Disposition.APPOINTMENT, at=utc(2026, 11, 30, 16, 0)).tasks == (
        NextTask(TaskKind.APPOINTMENT_CONFIRM, MONDAY),
    )


@pytest.mark.parametrize("outcome", sorted(NEEDS_TIME))
def test_outcomes_needing_a_time_refuse_none(outcome: Disposition) -> None:
    with pytest.raises(DomainError) as err:
        after(outcome)
    assert err.value.code == "time_required"


@pytest.mark.parametrize("outcome", sorted(NEEDS_TIME))
@pytest.mark.parametrize("at", [NOW, NOW - dt.timedelta(minutes=1), utc(2026, 11, 26, 2)])
def test_a_time_in_the_past_is_refused(outcome: Disposition, at: dt.datetime) -> None:
    with pytest.raises(DomainError) as err:
        after(outcome, at=at)
    assert err.value.code == "time_in_past"


# --- declines ------------------------------------------------------------------------------------------------


def test_polite_decline_sms_after_a_week_and_a_call_after_thirty_days() -> None:
    # Friday + 7 = Friday 4 December; + 30 = Sunday 27 December → Monday 28 December.
    assert after(Disposition.POLITE_DECLINE) == FollowUp(
        (NextTask(TaskKind.SMS, dt.date(2026, 12, 4)), NextTask(TaskKind.FOLLOW_UP, dt.date(2026, 12, 28)))
    )


def test_polite_decline_of_a_client_who_opted_out_of_sms_gets_no_sms() -> None:
    assert after(Disposition.POLITE_DECLINE, sms_opt_out=True) == FollowUp(
        (NextTask(TaskKind.FOLLOW_UP, dt.date(2026, 12, 28)),)
    )


def test_polite_decline_sms_on_a_holiday_moves_on() -> None:
    got = cadence(holidays=[dt.date(2026, 12, 4)]).after_contact(Disposition.POLITE_DECLINE, NOW, ContactState())
    assert got.tasks[0] == NextTask(TaskKind.SMS, dt.date(2026, 12, 7))


@pytest.mark.parametrize("outcome", [Disposition.FIRM_DECLINE, Disposition.SERVICE_DONE, Disposition.INFORMED])
def test_outcomes_with_nothing_to_follow(outcome: Disposition) -> None:
    assert after(outcome) == FollowUp()
    assert after(outcome, no_answers_today=2, sms_opt_out=True) == FollowUp()


# --- no answer -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("earlier", [0, 1])
def test_no_answer_retries_later_today_while_retries_last(earlier: int) -> None:
    assert after(Disposition.NO_ANSWER, no_answers_today=earlier) == FollowUp(
        (NextTask(TaskKind.CALLBACK, FRIDAY, local(FRIDAY, 12)),)
    )


@pytest.mark.parametrize("earlier", [2, 3])
def test_no_answer_after_two_retries_moves_to_the_next_working_day(earlier: int) -> None:
    assert after(Disposition.NO_ANSWER, no_answers_today=earlier) == FollowUp((NextTask(TaskKind.CALLBACK, MONDAY),))


def test_no_answer_retry_past_work_end_moves_to_the_next_working_day() -> None:
    assert after(Disposition.NO_ANSWER, local(FRIDAY, 16)).tasks == (NextTask(TaskKind.CALLBACK, MONDAY),)
    assert after(Disposition.NO_ANSWER, local(FRIDAY, 15, 31)).tasks == (NextTask(TaskKind.CALLBACK, MONDAY),)


def test_no_answer_retry_exactly_at_work_end_is_today() -> None:
    assert after(Disposition.NO_ANSWER, local(FRIDAY, 15, 30)).tasks == (
        NextTask(TaskKind.CALLBACK, FRIDAY, local(FRIDAY, 17, 30)),
    )


def test_no_answer_on_thursday_evening_retries_on_friday() -> None:
    assert after(Disposition.NO_ANSWER, local(dt.date(2026, 11, 26), 17)).tasks == (
        NextTask(TaskKind.CALLBACK, FRIDAY),
    )


def test_no_answer_before_a_holiday_monday_retries_on_tuesday() -> None:
    got = cadence(holidays=[MONDAY]).after_contact(Disposition.NO_ANSWER, local(FRIDAY, 16), ContactState())
    assert got.tasks == (NextTask(TaskKind.CALLBACK, TUESDAY),)


def test_no_answer_before_an_extra_working_saturday_retries_on_saturday() -> None:
    c = cadence(extra_working_days=[SATURDAY])
    assert c.after_contact(Disposition.NO_ANSWER, local(FRIDAY, 16), ContactState()).tasks == (
        NextTask(TaskKind.CALLBACK, SATURDAY),
    )
    # ... and on that Saturday, a retry later the same day.
    assert c.after_contact(Disposition.NO_ANSWER, local(SATURDAY, 10), ContactState()).tasks == (
        NextTask(TaskKind.CALLBACK, SATURDAY, local(SATURDAY, 12)),
    )


def test_no_answer_retries_follow_the_policy() -> None:
    p = Policy()
    p = p.model_copy(
        update={"calls": p.calls.model_copy(update={"no_answer_retries_same_day": 0, "no_answer_retry_minutes": 30})}
    )
    assert Cadence(p).retry(NOW, 0) == NextTask(TaskKind.CALLBACK, MONDAY)
    p = p.model_copy(update={"calls": p.calls.model_copy(update={"no_answer_retries_same_day": 3})})
    assert Cadence(p).retry(NOW, 2) == NextTask(TaskKind.CALLBACK, FRIDAY, local(FRIDAY, 10, 30))


# --- busy, wrong number, do not call -------------------------------------------------------------------------


def test_busy_calls_back_at_the_time_named() -> None:
    at = local(FRIDAY, 15, 20)
    assert after(Disposition.BUSY, at=at) == FollowUp((NextTask(TaskKind.CALLBACK, FRIDAY, at),))
    monday = local(MONDAY, 9, 45)
    assert after(Disposition.BUSY, at=monday) == FollowUp((NextTask(TaskKind.CALLBACK, MONDAY, monday),))


def test_a_busy_callback_is_refused_on_a_day_off_or_outside_the_calling_hours_of_the_branch() -> None:
    """The CSM makes the call: not on a day off nor outside the calling hours, judged by the branch's clock (00:30
    Saturday in Shanghai is still Friday in UTC)."""
    refusals = []
    for at in (local(SATURDAY, 10), utc(2026, 11, 27, 16, 30), local(MONDAY, 20)):
        with pytest.raises(DomainError) as refused:
            after(Disposition.BUSY, at=at)
        refusals.append((refused.value.code, refused.value.params))
    assert refusals == [
        ("call_not_working_day", {"day": "2026-11-28"}),
        ("call_not_working_day", {"day": "2026-11-28"}),
        ("call_outside_hours", {"start": "09:00", "end": "17:30"}),
    ]


def test_wrong_number_verifies_today_and_marks_the_number_invalid() -> None:
    assert after(Disposition.WRONG_NUMBER) == FollowUp((NextTask(TaskKind.VERIFY_NUMBER, FRIDAY),), mobile_invalid=True)


def test_do_not_call_opts_out_of_phone_marketing_with_no_tasks() -> None:
    assert after(Disposition.DO_NOT_CALL) == FollowUp(phone_opt_out=True)


def test_every_outcome_is_covered() -> None:
    at = local(TUESDAY, 10)
    for outcome in Disposition:
        got = after(outcome, at=at if outcome in NEEDS_TIME else None)
        assert isinstance(got, FollowUp)
        assert got.mobile_invalid == (outcome is Disposition.WRONG_NUMBER)
        assert got.phone_opt_out == (outcome is Disposition.DO_NOT_CALL)


# --- around midnight -----------------------------------------------------------------------------------------


def test_today_changes_at_local_midnight() -> None:
    before = utc(2026, 11, 27, 15, 59)  # Friday 23:59 in Shanghai
    midnight = utc(2026, 11, 27, 16, 0)  # Saturday 00:00
    assert after(Disposition.INTERESTED, before).tasks == (NextTask(TaskKind.FOLLOW_UP, MONDAY),)
    assert after(Disposition.INTERESTED, midnight).tasks == (NextTask(TaskKind.FOLLOW_UP, TUESDAY),)
    assert after(Disposition.POLITE_DECLINE, before).tasks[0] == NextTask(TaskKind.SMS, dt.date(2026, 12, 4))
    assert after(Disposition.POLITE_DECLINE, midnight).tasks[0] == NextTask(TaskKind.SMS, dt.date(2026, 12, 7))
    assert after(Disposition.WRONG_NUMBER, before).tasks == (NextTask(TaskKind.VERIFY_NUMBER, FRIDAY),)
    assert after(Disposition.NO_ANSWER, before).tasks == (NextTask(TaskKind.CALLBACK, MONDAY),)
    # The day in UTC is the same: what counts is the branch's.
    assert before.date() == midnight.date()


def test_a_no_answer_just_after_midnight_on_saturday_retries_on_monday() -> None:
    assert after(Disposition.NO_ANSWER, utc(2026, 11, 27, 16, 0)).tasks == (NextTask(TaskKind.CALLBACK, MONDAY),)


# --- 回访 after a purchase --------------------------------------------------------------------------------------


def test_service_callback_the_next_working_day_after_the_sale() -> None:
    c = cadence()
    assert c.service_callback(NOW, phone_opt_out=False) == NextTask(TaskKind.SERVICE_CALLBACK, MONDAY)
    assert c.service_callback(local(dt.date(2026, 11, 25), 16), phone_opt_out=False) == NextTask(
        TaskKind.SERVICE_CALLBACK, dt.date(2026, 11, 26)
    )


def test_service_callback_by_sms_for_a_client_who_opted_out_of_calls() -> None:
    assert cadence().service_callback(NOW, phone_opt_out=True) == NextTask(TaskKind.SMS, MONDAY)


def test_service_callback_counts_from_the_sale_s_branch_day() -> None:
    c = cadence()
    # Thursday 23:59 in Shanghai → Friday; Friday 00:00 in Shanghai (still Thursday in UTC) → Monday.
    assert c.service_callback(utc(2026, 11, 26, 15, 59), False) == NextTask(TaskKind.SERVICE_CALLBACK, FRIDAY)
    assert c.service_callback(utc(2026, 11, 26, 16, 0), False) == NextTask(TaskKind.SERVICE_CALLBACK, MONDAY)


def test_service_callback_skips_holidays_and_uses_extra_working_days() -> None:
    assert cadence(holidays=[MONDAY]).service_callback(NOW, False).due_on == TUESDAY
    assert cadence(extra_working_days=[SATURDAY]).service_callback(NOW, False).due_on == SATURDAY


def test_service_window_is_seven_days_from_the_sale_s_branch_day() -> None:
    c = cadence()
    assert c.service_window_end(NOW) == dt.date(2026, 12, 4)
    assert c.service_window_end(utc(2026, 11, 27, 15, 59)) == dt.date(2026, 12, 4)
    assert c.service_window_end(utc(2026, 11, 27, 16, 0)) == dt.date(2026, 12, 5)
    # The window's edges: the callback is due well inside it.
    sold = NOW
    assert sold.date() < c.service_callback(sold, False).due_on <= c.service_window_end(sold)


@given(
    sold=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(dt.UTC))
)
def test_service_callback_is_inside_the_window_on_an_ordinary_calendar(sold: dt.datetime) -> None:
    c = cadence(public_holidays=False)  # weekdays only: no holiday outlasts the 7-day window
    due = c.service_callback(sold, False).due_on
    sold_on = c.local(sold).date()
    assert sold_on < due <= c.service_window_end(sold)
    assert c.calendar.is_working_day(due)


# --- quiet periods, snooze -----------------------------------------------------------------------------------


def test_quiet_since_keeps_a_firm_refusal_for_the_policy_s_ninety_days() -> None:
    c = cadence()
    quiet = c.quiet_since(FRIDAY)
    assert quiet == FRIDAY - dt.timedelta(days=89) == dt.date(2026, 8, 30)
    # A refusal 89 days ago is still inside the quiet period today; one 90 days ago is not.
    assert FRIDAY - dt.timedelta(days=89) >= quiet
    assert FRIDAY - dt.timedelta(days=90) < quiet
    # The refusal's day and the 89 days after it make the 90 quiet days.
    refused = dt.date(2026, 8, 30)
    quiet_days = [
        refused + dt.timedelta(days=n) for n in range(120) if refused >= c.quiet_since(refused + dt.timedelta(days=n))
    ]
    assert len(quiet_days) == Policy().calls.firm_decline_quiet_days == 90


def test_quiet_since_follows_the_policy() -> None:
    p = Policy()
    p = p.model_copy(update={"calls": p.calls.model_copy(update={"firm_decline_quiet_days": 30})})
    assert Cadence(p).quiet_since(FRIDAY) == FRIDAY - dt.timedelta(days=29)


def test_snooze_offers_an_hour_on_this_afternoon_and_the_next_working_morning() -> None:
    c = cadence()
    assert c.snooze_choices(NOW) == {
        "hour": local(FRIDAY, 11),
        "afternoon": local(FRIDAY, 14),
        "morning": local(MONDAY, 9),
    }


def test_snooze_choices_the_rules_would_refuse_are_not_offered() -> None:
    c = cadence()
    assert c.snooze_choices(local(FRIDAY, 15)) == {"hour": local(FRIDAY, 16), "morning": local(MONDAY, 9)}
    assert c.snooze_choices(local(FRIDAY, 17)) == {"morning": local(MONDAY, 9)}  # 18:00 is after hours
    assert c.snooze_choices(local(SATURDAY, 10)) == {"morning": local(MONDAY, 9)}


def test_snooze_until_refuses_a_past_time_a_day_off_and_a_time_outside_the_hours() -> None:
    c = cadence()
    assert c.snooze_until(local(FRIDAY, 15, 30), NOW) == NextTask(TaskKind.CALLBACK, FRIDAY, local(FRIDAY, 15, 30))
    with pytest.raises(DomainError) as past:
        c.snooze_until(local(FRIDAY, 9, 59), NOW)
    assert past.value.code == "snooze_in_past"
    with pytest.raises(DomainError) as day_off:
        c.snooze_until(local(SATURDAY, 10), NOW)
    assert (day_off.value.code, day_off.value.params) == ("call_not_working_day", {"day": "2026-11-28"})
    with pytest.raises(DomainError) as late:
        c.snooze_until(local(FRIDAY, 17, 31), NOW)
    assert (late.value.code, late.value.params) == ("call_outside_hours", {"start": "09:00", "end": "17:30"})


# --- properties ----------------------------------------------------------------------------------------------

_DAYS = st.dates(min_value=dt.date(2026, 11, 1), max_value=dt.date(2027, 2, 28))


@st.composite
def calendars(draw: st.DrawFn) -> Policy:
    holidays = draw(st.lists(_DAYS, max_size=12, unique=True))
    weekend = _DAYS.filter(lambda d: d.weekday() >= 5 and d not in holidays)  # a day is off or on, never both
    extra = draw(st.lists(weekend, max_size=3, unique=True))
    return Policy.model_validate({"calendar": {"holidays": sorted(holidays), "extra_working_days": sorted(extra)}})


_NOWS = st.datetimes(min_value=dt.datetime(2026, 11, 1), max_value=dt.datetime(2027, 1, 31), timezones=st.just(dt.UTC))


@given(
    p=calendars(),
    now=_NOWS,
    outcome=st.sampled_from([d for d in Disposition if d is not Disposition.BUSY]),
    earlier=st.integers(0, 4),
    sms_opt_out=st.booleans(),
    ahead=st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=40)),
)
def test_every_due_date_is_a_working_day_from_today_on(
    p: Policy, now: dt.datetime, outcome: Disposition, earlier: int, sms_opt_out: bool, ahead: dt.timedelta
) -> None:
    c = Cadence(p)
    today = c.local(now).date()
    assume(p.calendar.is_working_day(today))  # a CSM at work
    got = c.after_contact(outcome, now, ContactState(earlier, sms_opt_out), now + ahead)
    for task in got.tasks:
        assert task.due_on >= today
        assert p.calendar.is_working_day(task.due_on), task
        if task.due_at is not None:
            assert task.due_at > now
            assert c.local(task.due_at).date() == task.due_on


@given(
    p=calendars(),
    now=_NOWS,
    ahead=st.timedeltas(min_value=dt.timedelta(days=-2), max_value=dt.timedelta(days=20)),
    busy=st.booleans(),
)
def test_a_snooze_or_a_busy_callback_is_accepted_only_ahead_on_a_working_day_within_hours(
    p: Policy, now: dt.datetime, ahead: dt.timedelta, busy: bool
) -> None:
    """The two calls put at a time the CSM or the client chose: the same rule, the CSM at work to make them."""
    c = Cadence(p)
    for at in c.snooze_choices(now).values():  # every quick choice is one the rule accepts
        assert c.snooze_until(at, now).due_at == at
    at = now + ahead
    when = c.local(at)
    try:
        task = c.after_contact(Disposition.BUSY, now, ContactState(), at).tasks[0] if busy else c.snooze_until(at, now)
    except DomainError:
        ok = False
    else:
        ok = True
        assert (task.kind, task.due_on, task.due_at) == (TaskKind.CALLBACK, when.date(), at)
    expected = (
        at > now
        and p.calendar.is_working_day(when.date())
        and p.calendar.work_start <= when.time() <= p.calendar.work_end
    )
    assert ok == expected


@given(p=calendars(), now=_NOWS, earlier=st.integers(0, 4))
def test_retries_never_pass_work_end_on_the_same_day(p: Policy, now: dt.datetime, earlier: int) -> None:
    c = Cadence(p)
    today = c.local(now).date()
    task = c.retry(now, earlier)
    assert task.kind is TaskKind.CALLBACK
    if task.due_at is not None:
        at = c.local(task.due_at)
        assert task.due_on == today == at.date()
        assert at.time() <= p.calendar.work_end
        assert task.due_at == now + dt.timedelta(minutes=p.calls.no_answer_retry_minutes)
        assert earlier < p.calls.no_answer_retries_same_day
    else:
        assert task.due_on > today
        assert p.calendar.is_working_day(task.due_on)


@given(
    p=calendars(), now=_NOWS, ahead=st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=30))
)
def test_an_appointment_confirmation_falls_between_today_and_the_meeting(
    p: Policy, now: dt.datetime, ahead: dt.timedelta
) -> None:
    c = Cadence(p)
    today = c.local(now).date()
    day = c.local(now + ahead).date()
    tasks = c.appointment_confirmation(now + ahead, now)
    # The latest working day strictly between today and the meeting; none when there is no such day.
    between = [today + dt.timedelta(days=n) for n in range(1, (day - today).days)]
    working = [d for d in between if p.calendar.is_working_day(d)]
    assert tasks == ([NextTask(TaskKind.APPOINTMENT_CONFIRM, working[-1])] if working else [])
