"""The queue's rules (``csm_tui.services.calls.queue.compose``), driven with hand-built sources: no database.

Priority (the module's docstring): callback < 回访 < appointment confirmation < maturity < large outflow < tier at
risk < assessment < birthday < follow-up < referral < prospects; within a reason overdue first, then by the time
agreed (timed before untimed); one row per client; excluded clients never appear; prospects only top the queue up to
the daily target.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.enums import QueueReason
from csm_tui.services.calls import queue
from csm_tui.services.calls.queue import PRIORITY, QueueItem, compose, rank
from csm_tui.services.rows import Candidate, QueueSources

TODAY = dt.date(2026, 11, 27)
YESTERDAY = TODAY - dt.timedelta(days=1)
DUE_REASONS = [
    QueueReason.CALLBACK,
    QueueReason.SERVICE_CALLBACK,
    QueueReason.APPOINTMENT_CONFIRM,
    QueueReason.EVENT_REMINDER,
    QueueReason.MATURITY,
    QueueReason.LARGE_OUTFLOW,
    QueueReason.TIER_AT_RISK,
    QueueReason.ASSESSMENT,
    QueueReason.ID_EXPIRY,
    QueueReason.BIRTHDAY,
    QueueReason.FOLLOW_UP,
    QueueReason.EVENT_FOLLOW_UP,
    QueueReason.EVENT_INVITE,
    QueueReason.REFERRAL,
    QueueReason.WODE_REFERRAL,
]
PROSPECTS = [QueueReason.IDLE_DEPOSITS, QueueReason.NEAR_JIAOYIN, QueueReason.NEAR_WODE]


def at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    """Shanghai wall time on ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


def cand(
    client: int,
    reason: QueueReason,
    due_on: dt.date = TODAY,
    due_at: dt.datetime | None = None,
    task: int | None = None,
) -> Candidate:
    return Candidate(
        client_id=client,
        client_name=f"客户{client}",
        reason=reason,
        due_on=due_on,
        avg_3m=Decimal("1000.00"),
        task_id=task,
        due_at=due_at,
    )


def sources(
    candidates: list[Candidate],
    prospects: list[Candidate] | None = None,
    excluded: set[int] | None = None,
    calls_today: int = 0,
) -> QueueSources:
    return QueueSources(
        candidates=candidates,
        prospects=prospects or [],
        excluded=frozenset(excluded or ()),
        calls_today=calls_today,
    )


def rows(items: list[QueueItem]) -> list[tuple[int, QueueReason]]:
    return [(i.client_id, i.reason) for i in items]


# --- priority ------------------------------------------------------------------------------------------------


def test_priority_is_the_documented_order() -> None:
    assert sorted(PRIORITY, key=PRIORITY.__getitem__) == [*DUE_REASONS, *PROSPECTS]
    doc = queue.__doc__ or ""
    for n, words in enumerate(
        [
            "callbacks the client asked for",
            "回访 after a purchase",
            "confirmations of tomorrow's meetings",
            "reminders of tomorrow's marketing events",
            "holdings maturing",
            "large outflows",
            "tier at risk",
            "assessments expiring",
            "IDs expired or expiring",
            "birthday greetings",
            "follow-ups of interested clients",
            "follow-ups of a marketing event's attendees",
            "invitations to marketing events",
            "walk-in referrals",
            "沃德 referrals",
            "prospects",
        ],
        start=1,
    ):
        assert f"{n}. {words}" in doc


def test_reasons_in_priority_order_whatever_the_input_order() -> None:
    candidates = [cand(client=10 + n, reason=r) for n, r in enumerate(DUE_REASONS)]
    shuffled = candidates[:]
    random.Random(7).shuffle(shuffled)
    got = compose(sources(shuffled), TODAY, target=10)
    walk_in = [c for c in candidates if c.reason is QueueReason.REFERRAL]  # sent today: the client is waiting
    assert rows(got) == [(c.client_id, c.reason) for c in walk_in + [c for c in candidates if c not in walk_in]]
    assert all(item.also == () for item in got)


def test_a_higher_reason_due_today_comes_before_a_lower_one_overdue() -> None:
    got = compose(
        sources([cand(1, QueueReason.FOLLOW_UP, due_on=TODAY - dt.timedelta(days=5)), cand(2, QueueReason.MATURITY)]),
        TODAY,
        target=10,
    )
    assert rows(got) == [(2, QueueReason.MATURITY), (1, QueueReason.FOLLOW_UP)]


def test_within_a_reason_overdue_first_then_timed_before_untimed() -> None:
    candidates = [
        cand(1, QueueReason.CALLBACK, task=1),  # today, untimed
        cand(2, QueueReason.CALLBACK, due_at=at(15), task=2),  # today 15:00
        cand(3, QueueReason.CALLBACK, due_on=YESTERDAY, task=3),  # yesterday, untimed
        cand(4, QueueReason.CALLBACK, due_on=YESTERDAY, due_at=at(9, day=YESTERDAY), task=4),
        cand(5, QueueReason.CALLBACK, due_at=at(11), task=5),  # today 11:00
        cand(6, QueueReason.CALLBACK, due_on=TODAY - dt.timedelta(days=3), task=6),  # three days overdue
        cand(7, QueueReason.CALLBACK, task=7),  # today, untimed, after 1 by task id
    ]
    got = compose(sources(candidates[::-1]), TODAY, target=10)
    assert [i.client_id for i in got] == [6, 4, 3, 5, 2, 1, 7]


def test_a_callback_due_at_an_earlier_hour_today_is_not_overdue() -> None:
    # "Overdue" is by day: this morning's callback is today's, ordered by its time.
    got = compose(
        sources([cand(1, QueueReason.CALLBACK, due_at=at(9)), cand(2, QueueReason.CALLBACK, due_on=YESTERDAY)]),
        TODAY,
        target=10,
    )
    assert [i.client_id for i in got] == [2, 1]


# --- one row per client --------------------------------------------------------------------------------------


def test_one_row_per_client_with_the_other_reasons_listed() -> None:
    candidates = [
        cand(1, QueueReason.FOLLOW_UP, due_on=YESTERDAY, task=11),
        cand(1, QueueReason.ASSESSMENT),
        cand(1, QueueReason.MATURITY),
        cand(1, QueueReason.MATURITY),  # a second maturing holding
        cand(1, QueueReason.SERVICE_CALLBACK, task=12),
        cand(1, QueueReason.SERVICE_CALLBACK, due_on=YESTERDAY, task=13),
        cand(2, QueueReason.APPOINTMENT_CONFIRM, due_at=at(10, day=TODAY + dt.timedelta(days=3))),
    ]
    got = compose(sources(candidates), TODAY, target=10)
    assert rows(got) == [(1, QueueReason.SERVICE_CALLBACK), (2, QueueReason.APPOINTMENT_CONFIRM)]
    first = got[0]
    assert first.main.task_id == 13  # the overdue one of the two 回访 tasks
    assert first.also == (QueueReason.MATURITY, QueueReason.ASSESSMENT, QueueReason.FOLLOW_UP)
    assert got[1].also == ()


def test_the_main_reason_is_the_highest_even_when_a_lower_one_is_overdue() -> None:
    got = compose(
        sources([cand(1, QueueReason.REFERRAL, due_on=YESTERDAY, task=1), cand(1, QueueReason.CALLBACK, task=2)]),
        TODAY,
        target=10,
    )
    [item] = got
    assert (item.reason, item.main.task_id, item.also) == (QueueReason.CALLBACK, 2, (QueueReason.REFERRAL,))


# --- exclusions ----------------------------------------------------------------------------------------------


def test_excluded_clients_never_appear() -> None:
    got = compose(
        sources(
            [cand(1, QueueReason.CALLBACK), cand(2, QueueReason.MATURITY), cand(3, QueueReason.FOLLOW_UP)],
            prospects=[cand(1, QueueReason.IDLE_DEPOSITS), cand(4, QueueReason.NEAR_WODE)],
            excluded={1, 4},
        ),
        TODAY,
        target=10,
    )
    assert rows(got) == [(2, QueueReason.MATURITY), (3, QueueReason.FOLLOW_UP)]


def test_excluded_prospects_take_no_room() -> None:
    got = compose(
        sources(
            [cand(1, QueueReason.CALLBACK)],
            prospects=[cand(5, QueueReason.IDLE_DEPOSITS), cand(6, QueueReason.NEAR_WODE)],
            excluded={5},
        ),
        TODAY,
        target=2,
    )
    assert rows(got) == [(1, QueueReason.CALLBACK), (6, QueueReason.NEAR_WODE)]


# --- prospects -----------------------------------------------------------------------------------------------


def _due(n: int) -> list[Candidate]:
    return [cand(client=c, reason=QueueReason.FOLLOW_UP, task=c) for c in range(1, n + 1)]


def _prospects(n: int) -> list[Candidate]:
    return [cand(client=100 + c, reason=PROSPECTS[c % 3]) for c in range(n)]


def test_prospects_top_up_to_the_target_less_calls_made_and_items_queued() -> None:
    got = compose(sources(_due(7), _prospects(5), calls_today=2), TODAY, target=10)
    assert len(got) == 8
    assert rows(got)[-1] == (100, QueueReason.IDLE_DEPOSITS)


def test_prospects_in_the_order_given_after_every_due_item() -> None:
    got = compose(sources(_due(2), _prospects(5)), TODAY, target=6)
    assert [i.client_id for i in got] == [1, 2, 100, 101, 102, 103]
    assert [i.reason for i in got[2:]] == [PROSPECTS[0], PROSPECTS[1], PROSPECTS[2], PROSPECTS[0]]


def test_no_prospects_once_the_due_items_fill_the_target() -> None:
    assert len(compose(sources(_due(12), _prospects(5)), TODAY, target=10)) == 12
    assert len(compose(sources(_due(10), _prospects(5)), TODAY, target=10)) == 10
    assert len(compose(sources(_due(7), _prospects(5), calls_today=3), TODAY, target=10)) == 7
    assert compose(sources([], _prospects(5), calls_today=11), TODAY, target=10) == []


def test_prospects_fill_an_empty_queue_to_the_target() -> None:
    got = compose(sources([], _prospects(20)), TODAY, target=10)
    assert [i.client_id for i in got] == list(range(100, 110))
    assert all(i.also == () for i in got)


def test_prospects_are_deduplicated_against_due_clients_and_each_other() -> None:
    got = compose(
        sources(
            _due(2),
            prospects=[
                cand(1, QueueReason.IDLE_DEPOSITS),  # already due: not again, takes no room
                cand(7, QueueReason.IDLE_DEPOSITS),
                cand(7, QueueReason.NEAR_WODE),  # the same prospect for another reason: once
                cand(8, QueueReason.NEAR_JIAOYIN),
                cand(9, QueueReason.NEAR_JIAOYIN),
            ],
        ),
        TODAY,
        target=4,
    )
    assert rows(got) == [
        (1, QueueReason.FOLLOW_UP),
        (2, QueueReason.FOLLOW_UP),
        (7, QueueReason.IDLE_DEPOSITS),
        (8, QueueReason.NEAR_JIAOYIN),
    ]


def test_excluded_due_clients_do_not_count_against_the_target() -> None:
    got = compose(sources(_due(5), _prospects(5), excluded={1, 2, 3}), TODAY, target=4)
    assert [i.client_id for i in got] == [4, 5, 100, 101]


# --- purity --------------------------------------------------------------------------------------------------


def test_compose_is_pure() -> None:
    src = sources(
        [cand(3, QueueReason.FOLLOW_UP), cand(1, QueueReason.CALLBACK), cand(3, QueueReason.MATURITY)],
        prospects=_prospects(3),
        excluded={101},
        calls_today=1,
    )
    before = copy.deepcopy(src)
    first = compose(src, TODAY, target=5)
    assert src == before
    assert compose(src, TODAY, target=5) == first


# --- properties ----------------------------------------------------------------------------------------------

_CLIENTS = st.integers(1, 12)
_DUE_ON = st.dates(min_value=TODAY - dt.timedelta(days=4), max_value=TODAY)


@st.composite
def _candidate(draw: st.DrawFn, reasons: list[QueueReason]) -> Candidate:
    due_on = draw(_DUE_ON)
    timed = draw(st.booleans())
    return cand(
        client=draw(_CLIENTS),
        reason=draw(st.sampled_from(reasons)),
        due_on=due_on,
        due_at=at(draw(st.integers(9, 17)), day=due_on) if timed else None,
        task=draw(st.none() | st.integers(1, 1000)),
    )


@given(
    candidates=st.lists(_candidate(DUE_REASONS), max_size=25),
    prospects=st.lists(_candidate(PROSPECTS), max_size=15),
    excluded=st.sets(_CLIENTS, max_size=5),
    calls_today=st.integers(0, 12),
    target=st.integers(1, 15),
)
def test_queue_invariants(
    candidates: list[Candidate], prospects: list[Candidate], excluded: set[int], calls_today: int, target: int
) -> None:
    got = compose(sources(candidates, prospects, excluded, calls_today), TODAY, target)
    clients = [i.client_id for i in got]
    assert len(clients) == len(set(clients))
    assert not set(clients) & excluded
    due = [i for i in got if not i.reason.prospect]
    tops = [i for i in got if i.reason.prospect]
    assert got == due + tops  # prospects only after every due item
    # Every client with a due reason who is not excluded is queued, for its highest reason, with the others.
    wanted = {c.client_id for c in candidates} - excluded
    assert {i.client_id for i in due} == wanted
    for item in due:
        mine = [c for c in candidates if c.client_id == item.client_id]
        assert rank(item.main, TODAY) == min(rank(c, TODAY) for c in mine)  # a walk-in sent today first
        assert set(item.also) == {c.reason for c in mine} - {item.reason}
        assert list(item.also) == sorted(item.also, key=PRIORITY.__getitem__)
    keys = [(rank(i.main, TODAY), i.main.due_on >= TODAY, i.main.due_on, i.main.due_at is None) for i in due]
    assert keys == sorted(keys)
    # Prospects: only to top up, never a due client, at most once each.
    assert len(tops) == min(
        max(0, target - calls_today - len(due)), len({p.client_id for p in prospects} - wanted - excluded)
    )
    assert not {i.client_id for i in tops} & wanted


def test_a_walk_in_sent_today_comes_first_with_its_need_and_one_of_earlier_days_keeps_its_place() -> None:
    got = compose(
        sources(
            [
                cand(1, QueueReason.CALLBACK, due_at=at(9), task=1),
                cand(2, QueueReason.REFERRAL, due_on=YESTERDAY, task=2),
                cand(3, QueueReason.REFERRAL, task=3),
                cand(4, QueueReason.MATURITY),
            ]
        ),
        TODAY,
        target=10,
    )
    assert rows(got) == [
        (3, QueueReason.REFERRAL),
        (1, QueueReason.CALLBACK),
        (4, QueueReason.MATURITY),
        (2, QueueReason.REFERRAL),
    ]
