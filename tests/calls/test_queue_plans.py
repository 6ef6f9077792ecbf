"""The queue stays flat as the branch grows: its statement reads the CSM's book and what hangs off it through
indexes, never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of the very
statement ``today_queue`` runs, on the grown demo branch on PostgreSQL (``tests.support.grown_branch``) and on the
demo branch on SQLite, whose planner has no statistics: its plan is the same at any size."""

from __future__ import annotations

from sqlalchemy import Engine

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.calls.queue import today_queue, window
from storage.engine import make_engine
from tests.support.clock import FROZEN_AT
from tests.support.grown_branch import csm01_desk, whole_tables_read


def test_the_queue_reads_no_whole_table_of_the_branch(grown: Engine) -> None:
    ws = csm01_desk(grown)
    assert not whole_tables_read(grown, lambda: today_queue(ws), lambda statement: "UNION ALL" in statement)


def test_the_queue_reads_no_whole_table_of_the_branch_on_sqlite(demo_url: str) -> None:
    engine = make_engine(demo_url)
    ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01")
    assert window(ws).prospects > 0  # the statement whose holdings both the maturities and the prospects read
    assert not whole_tables_read(engine, lambda: today_queue(ws), lambda statement: "UNION ALL" in statement)
