"""The queue's read model (``storage.queue_sources``) on a rich demo branch, on SQLite and PostgreSQL: every source of
the queue is read in one statement, as many statements whatever the CSM's book; and a forecast past the lowest
average the balance import keeps (every tiered client forecast from the spans) builds the queue on PostgreSQL too.

Commit "Queue: one statement for every source of the queue" compared this read model with the statement-per-source
path it replaced, item for item and in order, on this branch at four instants and two policies, on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, select, update

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import QueueReason, Role
from csm_tui.policy import Policy
from csm_tui.services.calls.queue import today_queue
from storage.demo import build_demo
from storage.orm import ClientRow, StaffRow

FRIDAY = "2026-11-27T02:00:00Z"  # 10:00 in Shanghai: the demo's today


def _policy(tier_days: int) -> Policy:
    p = Policy()
    return p.model_copy(update={"risk": p.risk.model_copy(update={"tier_days": tier_days})})


@pytest.fixture
def branch(engine: Engine) -> Iterator[Engine]:
    build_demo(engine, FrozenClock(FRIDAY), clients=450, seed=11, policy=Policy(), csms=3)
    with engine.begin() as conn:  # a third of the clients as kept before the lowest average and the earlier balance
        conn.execute(update(ClientRow).where(ClientRow.id % 3 == 0).values(avg_3m_low=None, balance_before=None))
    yield engine


def _csms(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(StaffRow.login).where(StaffRow.role == Role.CSM).order_by(StaffRow.login)))


def test_the_queue_is_read_in_a_few_statements_whatever_the_book(branch: Engine) -> None:
    statements: list[str] = []
    event.listen(branch, "before_cursor_execute", lambda *args: statements.append(args[2]))
    counts = {}
    for login in _csms(branch):
        ws = open_workstation(branch, FrozenClock(FRIDAY), Policy(), login)
        today_queue(ws)  # the first build of the process may read what later ones keep
        statements.clear()
        items = today_queue(ws)
        assert items
        reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        counts[login] = len(reads)
        assert sum(s.lstrip().upper().startswith("WITH") for s in reads) == 1  # every source of the queue at once
    # The staff member's access, the data dates, and the queue, which says the CSM's own leave of the day and whether
    # a leave names them as cover (only then are the covered colleague's leave and calls read): 3 in all.
    assert set(counts.values()) == {3}, counts


def test_a_forecast_past_the_kept_lowest_average_reads_every_tiered_client_s_spans(branch: Engine) -> None:
    # 40 days ahead: past the 31 the import's lowest average looks, so each tiered client's spans are summed (in fen
    # over up to 92 days: more than a 32-bit integer holds; PostgreSQL once refused the queue with that overflow).
    found = set()
    for login in _csms(branch):
        for tier_days in (14, 40):
            ws = open_workstation(branch, FrozenClock(FRIDAY), _policy(tier_days), login)
            at_risk = {i.client_id for i in today_queue(ws) if QueueReason.TIER_AT_RISK in (i.reason, *i.also)}
            found.add((login, tier_days, len(at_risk)))
    assert any(n for login, days, n in found if days == 40)
