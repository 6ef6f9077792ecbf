"""The queue stays flat as the branch grows on PostgreSQL: its statement reads the CSM's book and what hangs off it
through indexes, never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of
the very statement ``today_queue`` runs, on the grown demo branch (``tests.support.grown_branch``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.calls.queue import today_queue
from tests.support.clock import FROZEN_AT
from tests.support.grown_branch import grown_branch, whole_tables_read
from tests.support.postgres import PgServer


@pytest.fixture(scope="module")
def grown(pg_server: PgServer) -> Iterator[Engine]:
    yield from grown_branch(pg_server)


def test_the_queue_reads_no_whole_table_of_the_branch(grown: Engine) -> None:
    ws = open_workstation(grown, FrozenClock(FROZEN_AT), Policy(), "csm01")
    assert not whole_tables_read(grown, lambda: today_queue(ws), lambda statement: "UNION ALL" in statement)
