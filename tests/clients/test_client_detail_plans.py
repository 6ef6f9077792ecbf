"""A client's page stays flat as the branch grows on PostgreSQL: what it reads (the client, their holdings, contact
timeline, tasks open and closed with who closed them, appointments, referrals) is read through indexes by client,
never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of every statement
``client_detail.load`` runs, on the grown demo branch (``tests.support.grown_branch``), for a client whose closed
tasks were closed by calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.clients import client_detail
from tests.support.clock import FROZEN_AT
from tests.support.grown_branch import grown_branch, whole_tables_read
from tests.support.postgres import PgServer


@pytest.fixture(scope="module")
def grown(pg_server: PgServer) -> Iterator[Engine]:
    yield from grown_branch(pg_server)


def test_a_client_page_reads_no_whole_table_of_the_branch(grown: Engine) -> None:
    with grown.connect() as conn:
        client = conn.scalar(
            text(
                "SELECT t.client_id FROM tasks t JOIN contacts c ON c.task_id = t.id JOIN staff s ON s.id = t.staff_id "
                "WHERE s.login = 'csm01' AND t.status <> 'open' ORDER BY t.client_id LIMIT 1"
            )
        )
    assert client is not None
    ws = open_workstation(grown, FrozenClock(FROZEN_AT), Policy(), "csm01")
    detail = client_detail.load(ws, client)
    assert detail.closed_tasks
    assert not whole_tables_read(grown, lambda: client_detail.load(ws, client), lambda _statement: True)
