"""The calls that answered an invitation are read through the contacts' index by client, never every contact of the
branch matched by task: shown by EXPLAIN on the grown demo branch (``tests.support.grown_branch``) — the plan, chosen by
the tables' statistics, whatever the invitation's answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from tests.support.clock import FROZEN_AT
from tests.support.grown_branch import grown_branch, whole_tables_read
from tests.support.postgres import PgServer


@pytest.fixture(scope="module")
def grown(pg_server: PgServer) -> Iterator[Engine]:
    yield from grown_branch(pg_server)


def test_an_invitations_answers_read_no_whole_table_of_the_branch(grown: Engine) -> None:
    with grown.connect() as conn:
        invitation = conn.scalar(
            text(
                "SELECT i.id FROM event_invitations i JOIN staff s ON s.id = i.staff_id WHERE s.login = 'csm01' "
                "ORDER BY i.id LIMIT 1"
            )
        )
    assert invitation is not None
    ws = open_workstation(grown, FrozenClock(FROZEN_AT), Policy(), "csm01")

    def answers() -> None:
        with ws.uow() as tx:
            tx.events.answers(invitation)

    assert not whole_tables_read(grown, answers, lambda statement: "FROM contacts" in statement)
