"""The checklist's day counts read as many rows whatever the branch's size and however long the CSM has worked: the
book's clients with an active holding maturing this week, probed client by client, and the callbacks still open or
closed today; never the branch's maturing holdings, nor every task of the CSM's history.

Shown for both reads of the counts, the full one (``day_counts``, which the checklist and the team's lists run) and
the first screen's (``storage.first_checklist``): by the rows each PostgreSQL plan reads on the grown branch
(``tests.support.grown_branch``: 40,000 clients of another CSM maturing this month), and by SQLite's plan.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Engine, text

from csm_tui.services.checklist.day_list import load_list
from csm_tui.services.days import day_window
from csm_tui.services.rows import DayWindow
from storage.engine import make_engine
from storage.first_checklist import ThinDatabase, first_checklist, open_thin, signing_in
from tests.support.grown_branch import csm01_desk, rows_read, statements_run

MATURITIES = re.compile(r"maturity_date")
CALLBACKS = re.compile(r"\b(t|tasks)\.kind\b")  # the callbacks' count, by kind


def _counted(statement: str) -> bool:
    return bool(MATURITIES.search(statement) or CALLBACKS.search(statement))


def _within(statement: str, read: dict[str, int], bounds: dict[str, int]) -> bool:
    """No more holdings read than the book's maturing ones, nor tasks (by the callbacks' count) than are current.

    (Other reads of the day may hash the demo's few tasks whole: only clients, holdings, sales and contacts grow.)
    """
    tasks_read = read.get("tasks", 0) if CALLBACKS.search(statement) else 0
    return read.get("holdings", 0) <= bounds["holdings"] and tasks_read <= bounds["tasks"]


class Recording(ThinDatabase):
    """The thin read, keeping each statement it runs with its parameters."""

    def __init__(self, db: ThinDatabase) -> None:
        super().__init__(db.connection, db.postgres)
        self.run: list[tuple[str, dict[str, object]]] = []

    def batch(self, *statements: str, **params: object) -> list[list[tuple[Any, ...]]]:
        self.run += [(sql, params) for sql in statements]
        return super().batch(*statements, **params)


def _thin_statements(engine: Engine, w: DayWindow) -> tuple[Recording, list[tuple[str, dict[str, object]]]]:
    opened = open_thin(engine.url.render_as_string(hide_password=False))
    assert opened is not None
    db = Recording(opened)
    staff, _ = signing_in(db, "csm01")
    assert staff is not None
    first_checklist(db, staff, w)
    return db, [(sql, params) for sql, params in db.run if _counted(sql)]


def _bounds(engine: Engine, w: DayWindow) -> dict[str, int]:
    """What the counts need, at most: csm01's active holdings maturing within a week (the lead), and csm01's tasks
    open or closed since the day began; each far below what the branch and the history hold."""
    with engine.connect() as conn:
        csm01 = conn.scalar(text("SELECT id FROM staff WHERE login = 'csm01'"))
        maturing, branch_maturing = conn.execute(
            text(
                "SELECT COUNT(*) FILTER (WHERE c.manager_id = :staff), COUNT(*) FROM holdings h "
                "JOIN clients c ON c.id = h.client_id "
                "WHERE h.status = 'active' AND h.maturity_date BETWEEN :day AND :until"
            ),
            {"staff": csm01, "day": w.day, "until": w.maturing_until},
        ).one()
        current, history = conn.execute(
            text(
                "SELECT COUNT(*) FILTER (WHERE closed_at IS NULL OR closed_at >= :start), COUNT(*) FROM tasks "
                "WHERE staff_id = :staff"
            ),
            {"staff": csm01, "start": w.start.replace(tzinfo=None)},
        ).one()
    assert maturing * 10 < branch_maturing and current * 5 < history  # a plan reading either would fail
    return {"holdings": maturing, "tasks": current}


def test_the_day_counts_read_the_books_maturing_holdings_and_the_current_callbacks_only(grown: Engine) -> None:
    ws = csm01_desk(grown)
    w = day_window(ws, ws.time.today())
    bounds = _bounds(grown, w)
    full = statements_run(grown, lambda: load_list(ws), _counted)
    with grown.connect() as conn:
        for statement, parameters in full:
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar_one()
            read = rows_read(plan[0]["Plan"])
            assert _within(statement, read, bounds), (statement, read, bounds)
    db, thin = _thin_statements(grown, w)
    try:
        assert len(thin) == 2
        for sql, params in thin:
            ((plan,),) = db.rows("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, **params)
            read = rows_read(plan[0]["Plan"])
            assert _within(sql, read, bounds), (sql, read, bounds)
    finally:
        db.close()


@pytest.fixture
def sqlite_branch(demo_url: str) -> Engine:
    return make_engine(demo_url)


def test_on_sqlite_the_day_counts_probe_the_books_holdings_and_the_current_callbacks(sqlite_branch: Engine) -> None:
    """SQLite's plan for the two counts: holdings searched by client (then status and maturity), tasks by staff
    and when they closed."""
    ws = csm01_desk(sqlite_branch)
    full = statements_run(sqlite_branch, lambda: load_list(ws), _counted)
    with sqlite_branch.connect() as conn:
        plans = [conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p).all() for s, p in full]
    steps = [detail for plan in plans for *_, detail in plan]
    db, thin = _thin_statements(sqlite_branch, day_window(ws, ws.time.today()))
    try:
        steps += [detail for sql, params in thin for *_, detail in db.rows("EXPLAIN QUERY PLAN " + sql, **params)]
    finally:
        db.close()
    holdings = [step for step in steps if re.match(r"SEARCH (h|holdings)\w* ", step)]
    tasks = [step for step in steps if re.match(r"SEARCH (t|tasks)\w* ", step)]
    assert len(holdings) == 2 and len(tasks) >= 2, steps
    assert all("ix_holdings_client_maturity (client_id=? AND status=? AND maturity_date>?" in s for s in holdings)
    assert all(re.search(r"ix_tasks_staff_closed \(staff_id=\? AND closed_at", s) for s in tasks), tasks
    assert not any(step.startswith("SCAN") and ("holdings" in step or "tasks" in step) for step in steps), steps
