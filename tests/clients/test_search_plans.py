"""Search stays flat as the branch grows on PostgreSQL: each statement a keystroke runs is answered from an index
the planner picks for that kind of key (a name's prefix or any part of it, the pinyin initials, a mobile, an ID,
a card and a client number), never by reading the whole table. Shown by EXPLAIN of the very statements
``find_clients`` runs, on 60,000 clients analysed like a branch's (PostgreSQL only: SQLite's planner has no
statistics to mislead it, and its plans are the indexes' order)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from csm_tui.clock import FrozenClock
from csm_tui.services.clients.finding import find_clients
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.clients_branch import NOW, Branch, build_branch
from tests.support.grown_branch import plan_nodes
from tests.support.postgres import PgServer

CLIENTS = 60_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
SURNAME_INITIALS = "wlzlcyhzwzxsmzhghgll"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
GIVEN_INITIALS = "wfnmjlqljyyyjjtmcxxpgg"


@pytest.fixture(scope="module")
def big_branch(pg_server: PgServer) -> Iterator[Branch]:
    """The clients' small branch on PostgreSQL, grown to 60,000 clients (one in seventeen A's, the rest B's and
    nobody's), each with a card, then analysed; built once for the module (the tests only read)."""
    name = pg_server.create_database()
    engine = make_engine(pg_server.url(name))
    try:
        upgrade(engine)
        branch = build_branch(engine, FrozenClock(NOW))
        _grow(engine, branch)
        yield branch
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def _grow(engine: Engine, branch: Branch) -> None:
    params = {
        "n": CLIENTS,
        "a": branch.csm_a.id,
        "b": branch.csm_b.id,
        "surnames": list(SURNAMES),
        "sinit": list(SURNAME_INITIALS),
        "given": list(GIVEN),
        "ginit": list(GIVEN_INITIALS),
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                """
                INSERT INTO clients (number, name, name_initials, resident_id, mobile, mobile_invalid, address,
                    occupation, manager_id, outlet_id, civil_capacity, phone_opt_out, sms_opt_out, note, balance_fen,
                    avg_3m_fen, version)
                SELECT 'C' || lpad(g::text, 7, '0'),
                       a.sn[1 + g % 20] || a.gn[1 + (g / 20) % 22] || a.gn[1 + (g / 440) % 22],
                       a.si[1 + g % 20] || a.gi[1 + (g / 20) % 22] || a.gi[1 + (g / 440) % 22],
                       '3101' || lpad(g::text, 14, '0'),
                       '138' || lpad(g::text, 8, '0'),
                       false, '', '',
                       CASE WHEN g % 17 = 0 THEN :a WHEN g % 17 = 1 THEN NULL ELSE :b END,
                       a.outlet_id, true, false, false, '', g * 100, g * 100, 1
                FROM generate_series(1, :n) AS g,
                     (SELECT CAST(:surnames AS text[]) AS sn, CAST(:given AS text[]) AS gn,
                             CAST(:sinit AS text[]) AS si, CAST(:ginit AS text[]) AS gi,
                             (SELECT outlet_id FROM clients LIMIT 1) AS outlet_id) AS a
                """
            ),
            params,
        )
        conn.execute(
            text(
                """
                INSERT INTO accounts (client_id, number, kind, opened_on)
                SELECT id, '622262' || lpad(id::text, 13, '0'), 'debit_card', DATE '2020-01-01' FROM clients
                """
            )
        )
        conn.execute(text("ANALYZE"))


def _plans(branch: Branch, typed: str) -> list[dict[str, Any]]:
    """The plans of the statements CSM A's search for ``typed`` runs, each EXPLAINed with its parameters."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and " clients" in statement:
            statements.append((statement, parameters))

    event.listen(branch.engine, "before_cursor_execute", seen)
    try:
        find_clients(branch.ws(branch.csm_a), typed)
    finally:
        event.remove(branch.engine, "before_cursor_execute", seen)
    with branch.engine.connect() as conn:
        return [conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + s, p).scalar_one()[0]["Plan"] for s, p in statements]


BOOK = {  # on (manager, ...)
    "ix_clients_manager_name", "ix_clients_manager_initials", "ix_clients_manager_avg", "ix_clients_manager_number",
}  # fmt: skip


def _reads(plans: list[dict[str, Any]]) -> list[set[str]]:
    """Per statement, the indexes it reads ("book" for any index leading with the manager: the CSM's own clients)
    and "whole <table>" for a table read from end to end."""
    found = []
    for plan in plans:
        used = set()
        for node in plan_nodes(plan):
            if "Index Name" in node:
                used.add("book" if node["Index Name"] in BOOK else node["Index Name"])
            elif node["Node Type"] == "Seq Scan":
                used.add(f"whole {node['Relation Name']}")
        found.append(used)
    return found


@pytest.mark.parametrize(
    ("typed", "reads"),
    [
        # a Chinese name: any part of it in the own book, read through the book; others' from its start
        ("王", [{"book"}, {"ix_clients_name"}]),
        ("王伟", [{"book"}, {"ix_clients_name"}]),
        ("王伟芳", [{"book"}, {"ix_clients_name"}]),  # a whole name: few match, none read in name order to find them
        ("伟", [{"book"}]),  # a given name: the book holds a screenful
        # pinyin initials: the own book; others' by the client number's and the initials' indexes
        ("wf", [{"book", "uq_clients_number"}, {"uq_clients_number"}, {"ix_clients_initials"}]),
        # a client number, own and others'
        ("C00012", [{"uq_clients_number"}, {"uq_clients_number"}]),
        # digits: the own book's mobiles, IDs and cards (each client's accounts), others' client numbers only
        ("13800", [{"book", "ix_accounts_client_id"}]),
        ("3101000", [{"book", "ix_accounts_client_id"}]),
        ("622262", [{"book", "ix_accounts_client_id"}]),  # the bank's card prefix: every card has it
        ("62226200000", [{"book", "ix_accounts_client_id"}]),
    ],
)
def test_every_kind_of_search_key_is_read_through_an_index_on_postgresql(
    big_branch: Branch, typed: str, reads: list[set[str]]
) -> None:
    assert _reads(_plans(big_branch, typed)) == reads


@pytest.mark.parametrize("typed", ["王", "张", "lj", "C0012", "0012"])  # others matching thousands, or a thousand
def test_a_screenful_of_others_clients_is_read_in_the_index_order_without_sorting(
    big_branch: Branch, typed: str
) -> None:
    """A prefix matching many of others' clients (a surname, an initial, a client number's first digits) is read in
    the index's order and stops at the screenful: sorted, every client it matched would be read (or every client
    sharing the first name or initials it matched), more as the branch grows. (A prefix matching few may well be
    read and sorted: the planner's choice, as cheap at any size.)"""
    others = _plans(big_branch, typed)[1:]
    assert others
    for plan in others:
        assert not {node["Node Type"] for node in plan_nodes(plan)} & {"Sort", "Incremental Sort"}, plan
