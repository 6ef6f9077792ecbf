"""A 沃德 client manager's calls on a client whose 沃德 referral they have not decided yet say so — in the queue's
detail column and on the call card — so they do not take the client for theirs; accepted, the words go. Read by the
queue's one statement: as many statements with one such client as with three (SQLite and PostgreSQL).

The clients' small branch (``support/clients_branch``): 张三丰, 王小明 and 李四 are A's."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from csm_tui.app import CsmApp
from csm_tui.i18n import catalog, t
from csm_tui.services.calls import appointments, queue
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.clients import referrals
from tests.support.clients_branch import MONDAY, Branch
from tests.support.pilot import press_settled, whole_rows
from tests.support.wode import open_referral
from widgets.client_card import render_card
from widgets.line_breaks import wrap


def _called_while_deciding(branch: Branch, *client_ids: int) -> list[referrals.Referral]:
    """Each client referred to 陈经理, who books a follow-up for Monday; the clock on Monday."""
    found = []
    for client_id in client_ids:
        found.append(open_referral(branch, client_id, branch.wealth))
        appointments.add_follow_up(branch.ws(branch.wealth), client_id, MONDAY, "跟进")
    branch.clock.advance(dt.timedelta(days=3))
    return found


def test_the_queue_marks_the_calls_on_clients_whose_referral_is_still_open(branch: Branch) -> None:
    zsf, _ = _called_while_deciding(branch, branch.zsf, branch.wxm)
    wealth = branch.ws(branch.wealth)
    assert {i.client_id: i.referral_pending for i in queue.today_queue(wealth)} == {branch.zsf: True, branch.wxm: True}
    referrals.decide(wealth, zsf, accept=True)
    assert {i.client_id: i.referral_pending for i in queue.today_queue(wealth)} == {branch.zsf: False, branch.wxm: True}
    assert not any(i.referral_pending for i in queue.today_queue(branch.ws(branch.csm_a)))
    for lang in ("zh_CN", "en"):
        assert catalog(lang)["referrals.pending"]


def test_the_call_card_says_the_referral_is_not_decided_yet(branch: Branch) -> None:
    (referral,) = _called_while_deciding(branch, branch.zsf)
    wealth = branch.ws(branch.wealth)
    card = prepare(wealth, branch.zsf)
    assert card.referral_pending
    lines = render_card(card, wealth.time.today())
    for width in range(10, 81):  # the card at 80 columns or narrower: the words whole, never broken inside
        assert any(t("referrals.pending") in part for line in lines for part in wrap(line.plain, width))
    referrals.decide(wealth, referral, accept=True)
    assert not prepare(wealth, branch.zsf).referral_pending


def _statements(branch: Branch) -> int:
    said: list[str] = []

    def count(*args: object) -> None:
        said.append(str(args[2]))

    event.listen(branch.engine, "before_cursor_execute", count)
    try:
        queue.today_queue(branch.ws(branch.wealth))
    finally:
        event.remove(branch.engine, "before_cursor_execute", count)
    return len(said)


def test_the_mark_costs_no_statement_per_row(branch: Branch) -> None:
    _called_while_deciding(branch, branch.zsf)
    queue.today_queue(branch.ws(branch.wealth))  # the first build of the process may read what later ones keep
    one = _statements(branch)
    branch.clock.advance(dt.timedelta(days=-3))
    _called_while_deciding(branch, branch.wxm, branch.ls)
    assert len(queue.today_queue(branch.ws(branch.wealth))) == 3
    assert _statements(branch) == one


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_queue_s_detail_column_says_the_referral_is_not_decided(branch: Branch, lang: str) -> None:
    _called_while_deciding(branch, branch.zsf)
    app = CsmApp(branch.ws(branch.wealth), lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "2")
        rows = whole_rows(app)
        assert len(rows) == 1 and catalog(lang)["referrals.pending"] in rows[0][3]
