"""A 沃德 client manager's accepted clients are their own beyond the client list (``access.book_of``): on the client's
page they copy the client's mobile (``y``, audited) and record whom the client introduced (``n``: a prospect of
their own, in their prospects list), both enforced by the services; the client's due assessment is in their
suitability list; their empty call queue and prospects list say what they hold and how they fill. A referral still
open, or another CSM, is refused and masked as before.

Service tests use the clients' small branch (``support/clients_branch``) on SQLite and PostgreSQL; pilot tests the
same branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

import datetime as dt

import pytest

from csm_tui.app import CsmApp
from csm_tui.domain.enums import QueueReason, RiskLevel
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewProspect, NewRiskAssessment, Referral, Staff
from csm_tui.i18n import t
from csm_tui.services.calls.appointments import add_follow_up
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import referrals
from csm_tui.services.clients.copying import COPIED, COPY_REFUSED, copy_mobile
from csm_tui.services.events import prospects
from csm_tui.services.ports import AccessDenied
from csm_tui.services.selling.assessments_due import assessments_due
from screens.assessments_due import SuitabilityScreen
from screens.client_detail import ClientDetailScreen
from screens.prospects import ProspectsScreen
from screens.queue import QueueScreen
from storage.orm import ProspectRow
from tests.support.clients_branch import ZSF_MOBILE, Branch
from tests.support.pilot import open_client_page, press_settled, recording_notices, table_rows
from widgets.empty_note import EmptyNote

TODAY = dt.date(2026, 11, 27)


def _referred(branch: Branch, *, accept: bool) -> Referral:
    """A's 张三丰 referred to the 沃德 client manager; accepted, or left open (still theirs to decide)."""
    assert branch.wealth.id is not None
    referral = referrals.refer_to_wode(branch.ws(branch.csm_a), branch.zsf, branch.wealth.id, note="日均52万")
    if accept:
        referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    return referral


def _assessment_expiring(branch: Branch, on: dt.date) -> None:
    """张三丰 assessed again (by A), valid only until ``on``: due within the list's horizon."""
    with branch.system(write=True) as tx:
        tx.assessments.add(
            NewRiskAssessment(
                client_id=branch.zsf, staff_id=branch.csm_a.id, taken_at=dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC),
                answers={"q1": "b"}, score=70, level=RiskLevel.C3, valid_until=on,
            )
        )  # fmt: skip
        tx.commit()


def _app(branch: Branch, staff: Staff, lang: str = "zh_CN") -> CsmApp:
    return recording_notices(CsmApp(branch.ws(staff), lang=lang))


# --- the services --------------------------------------------------------------------------------------------


def test_a_wode_manager_copies_the_mobile_of_a_client_they_accepted_the_read_audited(branch: Branch) -> None:
    _referred(branch, accept=True)
    assert copy_mobile(branch.ws(branch.wealth), branch.zsf) == ZSF_MOBILE
    assert copy_mobile(branch.ws(branch.csm_a), branch.zsf) == ZSF_MOBILE  # still A's client too
    copied = [(r.staff_id, r.entity_id) for r in branch.audit_rows() if r.action == COPIED]
    assert copied == [(branch.wealth.id, str(branch.zsf)), (branch.csm_a.id, str(branch.zsf))]


@pytest.mark.parametrize("who", ["wealth", "csm_b"])
def test_a_referral_still_open_or_another_csm_copies_nothing_and_the_try_is_audited(branch: Branch, who: str) -> None:
    _referred(branch, accept=False)  # the 沃德 manager sees the client in full, but not as theirs yet
    with pytest.raises(DomainError) as caught:
        copy_mobile(branch.ws(getattr(branch, who)), branch.zsf)
    assert caught.value.code == "copy_not_own"
    assert [r.entity_id for r in branch.audit_rows() if r.action == COPY_REFUSED] == [str(branch.zsf)]
    assert not [r for r in branch.audit_rows() if r.action == COPIED]


def test_a_client_a_wode_manager_accepted_introduces_a_prospect_to_them(branch: Branch) -> None:
    _referred(branch, accept=True)
    taken = prospects.introduced(branch.ws(branch.wealth), branch.zsf, "钱七", "13700001111", consent=True)
    assert (taken.manager_id, taken.introduced_by) == (branch.wealth.id, branch.zsf)
    assert [line.name for line in prospects.listing(branch.ws(branch.wealth))] == ["钱七"]


@pytest.mark.parametrize("who", ["wealth", "csm_b"])
def test_an_introduction_by_a_client_not_in_ones_book_is_refused_and_writes_nothing(branch: Branch, who: str) -> None:
    """The open referral's manager is told the referral is theirs to accept first; another CSM is refused."""
    _referred(branch, accept=False)
    with pytest.raises((AccessDenied, DomainError)) as refused:
        prospects.introduced(branch.ws(getattr(branch, who)), branch.zsf, "钱七", "13700001111", consent=True)
    if who == "wealth":
        assert isinstance(refused.value, DomainError) and refused.value.code == "wode_referral_open"
    assert branch.count(ProspectRow) == 0


def _introduction(branch: Branch, by: int, manager: Staff) -> NewProspect:
    return NewProspect(
        name="路人", mobile="13811112222", consent=True, manager_id=manager.id, met_by=manager.id, introduced_by=by,
        created_at=dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC),
    )  # fmt: skip


@pytest.mark.parametrize(("who", "by", "manager"), [
    ("wealth", "wdh", "csm_b"), ("wealth", "wdh", "wealth"), ("wealth", "zsf", "csm_a"), ("csm_b", "zsf", "csm_b"),
])  # fmt: skip
def test_the_repository_refuses_an_introduction_by_a_client_of_another_book(
    branch: Branch, who: str, by: str, manager: str
) -> None:
    """Past the service: an introduction is recorded only as a prospect of one's own, by a client of one's own book
    (a 沃德 client manager's: one they accepted); nothing is written."""
    _referred(branch, accept=True)  # 张三丰 is in the 沃德 manager's book; 王大海 is B's
    with branch.system.acting_as(getattr(branch, who))(write=True) as tx, pytest.raises(AccessDenied):
        tx.prospects.add(_introduction(branch, getattr(branch, by), getattr(branch, manager)))
    assert branch.count(ProspectRow) == 0
    with branch.system.acting_as(branch.wealth)(write=True) as tx:
        taken = tx.prospects.add(_introduction(branch, branch.zsf, branch.wealth))
        tx.commit()
    assert (taken.manager_id, taken.introduced_by) == (branch.wealth.id, branch.zsf)


def test_a_wode_managers_assessments_due_hold_the_clients_they_accepted(branch: Branch) -> None:
    _assessment_expiring(branch, TODAY + dt.timedelta(days=5))
    referral = _referred(branch, accept=False)
    assert [d.client_id for d in assessments_due(branch.ws(branch.wealth))] == []  # not theirs yet
    referrals.decide(branch.ws(branch.wealth), referral, accept=True)
    [due] = assessments_due(branch.ws(branch.wealth))
    assert (due.client_id, due.valid_until) == (branch.zsf, TODAY + dt.timedelta(days=5))
    assert branch.zsf in [d.client_id for d in assessments_due(branch.ws(branch.csm_a))]  # A's still
    assert branch.zsf not in [d.client_id for d in assessments_due(branch.ws(branch.csm_b))]


def test_a_wode_managers_follow_up_on_a_client_they_accepted_is_in_their_queue(branch: Branch) -> None:
    _referred(branch, accept=True)
    add_follow_up(branch.ws(branch.wealth), branch.zsf, TODAY, note="约下周面谈")
    [item] = today_queue(branch.ws(branch.wealth))
    assert (item.client_id, item.reason, item.main.note) == (branch.zsf, QueueReason.FOLLOW_UP, "约下周面谈")
    assert branch.zsf not in [i.client_id for i in today_queue(branch.ws(branch.csm_b))]


# --- the screens ---------------------------------------------------------------------------------------------


async def test_y_and_n_are_offered_on_the_page_of_a_client_a_wode_manager_accepted_and_y_copies(
    branch: Branch,
) -> None:
    _referred(branch, accept=True)
    app = _app(branch, branch.wealth)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.zsf)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        assert screen.check_action("copy", ()) and screen.check_action("introduce", ())
        await press_settled(pilot, "y")
        assert app.clipboard == ZSF_MOBILE
    assert [r.staff_id for r in branch.audit_rows() if r.action == COPIED] == [branch.wealth.id]


async def test_y_and_n_are_not_offered_while_the_wode_referral_is_open(branch: Branch) -> None:
    _referred(branch, accept=False)
    app = _app(branch, branch.wealth)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_client_page(pilot, branch.zsf)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None  # seen in full, not theirs
        assert not screen.check_action("copy", ()) and not screen.check_action("introduce", ())
        await press_settled(pilot, "y")
        assert app.clipboard == ""
    assert not [r for r in branch.audit_rows() if r.action in (COPIED, COPY_REFUSED)]


async def test_a_wode_managers_suitability_list_shows_the_accepted_clients_due_assessment(branch: Branch) -> None:
    _assessment_expiring(branch, TODAY + dt.timedelta(days=5))
    _referred(branch, accept=True)
    app = _app(branch, branch.wealth)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "4")
        assert isinstance(app.screen, SuitabilityScreen)
        assert [row[:3] for row in table_rows(app)] == [["张三丰", "C3", "2026-12-02"]]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_wode_managers_empty_queue_says_what_it_holds_and_where_their_wode_clients_are(
    branch: Branch, lang: str
) -> None:
    app = _app(branch, branch.wealth, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "2")
        assert isinstance(app.screen, QueueScreen)
        note = app.screen.query_one(EmptyNote)
        assert note.display and note.text == t("empty.queue_wode")
        assert t("empty.queue_wode") not in (t("empty.queue"), t("empty.queue_no_book"))


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_wode_managers_prospects_list_says_it_fills_from_their_clients_introductions(
    branch: Branch, lang: str
) -> None:
    app = _app(branch, branch.wealth, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "9")
        assert isinstance(app.screen, ProspectsScreen)
        note = app.screen.query_one(EmptyNote)
        assert note.display and note.text == t("empty.prospects_wode") and "F2" not in note.text


async def test_a_wode_managers_prospects_list_shows_whom_their_accepted_client_introduced(branch: Branch) -> None:
    _referred(branch, accept=True)
    prospects.introduced(branch.ws(branch.wealth), branch.zsf, "钱七", "13700001111", consent=True)
    app = _app(branch, branch.wealth)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_settled(pilot, "9")
        assert isinstance(app.screen, ProspectsScreen)
        [row] = table_rows(app)
        assert row[0] == "钱七" and "13700001111" in row  # their own prospect: the mobile in full, to call
        assert not app.screen.query_one(EmptyNote).display
