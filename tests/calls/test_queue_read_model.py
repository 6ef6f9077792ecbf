"""The queue's one-statement read model (``storage.queue_sources``) against the statement-per-source path it replaces
(``storage.queue_sources_old``), on a rich demo branch, on SQLite and PostgreSQL: the same queue, item for item and in
the same order, for every CSM at several instants and policies, with prospects and without (a covered colleague's
due calls), with the figures the balance import keeps and without them (found from the spans)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, select, update

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Role
from csm_tui.policy import Policy
from csm_tui.services.calls import queue
from csm_tui.services.calls.queue import compose, window
from csm_tui.services.workstation import Workstation
from storage import queue_sources, queue_sources_old
from storage.demo import build_demo
from storage.orm import ClientRow, StaffRow

INSTANTS = (
    "2026-11-27T02:00:00Z",  # Friday 10:00 in Shanghai: the demo's today
    "2026-11-28T01:00:00Z",  # Saturday: no birthday greetings, Monday's meetings to confirm
    "2026-11-30T08:30:00Z",  # Monday afternoon
    "2026-12-10T02:00:00Z",  # two weeks on: the data are older, other maturities and assessments
)


def _policy(tier_days: int, target: int) -> Policy:
    p = Policy()
    return p.model_copy(
        update={
            "risk": p.risk.model_copy(update={"tier_days": tier_days}),
            "calls": p.calls.model_copy(update={"daily_target": target}),
        }
    )


POLICIES = (
    _policy(14, 10),  # the default: the kept lowest average answers the tier forecast
    _policy(40, 200),  # past the kept lookahead: every tiered client is forecast from the spans; many prospects
)


@pytest.fixture
def branch(engine: Engine) -> Iterator[Engine]:
    build_demo(engine, FrozenClock(INSTANTS[0]), clients=450, seed=11, policy=Policy(), csms=3)
    with engine.begin() as conn:  # a third of the clients as kept before the lowest average and the earlier balance
        conn.execute(update(ClientRow).where(ClientRow.id % 3 == 0).values(avg_3m_low=None, balance_before=None))
    yield engine


def _csms(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(StaffRow.login).where(StaffRow.role == Role.CSM).order_by(StaffRow.login)))


def _both(ws: Workstation, monkeypatch: pytest.MonkeyPatch) -> tuple[list[queue.QueueItem], list[queue.QueueItem]]:
    monkeypatch.setattr("storage.views.load_queue_sources", queue_sources_old.load_queue_sources)
    old = queue.today_queue(ws)
    monkeypatch.setattr("storage.views.load_queue_sources", queue_sources.load_queue_sources)
    return old, queue.today_queue(ws)


def test_the_one_statement_builds_the_same_queue_as_a_statement_per_source(
    branch: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared = 0
    for at in INSTANTS:
        for policy in POLICIES:
            for login in _csms(branch):
                ws = open_workstation(branch, FrozenClock(at), policy, login)
                old, new = _both(ws, monkeypatch)
                assert new == old, (at, login)
                compared += len(new)
                # A covered colleague's due calls: no prospects, no target.
                w = replace(window(ws), prospects=0)
                with ws.uow() as tx:
                    staff_id = ws.staff.id or 0
                    before = queue_sources_old.load_queue_sources(tx.session, staff_id, w)
                    after = queue_sources.load_queue_sources(tx.session, staff_id, w)
                assert compose(after, w.today, 0) == compose(before, w.today, 0), (at, login)
                assert (after.calls_today, after.candidates) == (before.calls_today, before.candidates)
                assert after.excluded >= before.excluded
                assert after.settled >= before.settled
    assert compared > 300  # a rich branch: every source of the queue speaks
