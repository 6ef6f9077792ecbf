"""A demo branch on PostgreSQL grown by 40,000 clients of another CSM and csm01's book by 3,000 (each with a holding
maturing within the queue's lead days, a sale and a call), analysed like a branch's: for the tests that EXPLAIN what a
per-CSM or per-client screen reads and find no whole table of the branch read (PostgreSQL only: SQLite's planner has
no statistics to mislead it)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Connection, Engine, event, text

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.workstation import Workstation
from storage.demo import build_demo
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.clock import FROZEN_AT
from tests.support.postgres import PgServer

GROWN = {"csm02": 40_000, "csm01": 3_000}  # clients added to each CSM's book
BRANCH_TABLES = {"clients", "holdings", "sales", "contacts"}  # grown: never to be read end to end


def grown_branch(pg_server: PgServer) -> Iterator[Engine]:
    """The grown branch in a database of its own, dropped after (the ``grown`` fixture's body)."""
    name = pg_server.create_database()
    engine = make_engine(pg_server.url(name))
    try:
        upgrade(engine)
        build_demo(engine, FrozenClock(FROZEN_AT), clients=240, seed=7, policy=Policy())
        for login, clients in GROWN.items():
            _grow(engine, login, clients)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        yield engine
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def _grow(engine: Engine, login: str, clients: int) -> None:
    """``clients`` more clients of ``login``, copied from one of the branch's, each with what the queue reads."""
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO clients (number, name, name_initials, resident_id, mobile, mobile_invalid, address,
                    occupation, manager_id, outlet_id, civil_capacity, phone_opt_out, sms_opt_out, note, balance_fen,
                    avg_3m_fen, assets_as_of, version, id_expiry)
                SELECT :prefix || lpad(g::text, 7, '0'), c.name, c.name_initials,
                       '3101' || :digit || lpad(g::text, 13, '0'), '13' || :digit || lpad(g::text, 8, '0'), false, '',
                       '', s.id, c.outlet_id, true, false, false, '', c.balance_fen, c.avg_3m_fen, c.assets_as_of, 1,
                       DATE '2026-12-10'
                FROM generate_series(1, :n) AS g,
                     (SELECT * FROM clients ORDER BY id LIMIT 1) AS c,
                     (SELECT id FROM staff WHERE login = :login) AS s
                """
            ),
            {"n": clients, "login": login, "prefix": "G" + login[-1], "digit": login[-1]},
        )
        grown = f"(SELECT id FROM clients WHERE number LIKE 'G{login[-1]}%') AS g"
        conn.execute(
            text(
                f"""
                INSERT INTO holdings (client_id, product_id, amount_fen, start_date, maturity_date, status)
                SELECT g.id, h.product_id, h.amount_fen, h.start_date, DATE '2026-11-27' + g.id % 20, 'active'
                FROM {grown}, (SELECT * FROM holdings WHERE maturity_date IS NOT NULL LIMIT 1) AS h
                """
            )
        )
        conn.execute(
            text(
                f"""
                INSERT INTO sales (client_id, staff_id, outlet_id, product_id, amount_fen, sold_at, cooling_off_until)
                SELECT g.id, s.staff_id, s.outlet_id, s.product_id, s.amount_fen, s.sold_at,
                       TIMESTAMP '2026-11-27 02:00:00' + (g.id % 3 - 1) * INTERVAL '1 day'
                FROM {grown}, (SELECT * FROM sales LIMIT 1) AS s
                """
            )
        )
        conn.execute(
            text(
                f"""
                INSERT INTO contacts (client_id, staff_id, channel, started_at, duration_s, disposition, note, feedback)
                SELECT g.id, c.staff_id, 'phone', TIMESTAMP '2026-11-27 01:00:00' - g.id % 90 * INTERVAL '1 day', 60,
                       'no_answer', '', ''
                FROM {grown}, (SELECT staff_id FROM contacts LIMIT 1) AS c
                """
            )
        )


def first_id(engine: Engine, sql: str) -> int:
    """The first id ``sql`` selects on the grown branch (there must be one)."""
    with engine.connect() as conn:
        found = conn.scalar(text(sql))
    assert found is not None, sql
    return int(found)


def csm01_desk(engine: Engine) -> Workstation:
    """csm01 signed in on the grown branch, on the tests' frozen clock."""
    return open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), "csm01")


def statements_run(engine: Engine, call: Callable[[], object], kept: Callable[[str], bool]) -> list[tuple[str, Any]]:
    """The reads ``call`` runs that ``kept`` picks, each with its parameters (at least one)."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and kept(statement):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert seen, "no statement was run"
    return seen


def whole_tables_read(
    engine: Engine, call: Callable[[], object], kept: Callable[[str], bool], *, planned_once: bool = False
) -> set[str]:
    """The branch's grown tables read end to end by the statements ``call`` runs that ``kept`` picks, each
    EXPLAINed with its parameters (on either backend); ``planned_once``: PostgreSQL's plan for any values, which
    the statements are run on (``generic_plan``)."""
    whole: set[str] = set()
    with engine.connect() as conn:
        for statement, parameters in statements_run(engine, call, kept):
            if engine.dialect.name == "sqlite":  # "SCAN t" or "SCAN t USING INDEX i": every row; "SEARCH": some
                steps = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                # a table is named by its alias there: SQLAlchemy's are the table's name and a number
                whole |= {re.sub(r"_\d+$", "", detail.split()[1]) for *_, detail in steps if detail.startswith("SCAN ")}
                continue
            if planned_once:
                plan = generic_plan(conn, statement, parameters)
            else:
                plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()[0]["Plan"]
            whole |= {node["Relation Name"] for node in plan_nodes(plan) if node["Node Type"] == "Seq Scan"}
    return whole & BRANCH_TABLES


def generic_plan(conn: Connection, statement: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """PostgreSQL's plan for ``statement`` made once for any values (its generic plan), as a statement prepared
    under ``plan_cache_mode = force_generic_plan`` runs on: EXPLAIN of the statement itself plans for the values."""
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))  # psycopg's $1, $2... in this order
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", statement).replace("%%", "%")
    driver = conn.connection.dbapi_connection
    assert isinstance(driver, psycopg.Connection)
    values = ", ".join(sql.Literal(parameters[name]).as_string(driver) for name in names)
    with driver.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(sql.SQL("PREPARE explained AS {}").format(sql.SQL(numbered)))
        cursor.execute(sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE explained({})").format(sql.SQL(values)))
        found = cursor.fetchone()
        cursor.execute("DEALLOCATE explained")
        cursor.execute("SET LOCAL plan_cache_mode = DEFAULT")  # the connection's next statements as before
    assert found is not None
    plan: dict[str, Any] = found[0][0]["Plan"]
    return plan


def rows_read(plan: dict[str, Any]) -> dict[str, int]:
    """The rows each table's nodes of a PostgreSQL plan run with ANALYZE read: those they gave and those their
    filters removed, over every loop."""
    read: dict[str, int] = {}
    for node in plan_nodes(plan):
        if "Relation Name" in node:
            rows = (
                node["Actual Rows"]
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            read[node["Relation Name"]] = read.get(node["Relation Name"], 0) + rows * node["Actual Loops"]
    return read


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a PostgreSQL plan (``EXPLAIN (FORMAT JSON)``), the top one first."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)
