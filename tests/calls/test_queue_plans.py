"""The queue stays flat as the branch grows: its statement reads the CSM's book and what hangs off it through
indexes, never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of the very
statement ``today_queue`` runs, on the grown demo branch on PostgreSQL (``tests.support.grown_branch``) and on the
demo branch on SQLite, whose planner has no statistics: its plan is the same at any size. PostgreSQL runs the
statement on a plan made once for any values (its generic plan, which ``whole_tables_read`` EXPLAINs here), with the
code's own constants written into the statement; planned for csm01's book, the book and its active holdings are read
from indexes alone."""

from __future__ import annotations

import re

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
    read = whole_tables_read(
        grown, lambda: today_queue(ws), lambda statement: "UNION ALL" in statement, planned_once=True
    )
    assert not read


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
    with grown.connect() as conn:  # planned for csm01's book (the queue's own plan is made for a book of any size)
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


def test_the_queue_s_statement_stays_prepared_and_planned_once_for_any_values(grown: Engine) -> None:
    """psycopg prepares the statement on its sixth run on a connection; read units end in COMMIT, which keeps it (a
    ROLLBACK would drop it), so later builds skip its parse, and run on the plan PostgreSQL made once, not a plan
    made anew for each run's values."""
    ws = csm01_desk(grown)
    for _ in range(8):
        today_queue(ws)
    with grown.connect() as conn:
        kept = conn.execute(
            text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%UNION ALL%'")
        ).all()
    assert [(generic >= 3, custom) for generic, custom in kept] == [(True, 0)], kept


def test_the_unit_s_other_statements_are_planned_for_their_values(grown: Engine) -> None:
    ws = csm01_desk(grown)
    with ws.uow() as tx:
        tx.views.queue_sources(ws.staff.id, window(ws))
        assert tx.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


def test_the_queue_s_statement_has_only_the_csm_s_and_the_day_s_values_for_parameters(grown: Engine) -> None:
    """The kinds, statuses, channels and limits the statement holds are written into its SQL (a plan made once for
    any values would otherwise not know them): SQLAlchemy names a value bound without a name of its own after
    its column and a number, and none is sent."""
    ws = csm01_desk(grown)
    [(statement, parameters)] = statements_run(grown, lambda: today_queue(ws), lambda text: "UNION ALL" in text)
    assert "'firm_decline'" in statement and "'wode'" in statement
    assert {"staff_id", "today", "now"} <= set(parameters)
    lists = {"solar_days", "lunar_days"}  # the birthdays' days: each a list, sent as name_1, name_2...
    made_up = [name for name in parameters if re.fullmatch(r".+_\d+", name) and name.rsplit("_", 1)[0] not in lists]
    assert not made_up, sorted(parameters)
