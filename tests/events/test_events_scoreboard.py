"""A scoreboard indicator that counts marketing events, only when the policy names it: the events a CSM planned and
held in the quarter with someone attending (an event ahead counts once it is held; one nobody came to, never), on
SQLite and PostgreSQL; the drill-down lists them.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai; the event is on Tuesday 1 December at 14:00."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from csm_tui.domain.enums import Grade
from csm_tui.policy import Dimension, Indicator, Measure, Policy, Scorecard
from csm_tui.services.events import day, planning
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter
from tests.support.events_branch import Branch, event, invitation_of, on_event_day

Q4 = Quarter(2026, 4)


def with_events_indicator() -> Policy:
    indicators = dict(Scorecard().indicators)
    indicators["events"] = Indicator(
        dimension=Dimension.CUSTOMER, weight=Decimal(5), measure=Measure.EVENTS_HELD,
        targets=dict.fromkeys(Grade, Decimal(2)),
    )  # fmt: skip
    return Policy(scorecard=Scorecard(indicators=indicators))


def events_line(branch: Branch, login: str, policy: Policy) -> Decimal | None:
    view = quarter_scores.csm_view(branch.ws(login, policy), Q4)
    assert view.card is not None
    [line] = [line for line in view.card.lines if line.measure is Measure.EVENTS_HELD]
    return line.actual


def test_the_events_a_csm_planned_count_once_held_and_only_where_the_policy_names_the_indicator(
    branch: Branch,
) -> None:
    policy = with_events_indicator()
    branch.client("甲", "wang")
    held = event(branch, by="wang")
    planning.invite_clients(branch.ws("wang"), held, [branch.clients["甲"]])
    event(branch, by="wang", title="空场")  # nobody will come: not held
    event(branch, by="sup")  # a supervisor's event is not a CSM's
    assert events_line(branch, "wang", policy) == 0  # ahead: not held yet
    on_event_day(branch)
    day.check_in(branch.ws("lobby"), held, invitation_of(branch, held, "甲"))
    branch.clock.set(dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC))  # the day after
    assert events_line(branch, "wang", policy) == 1
    assert events_line(branch, "li", policy) == 0
    [record] = quarter_scores.records(branch.ws("sup", policy), branch.staff["wang"].id, Measure.EVENTS_HELD, Q4)
    assert (record.day, record.client, record.item) == (dt.date(2026, 12, 1), "基金定投讲座", "三楼会议室")
    view = quarter_scores.csm_view(branch.ws("wang"), Q4)  # the default policy: no such line
    assert view.card is not None and all(line.measure is not Measure.EVENTS_HELD for line in view.card.lines)
