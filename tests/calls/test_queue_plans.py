"""The queue stays flat as the branch grows: its statement reads the CSM's book and what hangs off it through
indexes, never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of the very
statement ``today_queue`` runs, on the grown demo branch on PostgreSQL (``tests.support.grown_branch``) and on the
demo branch on SQLite, whose planner has no statistics: its plan is the same at any size. PostgreSQL runs the
statement on a plan made once for any values (its generic plan, which ``whole_tables_read`` EXPLAINs here), with the
code's own constants written into the statement; planned for csm01's book, the book and its active holdings are read
from indexes alone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import CursorResult, Engine, Result, literal, select, text

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.calls.queue import today_queue, window
from storage.engine import make_engine
from storage.orm import BOOK_CARRIED
from storage.queue_sources import BOOK_COLUMNS, _constants_written
from tests.support.clock import FROZEN_AT
from tests.support.grown_branch import csm01_desk, generic_plan, plan_nodes, statements_run, whole_tables_read


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


def test_the_queue_reads_the_book_and_its_holdings_through_their_indexes(grown: Engine) -> None:
    """Vacuumed (autovacuum's work after writes), the plan the queue runs on reads the book through an index by
    manager and its active holdings by an index-only scan of ``ix_holdings_client_maturity`` (0028); so does the plan
    made for csm01's own values. Which index by manager, and whether index-only or by a bitmap of it, is the
    planner's choice by the statistics ANALYZE sampled (both lead with the manager; the plan for any values expects
    a book of the grown branch's average, 7,000)."""
    with grown.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM clients, holdings")
    ws = csm01_desk(grown)
    [(statement, parameters)] = statements_run(grown, lambda: today_queue(ws), lambda text: "UNION ALL" in text)
    with grown.connect() as conn:
        run = _book_and_holdings_read(generic_plan(conn, statement, parameters))
    with grown.connect() as conn:
        explained = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
    holdings = ("holdings", "Index Only Scan", "ix_holdings_client_maturity")
    for read in (run, _book_and_holdings_read(explained[0]["Plan"])):
        book = read - {holdings}
        assert holdings in read and len(book) == 1, read
        ((_, node, index),) = book
        assert index.startswith("ix_clients_manager_") and node in ("Index Only Scan", "Bitmap Heap Scan"), read


def _book_and_holdings_read(plan: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    """How ``plan`` reads the book (clients by manager) and holdings: (table, node, index); a bitmap's heap read is
    named by the index of its bitmap."""
    found = set()
    for node in plan_nodes(plan):
        if node.get("Relation Name") == "holdings":
            found.add(("holdings", node["Node Type"], node.get("Index Name")))
        if node.get("Relation Name") == "clients" and "manager_id" in node.get("Index Cond", ""):
            found.add(("clients", node["Node Type"], node.get("Index Name")))
        if node.get("Relation Name") == "clients" and "manager_id" in node.get("Recheck Cond", ""):
            (bitmap,) = [n for n in plan_nodes(node) if n["Node Type"] == "Bitmap Index Scan"]
            found.add(("clients", node["Node Type"], bitmap["Index Name"]))
    return found


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


def test_a_queue_read_failing_in_the_app_leaves_the_unit_s_statements_planned_for_their_values(
    grown: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows failing after the server sent them (the transaction still usable): the setting is put back."""

    def failing(_result: Result[Any]) -> list[Any]:
        raise RuntimeError("the rows could not be read")

    ws = csm01_desk(grown)
    with ws.uow() as tx:
        with monkeypatch.context() as patched:
            patched.setattr(CursorResult, "all", failing)
            with pytest.raises(RuntimeError):
                tx.views.queue_sources(ws.staff.id, window(ws))
        assert tx.session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"


def test_a_value_of_a_run_is_never_written_into_the_queue_s_statement() -> None:
    """The statement is kept and run for any CSM on any day: a date in it would be one day's, and is refused."""
    with pytest.raises(TypeError, match="written into the queue's statement"):
        _constants_written(select(literal(dt.date(2026, 11, 27))))


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
