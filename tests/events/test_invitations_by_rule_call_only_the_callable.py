"""An invitation by rule is a call: the rule never picks a client who asked not to be called, whose number is known
wrong, or who has no mobile (their invitation would count as invited while nobody may call them)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from csm_tui.domain.enums import EventKind, InviteRule
from csm_tui.domain.errors import DomainError
from csm_tui.services.events import planning
from storage.orm import ClientRow
from tests.support.events_branch import Branch, event


def test_a_rule_picks_no_client_who_may_not_be_called(branch: Branch) -> None:
    for name in ("可打", "拒电", "错号", "无号"):
        branch.client(name, "wang", securities_custody=True, employer="上海电气")
    with branch.factory(write=True) as tx:
        for name, values in (("拒电", {"phone_opt_out": True}), ("错号", {"mobile_invalid": True}),
                             ("无号", {"mobile": None})):  # fmt: skip
            tx.session.execute(update(ClientRow).where(ClientRow.id == branch.clients[name]).values(**values))
        tx.commit()
    securities = event(branch, by="wang", kind=EventKind.SECURITIES, company="")
    assert planning.invite_by_rule(branch.ws("wang"), securities, InviteRule.SECURITIES) == 1
    payroll = event(branch, by="sup")
    assert planning.invite_by_rule(branch.ws("sup"), payroll, InviteRule.EMPLOYER) == 1
    for name in ("拒电", "错号", "无号"):
        assert branch.tasks(name) == []


def test_a_client_who_may_not_be_called_is_not_invited_by_hand_either(branch: Branch) -> None:
    """Picked by hand, the same: refused with the client's number, nothing invited (the others picked with them
    neither: the CSM takes them out and saves again)."""
    for name in ("可打", "拒电", "错号", "无号"):
        branch.client(name, "wang")
    with branch.factory(write=True) as tx:
        for name, values in (("拒电", {"phone_opt_out": True}), ("错号", {"mobile_invalid": True}),
                             ("无号", {"mobile": None})):  # fmt: skip
            tx.session.execute(update(ClientRow).where(ClientRow.id == branch.clients[name]).values(**values))
        tx.commit()
    event_id = event(branch, by="wang")
    for name in ("拒电", "错号", "无号"):
        with pytest.raises(DomainError) as refused:
            planning.invite_clients(branch.ws("wang"), event_id, [branch.clients["可打"], branch.clients[name]])
        assert refused.value.code == "event_uncallable" and refused.value.params["number"].startswith("C")
        assert branch.tasks(name) == [] and branch.tasks("可打") == []
    assert planning.invite_clients(branch.ws("wang"), event_id, [branch.clients["可打"]]) == 1
