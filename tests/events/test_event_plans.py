"""The calls that answered an invitation are read through the contacts' index by client, never every contact of the
branch matched by task: shown by EXPLAIN on the grown demo branch (``tests.support.grown_branch``) — the plan, chosen by
the tables' statistics, whatever the invitation's answers."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.support.grown_branch import csm01_desk, first_id, whole_tables_read


def test_an_invitations_answers_read_no_whole_table_of_the_branch(grown: Engine) -> None:
    invitation = first_id(
        grown,
        "SELECT i.id FROM event_invitations i JOIN staff s ON s.id = i.staff_id WHERE s.login = 'csm01' "
        "ORDER BY i.id LIMIT 1",
    )
    ws = csm01_desk(grown)

    def answers() -> None:
        with ws.uow() as tx:
            tx.events.answers(invitation)

    assert not whole_tables_read(grown, answers, lambda statement: "FROM contacts" in statement)
