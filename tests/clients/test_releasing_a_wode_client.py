"""A 沃德 client manager hands a client they hold back (交还), from the hostile side, on SQLite and PostgreSQL: with
a reason, phrase-checked, the accepted referral ends (``released``) in one transaction with the manager's open calls
and coming meetings on the client, audited; the reason is kept beside the client's need, never over it, and the
referring CSM's scoreboard keeps the referral accepted in the quarter it was; a second
release, or one of a referral not accepted, is refused in words before anything is cancelled; the manager's
supervisor and the admin may release on their behalf, nobody else; two desks releasing at once release once; the
client may then be referred again (a hand-over). The client's CSM is told of a return or release and what it
cancelled. Pilots: released from the client's page and from the referrals list, the dialog saying what it cancels.

The clients' small branch (``support/clients_branch``): A (周主管's team) has 张三丰, B (吴主管's team) 王大海; the
沃德 client manager 陈经理 is in nobody's team unless a test puts them in 周主管's."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from textual.widgets import Input, Static

from csm_tui.app import CsmApp
from csm_tui.domain.enums import AppointmentStatus, ReferralStatus, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.masking import mask_text
from csm_tui.domain.models import REFERRAL_TEXT_MAX, Referral, Staff
from csm_tui.i18n import catalog, explain, t
from csm_tui.policy import Measure
from csm_tui.services.calls import appointments
from csm_tui.services.clients import referrals
from csm_tui.services.phrase_check import ForbiddenPhrases
from csm_tui.services.ports import AccessDenied
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter
from screens.client_detail import ClientDetailScreen
from screens.dialogs import CheckedTextDialog
from screens.referrals import ReferralsScreen
from storage.engine import make_engine
from storage.orm import AppointmentRow, AuditRow, ReferralRow, StaffRow, TaskRow
from tests.support.clients_branch import MONDAY, NOW, Branch
from tests.support.pilot import notices, open_client_page, press_settled, recording_notices
from tests.support.races import at_once
from tests.support.wode import desk, in_team, open_referral, second_wealth_manager
from widgets.table import KeyTable

MEETING_AT = dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC)  # Wednesday, 10:00 in Shanghai


def _held(branch: Branch, client_id: int, by: Staff | None = None) -> Referral:
    """``client_id`` referred to 沃德 and accepted by ``by`` (the 沃德 client manager 陈经理), who has two open calls
    on them (a follow-up, the meeting's confirmation) and a meeting still to come with them."""
    wealth = by or branch.wealth
    referral = open_referral(branch, client_id, wealth)
    ws = branch.ws(wealth)
    referrals.decide(ws, referral, accept=True, reason="已联系客户")
    appointments.add_follow_up(ws, client_id, MONDAY, "跟进")
    appointments.book(ws, client_id, MEETING_AT, "面谈")
    return referral


def _stored(engine: Engine, referral_id: int) -> ReferralRow:
    with Session(engine) as session:
        row = session.get(ReferralRow, referral_id)
        assert row is not None
        session.expunge(row)
        return row


def _open_calls_and_meetings(branch: Branch, client_id: int, staff: Staff) -> tuple[int, int]:
    return (
        branch.count(TaskRow, client_id=client_id, staff_id=staff.id, status=TaskStatus.OPEN),
        branch.count(AppointmentRow, client_id=client_id, staff_id=staff.id, status=AppointmentStatus.BOOKED),
    )


def test_the_wode_manager_releases_a_client_they_hold_in_one_audited_transaction(
    branch: Branch, engine: Engine
) -> None:
    referral = _held(branch, branch.zsf)
    wealth = branch.ws(branch.wealth)
    branch.clock.advance(dt.timedelta(hours=1))
    released = referrals.release(wealth, referral, "客户资产下降，不再符合沃德标准")
    assert released == referrals.Released(calls=2, meetings=1)
    row = _stored(engine, referral.id)
    assert (row.status, row.reason, row.decision_note) == (
        ReferralStatus.RELEASED, referral.reason, "客户资产下降，不再符合沃德标准"
    )  # fmt: skip
    assert row.closed_at is not None and row.closed_at.replace(tzinfo=dt.UTC) == NOW  # accepted then: kept
    said = [r for r in branch.audit_rows() if r.action == "referral.release"]
    assert [(r.entity_id, r.staff_id, r.detail, r.at.replace(tzinfo=dt.UTC)) for r in said] == [
        (str(referral.id), branch.wealth.id, {"calls": 2, "meetings": 1}, NOW + dt.timedelta(hours=1))
    ]
    assert _open_calls_and_meetings(branch, branch.zsf, branch.wealth) == (0, 0)
    with branch.system.acting_as(branch.wealth)() as tx:
        assert not tx.clients.in_book(branch.zsf)
    audited = {(r.entity, r.staff_id) for r in branch.audit_rows() if r.action in ("update", "appointment.mark")}
    assert {("referrals", branch.wealth.id), ("tasks", branch.wealth.id), ("appointments", branch.wealth.id)} <= audited
    accepted_note = [
        r.detail for r in branch.audit_rows() if r.entity == "referrals" and "decision_note" in (r.detail or {})
    ][-1]["decision_note"]
    assert accepted_note[0] == "已联系客户"  # the acceptance's note, kept in the log
    assert branch.chain_holds()


def test_a_release_without_a_reason_a_second_one_or_of_a_referral_not_accepted_is_refused_in_words(
    branch: Branch, engine: Engine
) -> None:
    referral = _held(branch, branch.zsf)
    wealth = branch.ws(branch.wealth)
    with pytest.raises(DomainError, match="release_reason_required"):
        referrals.release(wealth, referral, "  ")
    assert _open_calls_and_meetings(branch, branch.zsf, branch.wealth) == (2, 1)
    referrals.release(wealth, referral, "客户要求由原客户经理服务")
    with pytest.raises(DomainError) as again:
        referrals.release(wealth, referral, "再交还一次")
    assert again.value.code == "referral_released"
    assert _stored(engine, referral.id).decision_note == "客户要求由原客户经理服务"  # nothing written over it
    still_open = open_referral(branch, branch.wxm, branch.wealth)
    appointments.add_follow_up(wealth, branch.wxm, MONDAY, "跟进")
    with pytest.raises(DomainError) as not_held:
        referrals.release(wealth, still_open, "尚未接受")
    assert not_held.value.code == "referral_not_held"
    assert _open_calls_and_meetings(branch, branch.wxm, branch.wealth) == (1, 0)  # nothing cancelled
    assert _stored(engine, still_open.id).status is ReferralStatus.OPEN
    for lang in ("zh_CN", "en"):
        words = catalog(lang)
        for key in ("release_reason_required", "referral_released", "referral_not_held"):
            assert words[f"error.{key}"]
        assert words["access.referral_release"] and words["referral_status.released"]
    assert "交还" in explain(again.value)


def test_a_release_s_reason_is_phrase_checked_like_a_return_s(branch: Branch) -> None:
    referral = _held(branch, branch.zsf)
    with pytest.raises(ForbiddenPhrases):
        referrals.release(branch.ws(branch.wealth), referral, "保本保收益，稳赚不赔")
    assert _open_calls_and_meetings(branch, branch.zsf, branch.wealth) == (2, 1)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("csm_a", False), ("other_wealth", False), ("other_supervisor", False), ("supervisor", True), ("admin", True)],
)
def test_the_managers_supervisor_and_the_admin_release_on_their_behalf_nobody_else(
    branch: Branch, engine: Engine, who: str, allowed: bool
) -> None:
    """The client is B's (吴主管's team): 周主管 releases for 陈经理 of their team all the same, cancelling 陈经理's
    calls and meetings; the client's own CSM, another 沃德 client manager, another supervisor may not."""
    in_team(branch)
    referral = _held(branch, branch.wdh)
    actor = second_wealth_manager(branch) if who == "other_wealth" else getattr(branch, who)
    if not allowed:
        with pytest.raises((AccessDenied, DomainError)):
            referrals.release(branch.ws(actor), referral, "客户经理调岗")
        assert _stored(engine, referral.id).status is ReferralStatus.ACCEPTED
        assert _open_calls_and_meetings(branch, branch.wdh, branch.wealth) == (2, 1)
        return
    assert referrals.release(branch.ws(actor), referral, "客户经理调岗") == referrals.Released(2, 1)
    assert _stored(engine, referral.id).status is ReferralStatus.RELEASED
    assert _open_calls_and_meetings(branch, branch.wdh, branch.wealth) == (0, 0)
    with Session(engine) as session:
        marked = session.scalars(select(ReferralRow.id).where(ReferralRow.status == ReferralStatus.RELEASED)).all()
    assert marked == [referral.id]


def test_a_released_client_is_handed_over_to_another_wode_manager_by_a_new_referral(branch: Branch) -> None:
    other = second_wealth_manager(branch)
    assert other.id is not None
    referral = _held(branch, branch.zsf)
    referrals.release(branch.ws(branch.wealth), referral, "陈经理调岗，交接给钱经理")
    again = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, other.id, "交接")
    referrals.decide(branch.ws(other), again, accept=True)
    with branch.system.acting_as(other)() as tx:
        assert tx.clients.in_book(branch.zsf)
    with branch.system.acting_as(branch.wealth)() as tx:
        assert not tx.clients.in_book(branch.zsf)


def test_two_desks_releasing_one_client_at_once_release_it_once(branch: Branch, db_url: str, engine: Engine) -> None:
    """陈经理 and their supervisor at once: one release stands, the other is refused before it cancels anything."""
    in_team(branch)
    referral = _held(branch, branch.zsf)
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        desks = [desk(branch, engines[0], branch.wealth), desk(branch, engines[1], branch.supervisor)]
        came = at_once([partial(referrals.release, ws, referral, f"第{n}次交还") for n, ws in enumerate(desks)])
    finally:
        for each in engines:
            each.dispose()
    assert came == ["referral_released", "saved"]
    assert branch.count(TaskRow, client_id=branch.zsf, staff_id=branch.wealth.id, status=TaskStatus.CANCELLED) == 2
    assert _stored(engine, referral.id).status is ReferralStatus.RELEASED


def test_a_released_referral_still_counts_for_the_referring_csm_in_the_quarter_it_was_accepted(branch: Branch) -> None:
    assert branch.wealth.id is not None and branch.csm_a.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, "达到沃德标准")
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    csm = branch.ws(branch.csm_a)

    def counted() -> list[tuple[dt.date, str]]:
        found = quarter_scores.records(csm, branch.csm_a.id or 0, Measure.WODE_REFERRALS, Quarter(2026, 4))
        return [(r.day, r.client) for r in found]

    before = counted()
    assert before == [(NOW.date(), "张三丰")]
    branch.clock.advance(dt.timedelta(days=40))  # next year's first quarter
    referrals.release(branch.ws(branch.wealth), referral, "客户不再符合沃德标准")
    assert counted() == before


# --- the client's CSM is told ------------------------------------------------------------------------------------


def test_the_clients_csm_learns_of_a_release_and_a_return_with_what_they_cancelled(branch: Branch) -> None:
    held = _held(branch, branch.zsf)
    referrals.release(branch.ws(branch.wealth), held, "客户不再符合沃德标准")
    returned = open_referral(branch, branch.wxm, branch.wealth)
    referrals.decide(branch.ws(branch.wealth), returned, accept=False, reason="客户暂不考虑")
    since = NOW - dt.timedelta(hours=1)
    told = referrals.wode_endings_untold(branch.ws(branch.csm_a))
    assert [(e.status, e.client_name, e.wealth_name, e.note, e.calls, e.meetings) for e in told] == [
        (ReferralStatus.RELEASED, "张三丰", "陈经理", "客户不再符合沃德标准", 2, 1),
        (ReferralStatus.RETURNED, "王小明", "陈经理", "客户暂不考虑", 0, 0),
    ]
    assert referrals.wode_endings_untold(branch.ws(branch.csm_b)) == []  # not B's clients
    assert referrals.tell_wode_endings(branch.ws(branch.csm_a)) == told
    assert referrals.wode_endings_untold(branch.ws(branch.csm_a)) == []  # told: not again
    with branch.system.acting_as(branch.csm_b)() as tx, pytest.raises(AccessDenied):
        tx.views.wode_endings(branch.csm_a.id or 0, since)  # nor A's to read


# What a release of the CSM's client cancelled of the 沃德 client manager's, counted in words.
CANCELLED_THEIRS = {
    "zh_CN": "，并取消了其对该客户的电话 2 通、面谈 1 次",
    "en": ", cancelling their 2 open calls, 1 meeting on the client",
}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_clients_csm_is_told_on_screen_once(branch: Branch, lang: str) -> None:
    referrals.release(branch.ws(branch.wealth), _held(branch, branch.zsf), "客户不再符合沃德标准")
    app = recording_notices(CsmApp(branch.ws(branch.csm_a), lang=lang))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        app.check_walk_ins()  # the next look finds nothing new to tell
        await press_settled(pilot)
        words = catalog(lang)
        cancelled = CANCELLED_THEIRS[lang]
        said = words["referrals.ended_released"].format(
            wealth="陈经理", client="张三丰", note="客户不再符合沃德标准", cancelled=cancelled
        )
        assert notices(app).count(said) == 1


def test_the_clients_csm_learns_who_released_on_the_wode_managers_behalf(branch: Branch) -> None:
    """The admin (or the manager's supervisor) releases for 陈经理: the CSM is told by whom, on whose behalf; a
    release by 陈经理 names nobody else."""
    referrals.release(branch.ws(branch.admin), _held(branch, branch.zsf), "客户经理调岗")
    referrals.release(branch.ws(branch.wealth), _held(branch, branch.wxm), "客户不再符合沃德标准")
    told = referrals.wode_endings_untold(branch.ws(branch.csm_a))
    assert [(e.client_name, e.wealth_name, e.by_name) for e in told] == [
        ("张三丰", "陈经理", "管理员"),
        ("王小明", "陈经理", ""),
    ]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_clients_csm_is_told_who_released_on_the_managers_behalf(branch: Branch, lang: str) -> None:
    referrals.release(branch.ws(branch.admin), _held(branch, branch.zsf), "客户经理调岗")
    app = recording_notices(CsmApp(branch.ws(branch.csm_a), lang=lang))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot)
        words = catalog(lang)
        cancelled = CANCELLED_THEIRS[lang]
        said = words["referrals.ended_released_by"].format(
            by="管理员", wealth="陈经理", client="张三丰", note="客户经理调岗", cancelled=cancelled
        )
        assert notices(app).count(said) == 1


# --- the 沃德 client manager is told of a release on their behalf ------------------------------------------------

ON_BEHALF = "客户经理调岗，家人电话13812345678"


def _released_on_behalf(branch: Branch) -> None:
    """陈经理 holds 张三丰, 王小明 and 李四: the admin releases 张三丰 for them, their supervisor 王小明, they themself
    李四."""
    in_team(branch)
    referrals.release(branch.ws(branch.admin), _held(branch, branch.zsf), ON_BEHALF)
    referrals.release(branch.ws(branch.supervisor), _held(branch, branch.wxm), "客户要求更换")
    referrals.release(branch.ws(branch.wealth), _held(branch, branch.ls), "客户不再符合沃德标准")


def test_the_wode_manager_learns_of_releases_on_their_behalf_once_not_of_their_own(branch: Branch) -> None:
    _released_on_behalf(branch)
    wealth = branch.ws(branch.wealth)
    told = referrals.wode_endings_untold(wealth)
    assert [(e.status, e.client_name, e.by_name, e.held, e.note, e.calls, e.meetings) for e in told] == [
        (ReferralStatus.RELEASED, "张三丰", "管理员", True, mask_text(ON_BEHALF), 2, 1),
        (ReferralStatus.RELEASED, "王小明", branch.supervisor.name, True, "客户要求更换", 2, 1),
    ]
    assert referrals.tell_wode_endings(wealth) == told
    assert referrals.wode_endings_untold(wealth) == [] and referrals.tell_wode_endings(wealth) == []
    assert [e.client_name for e in referrals.wode_endings_untold(branch.ws(branch.csm_a))] == [
        "张三丰", "王小明", "李四"
    ]  # fmt: skip  # the CSM's own to be told, whatever the manager was told
    with branch.system.acting_as(branch.csm_a)() as tx, pytest.raises(AccessDenied):
        tx.views.wode_endings(branch.wealth.id or 0, NOW)  # nor anyone else's to read


def test_two_desks_of_the_wode_manager_checking_at_once_tell_a_release_once(
    branch: Branch, db_url: str, engine: Engine
) -> None:
    """The manager signed in at two desks, both looking at the same moment: one is told, the other not, and the log
    holds one ``referral.told``."""
    referrals.release(branch.ws(branch.admin), _held(branch, branch.zsf), "客户经理调岗")
    engines = [make_engine(db_url), make_engine(db_url)]
    told: list[list[str]] = []
    try:
        desks = [desk(branch, each, branch.wealth) for each in engines]
        at_once([partial(lambda ws: told.append([e.client_name for e in referrals.tell_wode_endings(ws)]), ws)
                 for ws in desks])  # fmt: skip
    finally:
        for each in engines:
            each.dispose()
    assert sorted(told) == [[], ["张三丰"]]
    with Session(engine) as session:
        events = session.scalars(
            select(AuditRow.entity_id).where(AuditRow.action == "referral.told", AuditRow.staff_id == branch.wealth.id)
        ).all()
    assert len(events) == 1


def test_the_wode_manager_is_not_told_of_a_release_past_the_lookback(branch: Branch) -> None:
    referrals.release(branch.ws(branch.admin), _held(branch, branch.zsf), "客户经理调岗")
    branch.clock.advance(dt.timedelta(days=referrals.WODE_TOLD_DAYS, hours=1))
    assert referrals.wode_endings_untold(branch.ws(branch.wealth)) == []


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_wode_manager_is_told_on_screen_once_across_sign_ins(branch: Branch, lang: str) -> None:
    _released_on_behalf(branch)
    words = catalog(lang)
    cancelled = {
        "zh_CN": "，并取消了您对该客户的电话 2 通、面谈 1 次",
        "en": ", cancelling your 2 open calls, 1 meeting on the client",
    }[lang]
    said = words["referrals.ended_released_yours"].format(
        by="管理员", client="张三丰", note=mask_text(ON_BEHALF), cancelled=cancelled
    )
    for sign_in in range(2):
        app = recording_notices(CsmApp(branch.ws(branch.wealth), lang=lang))
        async with app.run_test(size=(80, 24)) as pilot:
            await press_settled(pilot)
            first = notices(app)  # told as they sign in
            app.check_walk_ins()  # the next look finds nothing new to tell
            await press_settled(pilot)
            assert first.count(said) == notices(app).count(said) == (1 if sign_in == 0 else 0)
            assert not any("李四" in n for n in notices(app))  # their own release: nothing to tell
            assert sum("王小明" in n for n in notices(app)) == (1 if sign_in == 0 else 0)


# --- on screen --------------------------------------------------------------------------------------------------


async def test_the_wode_manager_releases_from_the_client_page_told_what_it_cancels(branch: Branch) -> None:
    _held(branch, branch.zsf)
    app = recording_notices(CsmApp(branch.ws(branch.wealth), lang="zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.zsf)
        page = app.screen
        assert isinstance(page, ClientDetailScreen) and page.check_action("release", ())
        await press_settled(pilot, "u")
        dialog = app.screen
        assert isinstance(dialog, CheckedTextDialog)
        said = " ".join(str(s.content) for s in dialog.query(Static))
        assert t("referrals.release_cancels") in said and t("referrals.release_client", client="张三丰") in said
        dialog.query_one("#reason", Input).value = "客户不再符合沃德标准"
        await press_settled(pilot, "enter")
        assert app.screen is page
        assert "已交还：已取消沃德客户经理对该客户未完成的电话 2 通、面谈 1 次。" in notices(app)
        assert not page.check_action("release", ())  # released: nothing more to release
    assert _open_calls_and_meetings(branch, branch.zsf, branch.wealth) == (0, 0)


async def test_the_client_page_offers_no_release_to_the_clients_csm(branch: Branch) -> None:
    _held(branch, branch.zsf)
    app = CsmApp(branch.ws(branch.csm_a), lang="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.zsf)
        assert isinstance(app.screen, ClientDetailScreen) and not app.screen.check_action("release", ())


async def test_the_wode_manager_releases_from_their_referrals_list(branch: Branch, engine: Engine) -> None:
    referral = _held(branch, branch.zsf)
    app = recording_notices(CsmApp(branch.ws(branch.wealth), lang="en"))
    async with app.run_test(size=(120, 40)) as pilot:
        await press_settled(pilot, "u")
        dialog = app.screen
        assert isinstance(dialog, CheckedTextDialog)
        dialog.query_one("#reason", Input).value = "no longer at the Wode standard"
        await press_settled(pilot, "enter")
        said = "Released: the Wode manager's 2 open calls, 1 meeting on the client cancelled."
        assert said in notices(app)
        assert not app.screen.check_action("release", ())  # released already: u is not offered on the row
        await press_settled(pilot, "u")
        assert not isinstance(app.screen, CheckedTextDialog)
    assert _stored(engine, referral.id).status is ReferralStatus.RELEASED


@pytest.mark.parametrize("returned", [False, True])
def test_a_reason_longer_than_a_referral_keeps_is_refused_in_words(branch: Branch, returned: bool) -> None:
    """The service called directly (no dialog's bound): refused in words, nothing written — not a validator's
    message or a storage failure."""
    wealth = branch.ws(branch.wealth)
    referral = open_referral(branch, branch.zsf, branch.wealth) if returned else _held(branch, branch.zsf)
    with pytest.raises(DomainError) as refused:
        if returned:
            referrals.decide(wealth, referral, accept=False, reason="客" * (REFERRAL_TEXT_MAX + 1))
        else:
            referrals.release(wealth, referral, "客" * (REFERRAL_TEXT_MAX + 1))
    assert (refused.value.code, refused.value.params) == ("text_too_long", {"max": REFERRAL_TEXT_MAX})
    assert _stored(branch.engine, referral.id).status is (ReferralStatus.OPEN if returned else ReferralStatus.ACCEPTED)
    assert _open_calls_and_meetings(branch, branch.zsf, branch.wealth) == ((2, 1) if not returned else (0, 0))


# --- an open referral of a 沃德 client manager who left ----------------------------------------------------------


def _left_with_it_open(branch: Branch) -> Referral:
    """陈经理 (周主管's team) leaves with 张三丰's referral still open, its call in their queue."""
    in_team(branch)
    assert branch.wealth.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note="资产达标")
    with Session(branch.engine) as session:
        session.execute(update(StaffRow).where(StaffRow.id == branch.wealth.id).values(active=False))
        session.commit()
    return referral


def test_the_supervisor_returns_an_open_referral_for_a_manager_who_left_and_the_csm_is_told_by_whom(
    branch: Branch,
) -> None:
    referral = _left_with_it_open(branch)
    for staff in (branch.other_supervisor, branch.csm_a, branch.csm_b):  # not theirs to return
        with pytest.raises(AccessDenied):
            referrals.decide(branch.ws(staff), referral, accept=False, reason="客户经理已离职")
    with pytest.raises(AccessDenied):  # nor to accept for the manager
        referrals.decide(branch.ws(branch.supervisor), referral, accept=True)
    released = referrals.decide(branch.ws(branch.supervisor), referral, accept=False, reason="客户经理已离职")
    assert released == referrals.Released(calls=1, meetings=0)  # the referral's call in the manager's queue
    assert _stored(branch.engine, referral.id or 0).status is ReferralStatus.RETURNED
    assert branch.count(TaskRow, client_id=branch.zsf, staff_id=branch.wealth.id, status=TaskStatus.OPEN) == 0
    (told,) = referrals.wode_endings_untold(branch.ws(branch.csm_a))
    assert (told.status, told.client_name, told.by_name) == (ReferralStatus.RETURNED, "张三丰", "周主管")
    referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, second_wealth_manager(branch).id or 0)  # free again


async def test_the_supervisors_referrals_list_offers_return_only_on_their_teams_open_wode_referral(
    branch: Branch,
) -> None:
    referral = _left_with_it_open(branch)
    app = recording_notices(CsmApp(branch.ws(branch.supervisor), lang="zh_CN"))
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "6")
        screen = app.screen
        assert isinstance(screen, ReferralsScreen)
        row = next(i for i, r in enumerate(screen.rows) if r.id == referral.id)
        screen.query_one("#referrals", KeyTable).move_cursor(row=row)
        await press_settled(pilot)
        assert (screen.check_action("decide", (True,)), screen.check_action("decide", (False,))) == (False, True)
        await press_settled(pilot, "x")
        dialog = app.screen
        assert isinstance(dialog, CheckedTextDialog)
        dialog.query_one("#reason", Input).value = "客户经理已离职"
        await press_settled(pilot, "enter")
        assert app.screen is screen
    assert _stored(branch.engine, referral.id or 0).status is ReferralStatus.RETURNED
    assert "已退回：已取消沃德客户经理对该客户未完成的电话 1 通。" in notices(app)  # the manager's, not the reader's
