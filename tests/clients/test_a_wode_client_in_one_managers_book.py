"""A 沃德 client manager's book holds what is theirs and no more, from the hostile side, on SQLite and PostgreSQL:
a referral still open lets them see the client in full but change nothing of theirs (the service and the repository
refuse it in words) — their calls while deciding (a retry, a follow-up, by an outcome or by hand) are in their queue,
and returning the referral cancels them with their meetings with the client, in the same transaction; a client is
in one 沃德 client manager's book at a time — a second acceptance is refused naming who holds them, two desks
accepting at once leave one, and the database holds it (migration 0023, whose upgrade leaves a client held twice to
the manager who accepted last); a supervisor reading a team member's book reads only the team's clients in it.
Pilots: the open referral's edit refused on the client's page, in words; the return dialog says what it cancels.

The clients' small branch (``support/clients_branch``): A (周主管's team) has 张三丰, B (吴主管's team) 王大海."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from textual.widgets import Input, Static

from csm_tui.app import CsmApp
from csm_tui.domain.enums import (
    AppointmentStatus,
    Disposition,
    QueueReason,
    ReferralKind,
    ReferralStatus,
    TaskKind,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.households import Relation
from csm_tui.domain.models import NewHolding
from csm_tui.i18n import catalog, explain, t
from csm_tui.services.calls import appointments, outcomes, queue
from csm_tui.services.clients import client_detail, households, referrals
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import Validity
from csm_tui.services.workstation import Workstation
from screens.client_detail import ClientDetailScreen
from screens.dialogs import CheckedTextDialog, EditClientDialog
from storage import audit
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import AppointmentRow, ContactRow, HoldingRow, ReferralRow, StaffRow, TaskRow
from tests.support.clients_branch import MONDAY, NOW, WXM_ID, ZSF_ID, ZSF_MOBILE, Branch
from tests.support.files import write_csv
from tests.support.pilot import open_client_page, press_settled, recording_notices
from tests.support.purchases import purchase
from tests.support.races import at_once
from tests.support.wode import desk, open_referral, second_wealth_manager

ROUNDS = 3  # races: either desk may come first


def _accepted_wode(engine: Engine, client_id: int) -> list[int]:
    with Session(engine) as session:
        rows = session.scalars(
            ReferralRow.__table__.select()
            .with_only_columns(ReferralRow.to_staff_id)
            .where(
                ReferralRow.client_id == client_id,
                ReferralRow.kind == ReferralKind.WODE,
                ReferralRow.status == ReferralStatus.ACCEPTED,
            )
        )
        return list(rows)


# --- an open referral: seen in full, nothing changed ------------------------------------------------------------


def test_a_wode_manager_with_an_open_referral_changes_no_field_of_the_client(branch: Branch) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    client = branch.client(branch.zsf)
    for change in ({"mobile": "13700000000"}, {"address": "上海市某路1号"}, {"phone_opt_out": True}):
        with pytest.raises(DomainError) as refused:
            client_detail.edit(wealth, client, **change)
        assert refused.value.code == "wode_referral_open"
    assert branch.client(branch.zsf) == client  # nothing written
    with pytest.raises(DomainError) as linked:
        households.link(wealth, branch.zsf, branch.wxm, Relation.SPOUSE)
    assert linked.value.code == "wode_referral_open"
    for lang in ("zh_CN", "en"):
        assert catalog(lang)["error.wode_referral_open"]
    referrals.decide(wealth, referral, accept=True)  # theirs now: changed as their own client
    saved = client_detail.edit(wealth, branch.client(branch.zsf), address="上海市某路2号")
    assert (saved.address, saved.mobile) == ("上海市某路2号", ZSF_MOBILE)


def test_the_repository_refuses_the_open_referrals_manager_the_client_to_change(branch: Branch) -> None:
    open_referral(branch, branch.zsf, branch.wealth)
    with branch.system.acting_as(branch.wealth)() as tx:
        assert tx.clients.get(branch.zsf).mobile == ZSF_MOBILE  # seen in full, to decide
        version = tx.clients.get(branch.zsf).version
        with pytest.raises(DomainError, match="wode_referral_open"):
            tx.clients.get_to_change(branch.zsf)
        with pytest.raises(DomainError, match="wode_referral_open"):
            tx.clients.update(branch.zsf, version, mobile="13700000000")
    assert branch.client(branch.zsf).mobile == ZSF_MOBILE


@pytest.mark.parametrize("disposition", [Disposition.DO_NOT_CALL, Disposition.WRONG_NUMBER])
def test_a_wode_manager_with_an_open_referral_sets_no_contact_flag_by_a_calls_outcome(
    branch: Branch, disposition: Disposition
) -> None:
    """A 'do not call' or a wrong number would flag the client's record: refused in words, nothing written (not
    the contact either); accepted, the same outcome flags the client."""
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    client = branch.client(branch.zsf)
    with pytest.raises(DomainError) as refused:
        outcomes.record(wealth, branch.zsf, outcomes.Outcome(disposition), started_at=NOW)
    assert refused.value.code == "wode_referral_open"
    assert branch.client(branch.zsf) == client and branch.count(ContactRow) == 0
    referrals.decide(wealth, referral, accept=True)
    outcomes.record(wealth, branch.zsf, outcomes.Outcome(disposition), started_at=NOW)
    flagged = branch.client(branch.zsf)
    assert (flagged.phone_opt_out, flagged.mobile_invalid) == (
        disposition is Disposition.DO_NOT_CALL,
        disposition is Disposition.WRONG_NUMBER,
    )


def test_the_repository_refuses_the_open_referrals_manager_the_clients_flags_and_holdings(branch: Branch) -> None:
    open_referral(branch, branch.zsf, branch.wealth)
    with branch.system() as tx:
        product_id = tx.holdings.for_client(branch.zsf)[0].product_id
    held = NewHolding(client_id=branch.zsf, product_id=product_id, amount=Decimal("9999999"), start_date=MONDAY)
    with branch.system.acting_as(branch.wealth)(write=True) as tx:
        with pytest.raises(DomainError, match="wode_referral_open"):
            tx.clients.set_flags(branch.zsf, sms_opt_out=True)
        with pytest.raises(DomainError, match="wode_referral_open"):
            tx.holdings.add(held)
    assert not branch.client(branch.zsf).sms_opt_out and branch.count(HoldingRow, amount=held.amount) == 0
    with branch.system.acting_as(branch.csm_a)(write=True) as tx:  # the client's own CSM: as ever
        tx.clients.set_flags(branch.zsf, sms_opt_out=True)
        tx.commit()
    assert branch.client(branch.zsf).sms_opt_out


# --- an open referral: the 沃德 manager's calls while deciding, queued; returned, closed ------------------------


def _queued(ws: Workstation) -> dict[int, QueueReason]:
    return {item.client_id: item.reason for item in queue.today_queue(ws)}


def _wode_calls(branch: Branch) -> dict[str, TaskStatus]:
    """The 沃德 client manager's tasks on 张三丰, by kind."""
    with Session(branch.engine) as session:
        rows = session.execute(
            select(TaskRow.kind, TaskRow.status).where(
                TaskRow.client_id == branch.zsf, TaskRow.staff_id == branch.wealth.id
            )
        )
        return {kind: status for kind, status in rows}


@pytest.mark.parametrize(
    ("disposition", "kind", "reason"),
    [
        (Disposition.NO_ANSWER, TaskKind.CALLBACK, QueueReason.CALLBACK),
        (Disposition.INTERESTED, TaskKind.FOLLOW_UP, QueueReason.FOLLOW_UP),
    ],
)
def test_an_open_referrals_wode_manager_has_the_calls_their_outcome_books_in_their_queue(
    branch: Branch, disposition: Disposition, kind: TaskKind, reason: QueueReason
) -> None:
    """A retry after no answer, a follow-up of an interested client: theirs to make while they decide, queued on
    their day (not a client of theirs otherwise: A's calls on them stay A's)."""
    open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    outcomes.record(wealth, branch.zsf, outcomes.Outcome(disposition), started_at=NOW)
    assert _wode_calls(branch) == {kind: TaskStatus.OPEN}
    branch.clock.advance(dt.timedelta(days=7))
    assert _queued(wealth) == {branch.zsf: reason}


def test_an_open_referrals_wode_manager_adds_a_follow_up_queued_on_its_day(branch: Branch) -> None:
    """Calling the client back is part of deciding: added by hand as by an outcome, and queued on its day."""
    open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    appointments.add_follow_up(wealth, branch.zsf, MONDAY, "跟进")
    assert _queued(wealth) == {}  # not due yet
    branch.clock.advance(dt.timedelta(days=3))
    assert _queued(wealth) == {branch.zsf: QueueReason.FOLLOW_UP}
    assert branch.zsf not in _queued(branch.ws(branch.csm_b))


def test_returning_the_referral_cancels_the_wode_managers_calls_and_meetings_on_the_client(branch: Branch) -> None:
    """Returned, the client is not theirs to call or meet: their follow-up, retry and meeting confirmation are
    cancelled with the meeting still to come, in the return's transaction, audited and counted; A's calls stay."""
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    outcomes.record(wealth, branch.zsf, outcomes.Outcome(Disposition.NO_ANSWER), started_at=NOW)
    appointments.add_follow_up(wealth, branch.zsf, MONDAY, "跟进")
    meeting = appointments.book(wealth, branch.zsf, dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC), "面谈")
    appointments.add_follow_up(branch.ws(branch.csm_a), branch.zsf, MONDAY, "A的跟进")
    assert set(_wode_calls(branch).values()) == {TaskStatus.OPEN} and len(_wode_calls(branch)) == 3
    released = referrals.decide(wealth, referral, accept=False, reason="客户暂不考虑")
    assert released == referrals.Released(calls=3, meetings=1)
    assert set(_wode_calls(branch).values()) == {TaskStatus.CANCELLED}
    assert branch.count(AppointmentRow, id=meeting.id, status=AppointmentStatus.CANCELLED) == 1
    assert branch.count(TaskRow, staff_id=branch.csm_a.id, note="A的跟进", status=TaskStatus.OPEN) == 1  # A's stays
    audited = [r for r in branch.audit_rows() if r.entity in ("tasks", "appointments") and r.action != "insert"]
    assert {(r.entity, r.staff_id) for r in audited} >= {(e, branch.wealth.id) for e in ("tasks", "appointments")}
    branch.clock.advance(dt.timedelta(days=7))
    assert _queued(wealth) == {}
    for lang in ("zh_CN", "en"):
        assert catalog(lang)["referrals.released"] and catalog(lang)["referrals.return_releases"]


async def test_the_return_dialog_says_what_returning_cancels_and_the_notice_counts_it(branch: Branch) -> None:
    open_referral(branch, branch.zsf, branch.wealth)
    appointments.add_follow_up(branch.ws(branch.wealth), branch.zsf, MONDAY, "跟进")
    app = recording_notices(CsmApp(branch.ws(branch.wealth), lang="zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "6", "x")
        dialog = app.screen
        assert isinstance(dialog, CheckedTextDialog)
        assert t("referrals.return_releases") in " ".join(str(s.content) for s in dialog.query(Static))
        dialog.query_one("#reason", Input).value = "客户暂不考虑"
        await press_settled(pilot, "enter")
    assert "已退回：已取消您对该客户未完成的电话 1 通。"  # no meeting: not said in notices(app)
    assert _wode_calls(branch) == {TaskKind.FOLLOW_UP: TaskStatus.CANCELLED}


def test_a_return_refused_cancels_nothing(branch: Branch) -> None:
    """Decided already on another desk: the return is refused and the calls stay open (one transaction)."""
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    appointments.add_follow_up(wealth, branch.zsf, MONDAY, "跟进")
    referrals.decide(wealth, referral, accept=True)
    with pytest.raises(DomainError, match="referral_decided"):
        referrals.decide(wealth, referral, accept=False, reason="客户暂不考虑")
    assert _wode_calls(branch) == {TaskKind.FOLLOW_UP: TaskStatus.OPEN}


def test_accepting_the_referral_keeps_the_wode_managers_calls_queued(branch: Branch) -> None:
    referral = open_referral(branch, branch.zsf, branch.wealth)
    wealth = branch.ws(branch.wealth)
    outcomes.record(wealth, branch.zsf, outcomes.Outcome(Disposition.INTERESTED), started_at=NOW)
    assert referrals.decide(wealth, referral, accept=True) == referrals.Released()
    assert _wode_calls(branch) == {TaskKind.FOLLOW_UP: TaskStatus.OPEN}
    branch.clock.advance(dt.timedelta(days=7))
    assert _queued(wealth) == {branch.zsf: QueueReason.FOLLOW_UP}


RECORD_CHANGES = ("edit", "sell", "cancel_sale", "link_family", "birthday_kind")


async def test_the_client_page_offers_no_change_of_the_record_while_the_referral_is_open(branch: Branch) -> None:
    """The keys the service would refuse are not offered (edit, sell, cancel a sale, family link, birthday kind; a
    follow-up is);
    ``e`` does nothing; accepted, they are offered and the edit saves."""
    referral = open_referral(branch, branch.zsf, branch.wealth)
    purchase(branch.engine, NOW - dt.timedelta(hours=2), hours=24, client_id=branch.zsf)  # what ``c`` could cancel
    app = recording_notices(CsmApp(branch.ws(branch.wealth), lang="zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.zsf)
        page = app.screen
        assert isinstance(page, ClientDetailScreen) and page.detail is not None  # seen in full, to decide
        assert page.detail.cooling_off and not any(page.check_action(key, ()) for key in RECORD_CHANGES)
        assert page.check_action("follow_up", ())  # calling back is part of deciding
        identity = str(page.query_one("#identity", Static).render())
        assert "家庭：未关联" in identity and "按 h" not in identity  # no key named that is not offered
        await press_settled(pilot, "e")
        assert app.screen is page
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    app = recording_notices(CsmApp(branch.ws(branch.wealth), lang="zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.zsf)
        page = app.screen
        assert isinstance(page, ClientDetailScreen) and page.check_action("edit", ())
        assert "家庭：未关联（按 h 关联）" in str(page.query_one("#identity", Static).render())
        await press_settled(pilot, "e")
        dialog = app.screen
        assert isinstance(dialog, EditClientDialog)
        dialog.query_one("#address", Input).value = "上海市某路3号"
        await press_settled(pilot, "enter")
        assert app.screen is page
    assert branch.client(branch.zsf).address == "上海市某路3号"


# --- one 沃德 client manager's book at a time ---------------------------------------------------------------------


def test_accepting_a_client_another_wode_manager_holds_is_refused_naming_them(branch: Branch, engine: Engine) -> None:
    other = second_wealth_manager(branch)
    first = open_referral(branch, branch.zsf, branch.wealth)
    second = open_referral(branch, branch.zsf, other)
    referrals.decide(branch.ws(branch.wealth), first, accept=True)
    with pytest.raises(DomainError) as refused:
        referrals.decide(branch.ws(other), second, accept=True)
    assert (refused.value.code, refused.value.params) == ("wode_client_held", {"name": "陈经理"})
    assert "陈经理" in explain(refused.value)
    assert _accepted_wode(engine, branch.zsf) == [branch.wealth.id]
    referrals.decide(branch.ws(other), second, accept=False, reason="客户已由陈经理服务")  # returned: as ever


def test_a_client_another_wode_manager_holds_is_not_referred_to_a_second(branch: Branch) -> None:
    other = second_wealth_manager(branch)
    assert branch.wealth.id is not None and other.id is not None
    accepted = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    referrals.decide(branch.ws(branch.wealth), accepted, accept=True)
    with pytest.raises(DomainError) as refused:
        referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, other.id)
    assert (refused.value.code, refused.value.params) == ("wode_client_of", {"name": "陈经理"})
    assert branch.count(ReferralRow) == 1


def test_two_desks_accepting_two_referrals_of_one_client_at_once_leave_it_in_one_book(
    branch: Branch, db_url: str, engine: Engine
) -> None:
    other = second_wealth_manager(branch)
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        for n in range(ROUNDS):
            client_id = [branch.zsf, branch.wxm, branch.ls][n]
            one = open_referral(branch, client_id, branch.wealth)
            two = open_referral(branch, client_id, other)
            desks = [desk(branch, engines[0], branch.wealth), desk(branch, engines[1], other)]
            came = at_once([partial(referrals.decide, ws, r, True) for ws, r in zip(desks, (one, two), strict=True)])
            assert came == ["saved", "wode_client_held"]
            assert len(_accepted_wode(engine, client_id)) == 1
    finally:
        for each in engines:
            each.dispose()


def test_an_acceptance_past_a_blind_check_is_refused_by_the_database_in_the_checks_words(
    branch: Branch, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another desk accepts between the check and the write (here: a check that saw nothing the first time): the
    index refuses it; the refusal names the manager, nothing of it is written."""
    from storage.repositories import ReferralRepository

    other = second_wealth_manager(branch)
    first = open_referral(branch, branch.zsf, branch.wealth)
    second = open_referral(branch, branch.zsf, other)
    referrals.decide(branch.ws(branch.wealth), first, accept=True)
    check = ReferralRepository._refuse_held
    blind = iter([True])
    monkeypatch.setattr(
        ReferralRepository, "_refuse_held", lambda self, row: None if next(blind, False) else check(self, row)
    )
    with pytest.raises(DomainError) as refused:
        referrals.decide(branch.ws(other), second, accept=True)
    assert (refused.value.code, refused.value.params) == ("wode_client_held", {"name": "陈经理"})
    assert _accepted_wode(engine, branch.zsf) == [branch.wealth.id]


def test_a_second_acceptance_written_by_sql_is_refused_by_the_database(branch: Branch, engine: Engine) -> None:
    other = second_wealth_manager(branch)
    first = open_referral(branch, branch.zsf, branch.wealth)
    second = open_referral(branch, branch.zsf, other)
    referrals.decide(branch.ws(branch.wealth), first, accept=True)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE referrals SET status = 'accepted' WHERE id = :id"), {"id": second.id})
    with engine.begin() as conn:  # a walk-in referral accepted, or a 沃德 one returned: out of it
        conn.execute(text("UPDATE referrals SET status = 'returned' WHERE id = :id"), {"id": second.id})
    assert _accepted_wode(engine, branch.zsf) == [branch.wealth.id]


def test_a_dropped_index_of_the_rule_is_named_by_the_audit_check(branch: Branch, engine: Engine) -> None:
    with engine.begin() as conn:
        assert audit.missing_guards(conn) == []
        conn.execute(text("DROP INDEX uq_referrals_wode_accepted"))
        assert audit.missing_guards(conn) == ["referrals.uq_referrals_wode_accepted"]


def test_migration_0023_leaves_a_client_held_twice_to_the_manager_who_accepted_last_and_goes_back_cleanly(
    branch: Branch, engine: Engine
) -> None:
    """A database where two 沃德 client managers accepted one client before 0023: the earlier acceptance is
    returned with a note saying so (what the manager wrote kept after it), the later one stays; others untouched."""
    from alembic import command

    from storage.migrate import _config

    other = second_wealth_manager(branch)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0022")
    earlier = open_referral(branch, branch.zsf, other)
    later = open_referral(branch, branch.zsf, branch.wealth)
    alone = open_referral(branch, branch.wxm, other)
    with engine.begin() as conn:
        for referral, at, note in (
            (earlier, NOW, "已约见"),
            (later, NOW + dt.timedelta(hours=1), ""),
            (alone, NOW, ""),
        ):
            conn.execute(
                text("UPDATE referrals SET status = 'accepted', closed_at = :at, decision_note = :note WHERE id = :id"),
                {"at": at.replace(tzinfo=None), "note": note, "id": referral.id},
            )
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, decision_note FROM referrals ORDER BY id")).all()
        assert audit.missing_guards(conn) == []
    migrated = {r.id: (r.status, r.decision_note) for r in rows}
    assert migrated[later.id] == ("accepted", "") and migrated[alone.id] == ("accepted", "")
    status, note = migrated[earlier.id]
    assert status == "returned" and note.startswith("系统") and note.endswith(": 已约见")
    assert _accepted_wode(engine, branch.zsf) == [branch.wealth.id]
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0022")
        gone = audit.missing_guards(conn)  # (and those of the revisions after 0023)
    assert [guard for guard in gone if guard.startswith("referrals.")] == ["referrals.uq_referrals_wode_accepted"]
    upgrade(engine)


def test_a_client_a_wode_manager_manages_is_neither_referred_nor_accepted_to_another(branch: Branch) -> None:
    """Managed by a 沃德 client manager, the client is in their book: referring them to another is refused naming
    them, and so is accepting a referral of them written past that check."""
    other = second_wealth_manager(branch)
    assert branch.wealth.id is not None and other.id is not None
    with branch.system(write=True) as tx:
        tx.clients.assign(branch.zsf, other.id)
        tx.commit()
    with pytest.raises(DomainError) as refused:
        referrals.refer_to_wode(branch.ws(other), branch.zsf, branch.wealth.id)
    assert (refused.value.code, refused.value.params) == ("wode_client_of", {"name": "钱经理"})
    referral = open_referral(branch, branch.zsf, branch.wealth)
    with pytest.raises(DomainError) as held:
        referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    assert (held.value.code, held.value.params) == ("wode_client_held", {"name": "钱经理"})
    assert "钱经理" in explain(held.value)
    with branch.system.acting_as(branch.wealth)() as tx:
        assert not tx.clients.in_book(branch.zsf)


def test_a_client_another_wode_manager_accepted_is_not_given_to_a_second(branch: Branch) -> None:
    other = second_wealth_manager(branch)
    assert branch.wealth.id is not None and other.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    for giver in (branch.system, branch.system.acting_as(branch.admin)):
        with giver(write=True) as tx, pytest.raises(DomainError) as refused:
            tx.clients.assign(branch.zsf, other.id)
        assert (refused.value.code, refused.value.params) == ("wode_client_assign", {"name": "陈经理"})
        assert "陈经理" in explain(refused.value)
    assert branch.client(branch.zsf).manager_id == branch.csm_a.id
    with branch.system.acting_as(other)() as tx:
        assert not tx.clients.in_book(branch.zsf)
    with branch.system(write=True) as tx:  # to the 沃德 client manager who holds them: in their book once
        tx.clients.assign(branch.zsf, branch.wealth.id)
        tx.commit()
    assert branch.client(branch.zsf).manager_id == branch.wealth.id


def test_a_client_file_giving_a_held_client_to_another_wode_manager_refuses_that_row_only(
    branch: Branch, tmp_path: Path
) -> None:
    """The row is reported with its line and the holder's name; the file's other rows are written."""
    other = second_wealth_manager(branch)
    assert branch.wealth.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    header = ["客户号", "姓名", "身份证号码", "手机号码", "客户经理"]
    rows = [["C100001", "张三丰", ZSF_ID, ZSF_MOBILE, other.login], ["C100002", "王小明", WXM_ID, "", other.login]]
    report = import_file(branch.ws(branch.admin), ImportKind.CLIENTS, write_csv(tmp_path / "c.csv", [header, *rows]))
    assert (report.updated, report.rejected) == (1, 1)
    assert [(p.line, "陈经理" in p.reason) for p in report.problems] == [(2, True)]
    assert branch.client(branch.zsf).manager_id == branch.csm_a.id
    assert branch.client(branch.wxm).manager_id == other.id
    with branch.system.acting_as(other)() as tx:
        assert not tx.clients.in_book(branch.zsf)


# --- reassignment leaves the 沃德 relationship ------------------------------------------------------------------


def test_a_client_given_to_another_csm_stays_in_their_wode_managers_book(branch: Branch) -> None:
    assert branch.wealth.id is not None and branch.csm_b.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id)
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    with branch.system(write=True) as tx:
        tx.clients.assign(branch.zsf, branch.csm_b.id)
        tx.commit()
    with branch.system.acting_as(branch.wealth)() as tx:
        assert tx.clients.in_book(branch.zsf)
    with branch.system.acting_as(branch.csm_b)() as tx:
        assert tx.clients.in_book(branch.zsf)


# --- another's book, read by a supervisor ---------------------------------------------------------------------


def _wealth_in_team_holding_a_client_of_each_team(branch: Branch) -> None:
    """The 沃德 client manager in 周主管's team, holding A's 张三丰 and B's 王大海 (吴主管's team) accepted."""
    with Session(branch.engine) as session:
        session.execute(
            update(StaffRow).where(StaffRow.id == branch.wealth.id).values(supervisor_id=branch.supervisor.id)
        )
        session.commit()
    for client_id in (branch.zsf, branch.wdh):
        referral = open_referral(branch, client_id, branch.wealth)
        referrals.decide(branch.ws(branch.wealth), referral, accept=True)


READS: dict[str, Callable[[UnitOfWork, int], list[int]]] = {
    "clients": lambda tx, staff_id: [r.id for r in tx.views.clients(staff_id, "", 50)],
    "clients found": lambda tx, staff_id: [r.id for r in tx.views.clients(staff_id, "C", 50) if r.own],
    "assessments due": lambda tx, staff_id: [
        d.client_id for d in tx.views.assessments_due(staff_id, dt.date(2030, 1, 1), Validity(12, "Asia/Shanghai"))
    ],
}


@pytest.mark.parametrize("read", list(READS))
def test_a_supervisor_reads_only_the_teams_clients_in_a_team_members_wode_book(branch: Branch, read: str) -> None:
    _wealth_in_team_holding_a_client_of_each_team(branch)
    assert branch.wealth.id is not None
    books = {}
    for who in ("wealth", "supervisor", "admin", "other_supervisor"):
        with branch.system.acting_as(getattr(branch, who))() as tx:
            try:
                books[who] = set(READS[read](tx, branch.wealth.id))
            except AccessDenied:
                books[who] = None
    mine, team = {branch.zsf, branch.wdh}, {branch.zsf}
    assert books == {"wealth": mine, "admin": mine, "supervisor": team, "other_supervisor": None}


def test_a_supervisor_exports_only_the_teams_clients_calls_of_a_team_members_wode_book(branch: Branch) -> None:
    """The tasks and contact records of a 沃德 client manager of 周主管's team, with A's 张三丰 and B's 王大海: the
    supervisor's export holds 张三丰's only; theirs and the admin's both."""
    _wealth_in_team_holding_a_client_of_each_team(branch)
    assert branch.wealth.id is not None
    wealth = branch.ws(branch.wealth)
    for client_id in (branch.zsf, branch.wdh):
        outcomes.record(wealth, client_id, outcomes.Outcome(Disposition.INTERESTED, note="考虑中"), started_at=NOW)
        appointments.add_follow_up(wealth, client_id, MONDAY, "跟进")
    names = {}
    for who in ("wealth", "supervisor", "admin"):
        with branch.system.acting_as(getattr(branch, who))() as tx:
            contacts = tx.views.contact_export(branch.wealth.id, NOW - dt.timedelta(days=1))
            tasks = tx.views.task_export(branch.wealth.id, open_only=True)
            names[who] = ({r.client_name for r in contacts}, {r.client_name for r in tasks})
    both = {"张三丰", "王大海"}
    assert names == {"wealth": (both, both), "admin": (both, both), "supervisor": ({"张三丰"}, {"张三丰"})}
