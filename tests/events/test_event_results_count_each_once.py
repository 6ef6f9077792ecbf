"""The event's results count each thing once and only what the event earned: a person met twice at the door is
taken once and is one new client; someone who was already a client is no prospect (and no new client of the event);
a sale made before the event began is not its; a follow-up made after the policy's days is no follow-up within them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from csm_tui.domain.enums import TaskKind, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewSale
from csm_tui.services.events import day, planning, prospects, results
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from tests.support.events_branch import EVENT_AT, Branch, event, invitation_of, on_event_day
from tests.support.files import HEADER_ZH, VALID_IDS, write_csv


def _attended(branch: Branch, name: str) -> int:
    branch.client(name, "wang")
    event_id = event(branch, capacity=5)
    planning.invite_clients(branch.ws("sup"), event_id, [branch.clients[name]])
    on_event_day(branch)
    day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, name))
    return event_id


def test_a_person_met_twice_at_the_door_is_taken_once_and_is_one_new_client(branch: Branch, tmp_path: Path) -> None:
    event_id = event(branch, by="wang")
    on_event_day(branch)
    prospects.meet_at_event(branch.ws("wang"), event_id, "钱七", "13912345678", consent=True)
    with pytest.raises(DomainError, match="prospect_taken"):
        prospects.meet_at_event(branch.ws("li"), event_id, "钱七", "139 1234 5678", consent=True)
    rows = [["C0100", "钱七", VALID_IDS[0], "13912345678", ""]]
    import_file(branch.ws("admin"), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [HEADER_ZH, *rows]))
    assert results.results(branch.ws("sup"), event_id).new_clients == 1


def _sale(branch: Branch, name: str, at: dt.datetime) -> None:
    with branch.factory(write=True) as tx:
        tx.sales.add(
            NewSale(
                client_id=branch.clients[name], staff_id=branch.staff["wang"].id, outlet_id=1,
                product_id=branch.product, amount=Decimal("10000.00"), sold_at=at,
            )
        )  # fmt: skip
        tx.commit()


def test_a_sale_made_before_the_event_began_is_not_the_events(branch: Branch) -> None:
    event_id = _attended(branch, "甲")
    _sale(branch, "甲", EVENT_AT - dt.timedelta(hours=4))  # 10:00 that morning, the event at 14:00
    _sale(branch, "甲", EVENT_AT + dt.timedelta(hours=2))
    got = results.results(branch.ws("sup"), event_id)
    assert (got.sales, got.sales_amount) == (1, Decimal("10000.00"))


def test_a_follow_up_made_after_the_policys_days_is_not_counted_as_followed_up(branch: Branch) -> None:
    event_id = _attended(branch, "甲")
    with branch.factory(write=True) as tx:
        follow = next(t for t in tx.tasks.open_for_client(branch.clients["甲"]) if t.kind is TaskKind.EVENT_FOLLOW_UP)
        tx.tasks.close(follow.id, TaskStatus.DONE, EVENT_AT + dt.timedelta(days=10))
        tx.commit()
    assert results.results(branch.ws("sup"), event_id).followed_up == 0
    with branch.factory(write=True) as tx:  # made on the policy's last day (3 days after): counted
        tx.tasks.reopen(follow.id)
        tx.tasks.close(follow.id, TaskStatus.DONE, EVENT_AT + dt.timedelta(days=3))
        tx.commit()
    assert results.results(branch.ws("sup"), event_id).followed_up == 1


def test_someone_already_a_client_is_not_taken_as_a_prospect(branch: Branch) -> None:
    branch.client("甲", "li")  # mobile 13900000001
    event_id = event(branch, by="wang")
    on_event_day(branch)
    with pytest.raises(DomainError) as refused:
        prospects.meet_at_event(branch.ws("wang"), event_id, "甲", "13900000001", consent=True)
    assert refused.value.code == "prospect_is_client"
    introducer = branch.client("乙", "wang")
    with pytest.raises(DomainError, match="prospect_introduced_is_client"):
        prospects.introduced(branch.ws("wang"), introducer, "甲", "13900000001", consent=True)
    assert prospects.mine(branch.ws("wang")) == []
