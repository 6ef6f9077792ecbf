"""The queue stays flat as the branch grows: its statement reads the CSM's book and what hangs off it through
indexes, never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of the very
statement ``today_queue`` runs, on the grown demo branch on PostgreSQL (``tests.support.grown_branch``) and on the
demo branch on SQLite, whose planner has no statistics: its plan is the same at any size. On PostgreSQL the book and
its active holdings are read from indexes alone."""

from __future__ import annotations

from sqlalchemy import Engine, text

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.calls.queue import today_queue, window
from storage.engine import make_engine
from storage.orm import BOOK_CARRIED
from storage.queue_sources import BOOK_COLUMNS
from tests.support.clock import FROZEN_AT
from tests.support.grown_branch import csm01_desk, plan_nodes, statements_run, whole_tables_read


def test_the_queue_reads_no_whole_table_of_the_branch(grown: Engine) -> None:
    ws = csm01_desk(grown)
    assert not whole_tables_read(grown, lambda: today_queue(ws), lambda statement: "UNION ALL" in statement)


def test_the_queue_reads_no_whole_table_of_the_branch_on_sqlite(demo_url: str) -> None:
    engine = make_engine(demo_url)
    ws = open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01")
    assert window(ws).prospects > 0  # the statement whose holdings both the maturities and the prospects read
    assert not whole_tables_read(engine, lambda: today_queue(ws), lambda statement: "UNION ALL" in statement)


def test_the_queue_reads_the_book_and_its_holdings_from_indexes_alone(grown: Engine) -> None:
    """Vacuumed (autovacuum's work after writes), the book's clients and their active holdings are read by
    index-only scans of ``ix_clients_manager_avg`` and ``ix_holdings_client_maturity`` (0028): the table's page of a
    row is visited only while the visibility map cannot vouch for it."""
    with grown.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM clients, holdings")
    ws = csm01_desk(grown)
    [(statement, parameters)] = statements_run(grown, lambda: today_queue(ws), lambda text: "UNION ALL" in text)
    with grown.connect() as conn:
        explained = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
    nodes = list(plan_nodes(explained[0]["Plan"]))
    by_manager = ("Index Cond", "Recheck Cond")  # read by manager: through an index or a bitmap of one
    book = [
        n
        for n in nodes
        if n.get("Relation Name") == "clients" and any("manager_id" in n.get(k, "") for k in by_manager)
    ]
    holdings = [n for n in nodes if n.get("Relation Name") == "holdings"]
    read = {(n["Relation Name"], n["Node Type"], n.get("Index Name")) for n in book + holdings}
    assert read == {
        ("clients", "Index Only Scan", "ix_clients_manager_avg"),
        ("holdings", "Index Only Scan", "ix_holdings_client_maturity"),
    }, read


def test_the_index_carries_every_column_the_queue_reads_of_the_book() -> None:
    assert {column.name for column in BOOK_COLUMNS.values()} == {*BOOK_CARRIED, "avg_3m_fen"}


def test_the_queue_s_statement_stays_prepared_from_one_build_to_the_next(grown: Engine) -> None:
    """psycopg prepares the statement on its sixth run on a connection; read units end in COMMIT, which keeps it (a
    ROLLBACK would drop it), so later builds skip its parse, each still planned for its own values."""
    ws = csm01_desk(grown)
    for _ in range(7):
        today_queue(ws)
    with grown.connect() as conn:
        kept = conn.execute(
            text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%UNION ALL%'")
        ).all()
    assert [(generic, custom >= 2) for generic, custom in kept] == [(0, True)], kept
