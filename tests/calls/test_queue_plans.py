"""The queue stays flat as the branch grows on PostgreSQL: its statement reads the CSM's book and what hangs off it
through indexes, never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of
the very statement ``today_queue`` runs, on the grown demo branch (``tests.support.grown_branch``)."""

from __future__ import annotations

from sqlalchemy import Engine

from csm_tui.services.calls.queue import today_queue
from tests.support.grown_branch import csm01_desk, whole_tables_read


def test_the_queue_reads_no_whole_table_of_the_branch(grown: Engine) -> None:
    ws = csm01_desk(grown)
    assert not whole_tables_read(grown, lambda: today_queue(ws), lambda statement: "UNION ALL" in statement)
