"""A client's page stays flat as the branch grows on PostgreSQL: what it reads (the client, their holdings, contact
timeline, tasks open and closed with who closed them, appointments, referrals) is read through indexes by client,
never a whole table of the branch's clients, holdings, sales or contacts. Shown by EXPLAIN of every statement
``client_detail.load`` runs, on the grown demo branch (``tests.support.grown_branch``), for a client whose closed
tasks were closed by calls."""

from __future__ import annotations

from sqlalchemy import Engine

from csm_tui.services.clients import client_detail
from tests.support.grown_branch import csm01_desk, first_id, whole_tables_read


def test_a_client_page_reads_no_whole_table_of_the_branch(grown: Engine) -> None:
    client = first_id(
        grown,
        "SELECT t.client_id FROM tasks t JOIN contacts c ON c.task_id = t.id JOIN staff s ON s.id = t.staff_id "
        "WHERE s.login = 'csm01' AND t.status <> 'open' ORDER BY t.client_id LIMIT 1",
    )
    ws = csm01_desk(grown)
    detail = client_detail.load(ws, client)
    assert detail.closed_tasks
    assert not whole_tables_read(grown, lambda: client_detail.load(ws, client), lambda _statement: True)
