"""KYC (反洗钱法: know your customer): a client's ID expiry, on SQLite and PostgreSQL.

The expiry rule (valid through its last day; 长期 never expires) as a property; the sale service refusing a sale on
an expired ID on every path (the service API, an attempt made before the ID was found expired, a second session);
the "update ID at the next visit" reason in the CSM's queue; the expiry recorded by the client's manager, audited,
clearing both; the client import's column with both headers, CSV and XLSX, bad dates refused with line and reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from pydantic import ValidationError
from sqlalchemy import Engine, text

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import QueueReason, RiskLevel, Role, SuitabilityOutcome
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewStaff
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.rules import kyc
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import client_detail
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.ports import AccessDenied
from csm_tui.services.selling import attempts
from csm_tui.services.workstation import Workstation
from tests.support.selling_branch import BASIC, TODAY, Branch, assess, attempt, build_branch, rows
from widgets.client_card import render_card

SOLD = SuitabilityOutcome.SOLD
days = st.integers(min_value=-4000, max_value=4000)


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    return build_branch(engine, clock)


def set_expiry(branch: Branch, client_id: int, expiry: dt.date | None, long_term: bool = False) -> None:
    """As the bank's data or another workstation would: straight in the database."""
    with branch.engine.begin() as conn:
        conn.execute(
            text("UPDATE clients SET id_expiry = :e, id_long_term = :l, version = version + 1 WHERE id = :c"),
            {"e": expiry, "l": long_term, "c": client_id},
        )


def id_updates(ws: Workstation) -> set[int]:
    """The clients in the queue with "update ID at the next visit" (as the main reason or another)."""
    return {i.client_id for i in today_queue(ws) if QueueReason.ID_EXPIRY in (i.reason, *i.also)}


# --- the rule --------------------------------------------------------------------------------------------------


@given(offset=days, notice=st.integers(min_value=7, max_value=366), long_term=st.booleans())
def test_an_id_is_valid_through_its_expiry_day_and_expiring_within_the_notice_days(
    offset: int, notice: int, long_term: bool
) -> None:
    day = dt.date(2026, 11, 27)
    expiry = day + dt.timedelta(days=offset)
    state = kyc.id_state(expiry, long_term, day, notice)
    if long_term:
        assert state is kyc.IdState.LONG_TERM and not kyc.id_expired(expiry, True, day)
    elif offset < 0:
        assert state is kyc.IdState.EXPIRED and kyc.id_expired(expiry, False, day)
    elif offset < notice:
        assert state is kyc.IdState.EXPIRING and not kyc.id_expired(expiry, False, day)
    else:
        assert state is kyc.IdState.VALID
    assert kyc.needs_update(expiry, long_term, day, notice) == (not long_term and offset < notice)
    # The queue's bound (the last expiry that needs an update) says the same as the rule.
    assert (expiry <= kyc.notice_until(day, notice)) == (offset < notice)


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)))
def test_an_unknown_expiry_is_neither_expired_nor_expiring(day: dt.date) -> None:
    assert kyc.id_state(None, False, day, 30) is kyc.IdState.UNKNOWN
    assert not kyc.needs_update(None, False, day, 366) and not kyc.id_expired(None, False, day)


def test_the_notice_days_have_a_floor_and_a_ceiling() -> None:
    assert Policy().kyc.id_expiry_notice_days == 30
    for bad in (0, 6, 367):
        with pytest.raises(ValidationError):
            Policy().model_copy(update={"kyc": Policy().kyc.model_copy(update={"id_expiry_notice_days": bad})})
    assert Policy().model_copy(update={"kyc": {"id_expiry_notice_days": 7}}).kyc.id_expiry_notice_days == 7


# --- the sale --------------------------------------------------------------------------------------------------


def test_a_sale_on_an_id_that_expired_yesterday_is_refused_by_the_service_api_with_the_reason(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    set_expiry(branch, branch.young, TODAY - dt.timedelta(days=1))
    tried = attempt(ws, branch.young, "B1", "1000", BASIC)
    assert not tried.verdict.allowed
    assert [c.reason_key for c in tried.verdict.failed] == ["id_valid.expired"]  # the wizard shows the line
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, tried, SOLD)
    assert refused.value.code == "id_expired" and refused.value.params["expiry"] == "2026-11-26"
    assert rows(branch.engine, "sales") == []
    # Recorded as blocked, the record keeps why.
    done = attempts.record(ws, tried, SuitabilityOutcome.REFUSED)
    assert done.record.outcome is SuitabilityOutcome.BLOCKED and done.sale is None


def test_an_id_expiring_today_still_allows_the_sale(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    set_expiry(branch, branch.young, TODAY)
    done = attempts.record(ws, attempt(ws, branch.young, "B1", "1000", BASIC), SOLD)
    assert done.sale is not None


def test_an_id_found_expired_after_the_wizard_checked_is_refused_inside_the_write(branch: Branch) -> None:
    """The wizard checked a valid ID; another session (the bank's data) records it expired before the save."""
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    tried = attempt(ws, branch.young, "B1", "1000", BASIC)
    assert tried.verdict.allowed
    set_expiry(branch, branch.young, TODAY - dt.timedelta(days=3))
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, tried, SOLD)
    assert refused.value.code == "id_expired"
    assert rows(branch.engine, "sales") == []


def test_an_import_recording_the_id_expired_between_the_wizards_check_and_the_sale_refuses_the_sale(
    branch: Branch, tmp_path: Path
) -> None:
    """The wizard checked a valid ID; the bank's client file, imported meanwhile, brings an expiry already past."""
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    tried = attempt(ws, branch.young, "B1", "1000", BASIC)
    assert tried.verdict.allowed
    with branch.system() as tx:
        rid = str(tx.clients.get(branch.young).resident_id)
    header = ["客户编号", "客户名称", "身份证号", "证件有效期"]
    path = _write(tmp_path / "c.csv", header, [["C00000", "张伟", rid, "2026-11-20"]])
    assert import_file(_admin(branch), ImportKind.CLIENTS, path).rejected == 0
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, tried, SOLD)
    assert (refused.value.code, refused.value.params["expiry"]) == ("id_expired", "2026-11-20")
    assert rows(branch.engine, "sales") == []


def test_a_long_term_id_never_blocks_a_sale(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    set_expiry(branch, branch.young, None, long_term=True)
    assert attempts.record(ws, attempt(ws, branch.young, "B1", "1000", BASIC), SOLD).sale is not None


# --- the queue and the client's record -------------------------------------------------------------------------


def test_an_id_expiring_within_the_notice_days_puts_update_id_in_the_managers_queue_only(branch: Branch) -> None:
    set_expiry(branch, branch.young, TODAY + dt.timedelta(days=29))  # within the default 30 days
    set_expiry(branch, branch.elderly, TODAY + dt.timedelta(days=30))  # just outside
    set_expiry(branch, branch.theirs, TODAY - dt.timedelta(days=1))  # the other CSM's client
    items = {i.client_id: i for i in today_queue(branch.ws())}
    assert items[branch.young].reason is QueueReason.ID_EXPIRY
    assert items[branch.young].main.on == TODAY + dt.timedelta(days=29)
    assert id_updates(branch.ws()) == {branch.young}  # not the one outside the days, nor the colleague's client
    assert id_updates(branch.ws(branch.other)) == {branch.theirs}
    # A stricter policy (more notice) brings the second one in.
    stricter = Policy().model_copy(update={"kyc": {"id_expiry_notice_days": 60}})
    ws = branch.ws()
    ws = type(ws)(uow=ws.uow, staff=ws.staff, outlet=ws.outlet, time=ws.time, policy=stricter, demo=False)
    assert id_updates(ws) == {branch.young, branch.elderly}


def test_the_manager_records_the_new_expiry_which_clears_the_queue_and_the_refusal_audited(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    set_expiry(branch, branch.young, TODAY - dt.timedelta(days=1))
    assert id_updates(ws) == {branch.young}
    with branch.system() as tx:
        client = tx.clients.get(branch.young)
    saved = client_detail.edit(ws, client, id_expiry=dt.date(2046, 11, 1), id_long_term=False)
    assert saved.id_expiry == dt.date(2046, 11, 1)
    assert id_updates(ws) == set()
    assert attempts.record(ws, attempt(ws, branch.young, "B1", "1000", BASIC), SOLD).sale is not None
    with branch.engine.connect() as conn:
        logged = conn.execute(
            text("SELECT action, detail FROM audit_events WHERE entity = 'clients' AND entity_id = :c ORDER BY id"),
            {"c": str(branch.young)},
        ).all()
    assert any(action == "client.id_expiry" for action, _ in logged)
    assert any(action == "update" and "id_expiry" in str(detail) for action, detail in logged)


def test_a_new_expiry_too_far_off_is_refused_and_long_term_clears_the_date(branch: Branch) -> None:
    ws = branch.ws()
    with branch.system() as tx:
        client = tx.clients.get(branch.young)
    with pytest.raises(DomainError) as refused:
        client_detail.edit(ws, client, id_expiry=dt.date(2060, 1, 1))
    assert refused.value.code == "id_expiry_far"
    client_detail.edit(ws, client, id_expiry=dt.date(2036, 1, 1))
    with branch.system() as tx:
        elderly = tx.clients.get(branch.elderly)
    elderly = client_detail.edit(ws, elderly, id_expiry=dt.date(2027, 1, 1))
    saved = client_detail.edit(ws, elderly, id_long_term=True)
    assert (saved.id_expiry, saved.id_long_term) == (None, True)


def test_a_long_term_id_for_a_client_under_46_is_refused_on_the_page_and_in_the_import(
    branch: Branch, tmp_path: Path
) -> None:
    """A long-term ID (长期) is issued from 46 only (居民身份证法 art. 5): recorded for the 40-year-old, it would
    lift the expired-ID refusal for good. The page refuses it with the reason; the import refuses its line."""
    ws = branch.ws()
    with branch.system() as tx:
        young = tx.clients.get(branch.young)
    young = client_detail.edit(ws, young, id_expiry=TODAY - dt.timedelta(days=1))
    with pytest.raises(DomainError) as refused:
        client_detail.edit(ws, young, id_long_term=True)
    assert (refused.value.code, refused.value.params["adult"]) == ("id_long_term_young", kyc.LONG_TERM_FROM_AGE)
    header = ["客户编号", "客户名称", "身份证号", "证件有效期"]
    path = _write(tmp_path / "c.csv", header, [["C00000", "张伟", str(young.resident_id), "长期"]])
    report = import_file(_admin(branch), ImportKind.CLIENTS, path)
    assert report.rejected == 1
    [problem] = report.problems
    assert (problem.line, problem.column) == (2, "证件有效期") and "46" in problem.reason
    with branch.system() as tx:
        stays = tx.clients.get(branch.young)
    assert (stays.id_expiry, stays.id_long_term) == (TODAY - dt.timedelta(days=1), False)


def test_another_csm_cannot_record_a_clients_id_expiry(branch: Branch) -> None:
    with branch.system() as tx:
        client = tx.clients.get(branch.young)
    with pytest.raises(AccessDenied):
        client_detail.edit(branch.ws(branch.other), client, id_expiry=dt.date(2036, 1, 1))


# --- the import ------------------------------------------------------------------------------------------------


ROWS = [
    ["C00000", "张伟", "2030-06-30"],  # an existing client: the expiry added
    ["C00001", "李秀英", "长期"],
    ["C00002", "王强", "2026-13-01"],  # not a date
    ["C00002", "王强", "2099-01-01"],  # further off than an ID is issued for
]


def _admin(branch: Branch) -> Workstation:
    with branch.system(write=True) as tx:
        admin = tx.staff.by_login("admin") or tx.staff.add(NewStaff(login="admin", name="管理员", role=Role.ADMIN))
        tx.commit()
    return branch.ws(admin)


def _write(path: Path, header: list[str], lines: list[list[str]]) -> Path:
    if path.suffix == ".xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for line in [header, *lines]:
            sheet.append(line)
        book.save(path)
    else:
        path.write_text("\n".join(",".join(r) for r in [header, *lines]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("suffix", "header"),
    [(".csv", ["客户编号", "客户名称", "证件有效期"]), (".xlsx", ["client number", "client name", "ID valid until"])],
)
def test_the_client_import_takes_the_id_expiry_and_refuses_bad_dates_by_line_and_reason(
    branch: Branch, tmp_path: Path, suffix: str, header: list[str]
) -> None:
    with branch.system() as tx:
        ids = {n: str(tx.clients.get(c).resident_id) for n, c in
               (("C00000", branch.young), ("C00001", branch.elderly), ("C00002", branch.theirs))}  # fmt: skip
    lines = [[number, name, ids[number], expiry] for number, name, expiry in ROWS]
    header = [*header[:2], "身份证号" if suffix == ".csv" else "id number", header[2]]
    report = import_file(_admin(branch), ImportKind.CLIENTS, _write(tmp_path / f"c{suffix}", header, lines))
    assert report.rejected == 2
    problems = sorted((p.line, p.column) for p in report.problems)
    assert problems == [(4, header[3]), (5, header[3])]  # the line and the column as the file names it
    reasons = " ".join(p.reason for p in report.problems)
    assert "2026-13-01" in reasons and "20" in reasons
    with branch.system() as tx:
        young, elderly, theirs = (tx.clients.get(c) for c in (branch.young, branch.elderly, branch.theirs))
    assert (young.id_expiry, young.id_long_term) == (dt.date(2030, 6, 30), False)
    assert (elderly.id_expiry, elderly.id_long_term) == (None, True)
    assert (theirs.id_expiry, theirs.id_long_term) == (None, False)


def test_a_blank_expiry_cell_keeps_what_was_recorded(branch: Branch, tmp_path: Path) -> None:
    set_expiry(branch, branch.young, dt.date(2031, 1, 1))
    with branch.system() as tx:
        rid = str(tx.clients.get(branch.young).resident_id)
    path = _write(tmp_path / "c.csv", ["客户编号", "客户名称", "身份证号", "证件有效期"], [["C00000", "张伟", rid, ""]])
    report = import_file(_admin(branch), ImportKind.CLIENTS, path)
    assert report.rejected == 0
    with branch.system() as tx:
        assert tx.clients.get(branch.young).id_expiry == dt.date(2031, 1, 1)


def test_the_call_card_carries_the_badge_of_an_expired_or_expiring_id(branch: Branch) -> None:
    ws = branch.ws()
    for expiry, badge in (
        (TODAY - dt.timedelta(days=1), t("kyc.badge_expired", date="2026-11-26")),
        (TODAY + dt.timedelta(days=10), t("kyc.badge_expiring", date="2026-12-07")),
    ):
        set_expiry(branch, branch.young, expiry)
        card = prepare(ws, branch.young)
        assert badge in " ".join(line.plain for line in render_card(card, TODAY))
    set_expiry(branch, branch.young, None, long_term=True)
    card = prepare(ws, branch.young)
    assert card.id_state is kyc.IdState.LONG_TERM
    assert "⚠" not in " ".join(line.plain for line in render_card(card, TODAY))


def test_a_recorded_expiry_is_replaced_by_the_new_ids_never_erased_to_sell(branch: Branch) -> None:
    """An expired ID's date erased on the page would read "not known yet" (neither expired nor expiring) and lift
    the refusal and the queue's reason without any new ID seen: refused; the new ID's date (or 长期) replaces it."""
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    set_expiry(branch, branch.young, TODAY - dt.timedelta(days=1))
    with branch.system() as tx:
        client = tx.clients.get(branch.young)
    with pytest.raises(DomainError) as refused:
        client_detail.edit(ws, client, id_expiry=None)
    assert refused.value.code == "id_expiry_required"
    with pytest.raises(DomainError, match="id_expiry_required"):
        client_detail.edit(ws, client, id_expiry=None, id_long_term=False)
    with pytest.raises(DomainError, match="id_expired"):
        attempts.record(ws, attempt(ws, branch.young, "B1", "1000", BASIC), SOLD)
    assert id_updates(ws) == {branch.young}
