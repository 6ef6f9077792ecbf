"""AML suspicion reports (反洗钱可疑交易报告), through the services on SQLite and PostgreSQL, from the hostile side.

A CSM files on an own client; the outlet's reviewer (its supervisors, or the admin by policy) decides once. Nobody
else reads a report: not another CSM, not a colleague covering the CSM's leave, not a teller, not the admin while
supervisors review, not a supervisor of another outlet. Nothing of a report reaches the client's page or card, the
queue, search, exports or the scoreboard (no tipping off), and the audit log names it by id, never its content.
The database refuses any change but the one decision, and any deletion, whatever path the write takes; and (0016)
a decision unless the decider is an active supervisor of the report's outlet or an admin, not its author, no earlier
than the filing. Who reviews is read at each reading and decision: the policy's role, or the other when nobody of it
is active; a report is refused, before anything is stored, when nobody at all can review it (the CSM is told whom
to tell in person).

The clock stands on Friday 27 November 2026, 10:00 in Shanghai.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import AmlStatus, LeaveKind, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewStaff, Staff
from csm_tui.i18n import set_language
from csm_tui.policy import Policy
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.clients import aml, client_detail
from csm_tui.services.clients.finding import find_clients
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.leave import record_leave
from csm_tui.services.phrase_check import ForbiddenPhrases, PhrasesConfirmed
from csm_tui.services.ports import AccessDenied, SessionEnded
from csm_tui.services.tabular import TableFormat
from csm_tui.services.workstation import Workstation
from storage import audit
from storage.engine import make_engine
from storage.uow import SqlUnitOfWorkFactory
from tests.support.aml_branch import ADMIN_REVIEWS, MARK, SIGNS, TODAY, AmlBranch, audit_text
from tests.support.branch import workstation
from widgets.failures import describe

# --- filing --------------------------------------------------------------------------------------------------


def test_a_csm_files_a_report_on_an_own_client_for_the_outlets_supervisor_audited_by_id_only(
    aml_branch: AmlBranch,
) -> None:
    report_id = aml_branch.file()
    mine = aml.mine(aml_branch.ws("wang"))
    assert [(e.report.id, e.report.status, e.report.signs, e.report.text) for e in mine] == [
        (report_id, AmlStatus.OPEN, SIGNS, MARK)
    ]
    [entry] = aml.to_review(aml_branch.ws("sup"))
    assert (entry.report.id, entry.client_name, entry.author) == (report_id, "张伟", "王芳")
    logged = audit_text(aml_branch.engine)
    assert f"aml.file aml_reports {report_id}" in logged
    assert MARK not in logged and "large_cash" not in logged and "张伟" not in logged


@pytest.mark.parametrize("login", ["li", "sup", "admin", "teller", "lobby"])
def test_only_the_clients_own_csm_files_a_report(aml_branch: AmlBranch, login: str) -> None:
    with pytest.raises(AccessDenied):
        aml.file_report(aml_branch.ws(login), aml_branch.clients["张伟"], SIGNS, MARK)
    with aml_branch.factory() as tx:
        assert tx.session.execute(text("SELECT count(*) FROM aml_reports")).scalar() == 0


def test_a_colleague_covering_the_csms_leave_may_not_file_or_read(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    record_leave(
        aml_branch.ws("sup"), aml_branch.staff["wang"].id, TODAY, TODAY + dt.timedelta(days=3), LeaveKind.ANNUAL,
        aml_branch.staff["li"].id,
    )  # fmt: skip
    with pytest.raises(AccessDenied):
        aml.file_report(aml_branch.ws("li"), aml_branch.clients["张伟"], SIGNS, MARK)
    with pytest.raises(AccessDenied):
        aml.get(aml_branch.ws("li"), report_id)


def test_a_report_needs_what_was_seen_and_a_text_and_the_phrase_check_applies(aml_branch: AmlBranch) -> None:
    ws, client = aml_branch.ws("wang"), aml_branch.clients["张伟"]
    for signs, words, code in (((), MARK, "aml_signs_required"), (SIGNS, "  ", "aml_text_required")):
        with pytest.raises(DomainError) as refused:
            aml.file_report(ws, client, signs, words)
        assert refused.value.code == code
    with pytest.raises(DomainError):
        aml.file_report(ws, client, SIGNS, "x" * (aml.TEXT_MAX + 1))
    with pytest.raises(ForbiddenPhrases):
        aml.file_report(ws, client, SIGNS, "客户说这笔钱稳赚，来源不肯说")
    kept = aml.file_report(
        ws, client, SIGNS, "客户说这笔钱稳赚，来源不肯说", PhrasesConfirmed(frozenset({"稳赚"}), "客户原话")
    )
    assert kept.id > 0 and "稳赚" in kept.text


# --- reading -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["li", "admin", "teller", "lobby", "supb"])
def test_nobody_but_the_author_and_the_reviewer_reads_a_report(aml_branch: AmlBranch, login: str) -> None:
    report_id = aml_branch.file()
    with pytest.raises(AccessDenied):
        aml.get(aml_branch.ws(login), report_id)
    assert aml.mine(aml_branch.ws(login)) == []
    if login not in ("supb", "admin"):
        with pytest.raises(AccessDenied):
            aml.to_review(aml_branch.ws(login))
    else:  # another outlet's supervisor reviews their own outlet's only; the admin while it has no supervisor only
        assert aml.to_review(aml_branch.ws(login)) == []
    assert aml.get(aml_branch.ws("wang"), report_id).report.text == MARK
    assert aml.get(aml_branch.ws("sup"), report_id).report.text == MARK


def test_with_the_admin_as_reviewer_the_supervisor_no_longer_reads_reports(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    with pytest.raises(AccessDenied):
        aml.get(aml_branch.ws("sup", ADMIN_REVIEWS), report_id)
    assert [e.report.id for e in aml.to_review(aml_branch.ws("admin", ADMIN_REVIEWS))] == [report_id]
    aml.decide(aml_branch.ws("admin", ADMIN_REVIEWS), report_id, AmlStatus.REPORTED, "已报送反洗钱中心")


# --- deciding ------------------------------------------------------------------------------------------------


def test_the_reviewer_decides_once_with_a_reason_audited_without_the_reason(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    with pytest.raises(DomainError):
        aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.DISMISSED, "  ")
    with pytest.raises(DomainError):
        aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.OPEN, "reopen")
    decided = aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.DISMISSED, "经核实为出售房产所得")
    assert (decided.status, decided.decided_by, decided.decision_reason) == (
        AmlStatus.DISMISSED, aml_branch.staff["sup"].id, "经核实为出售房产所得",
    )  # fmt: skip
    with pytest.raises(DomainError) as again:
        aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.REPORTED, "改为上报")
    assert again.value.code == "aml_decided"
    logged = audit_text(aml_branch.engine)
    assert f"aml.decide aml_reports {report_id}" in logged and "dismissed" in logged
    assert "出售房产" not in logged and MARK not in logged


@pytest.mark.parametrize("login", ["wang", "li", "admin", "teller", "supb"])
def test_nobody_but_the_reviewer_decides(aml_branch: AmlBranch, login: str) -> None:
    report_id = aml_branch.file()
    with pytest.raises(AccessDenied):
        aml.decide(aml_branch.ws(login), report_id, AmlStatus.DISMISSED, "无")
    assert aml.get(aml_branch.ws("sup"), report_id).report.status is AmlStatus.OPEN


# --- the database holds it -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE aml_reports SET text = 'nothing' WHERE id = :r",
        "UPDATE aml_reports SET client_id = client_id WHERE id = :r AND 1 = 0",  # (no row: allowed, nothing done)
        "UPDATE aml_reports SET status = 'dismissed' WHERE id = :r",  # no decider, no reason
        "UPDATE aml_reports SET status = 'reported', decided_by = staff_id, decided_at = filed_at, "
        "decision_reason = 'x', signs = 'behaviour' WHERE id = :r",  # a decision that also changes what was seen
        "DELETE FROM aml_reports WHERE id = :r",
    ],
)
def test_a_report_cannot_be_changed_or_deleted_by_sql(aml_branch: AmlBranch, statement: str) -> None:
    report_id = aml_branch.file()
    if "1 = 0" in statement:
        with aml_branch.engine.begin() as conn:
            conn.execute(text(statement), {"r": report_id})
        return
    with pytest.raises(DBAPIError), aml_branch.engine.begin() as conn:
        conn.execute(text(statement), {"r": report_id})
    assert aml.get(aml_branch.ws("wang"), report_id).report.text == MARK


def test_a_decided_report_cannot_be_decided_again_by_sql_and_truncate_is_refused(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.REPORTED, "已上报")
    with pytest.raises(DBAPIError), aml_branch.engine.begin() as conn:
        conn.execute(
            text("UPDATE aml_reports SET status = 'dismissed', decision_reason = 'y' WHERE id = :r"), {"r": report_id}
        )
    if aml_branch.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError), aml_branch.engine.begin() as conn:
            conn.execute(text("TRUNCATE aml_reports CASCADE"))
    assert aml.get(aml_branch.ws("sup"), report_id).report.status is AmlStatus.REPORTED


# --- no tipping off ------------------------------------------------------------------------------------------


def test_nothing_of_a_report_reaches_the_clients_page_card_queue_search_or_exports(
    aml_branch: AmlBranch, tmp_path: Path
) -> None:
    """Every path a client's data takes to a screen or a file, read by the author and the supervisor, holds no trace
    of the report (its text, its signs, its status)."""
    aml_branch.file()
    client = aml_branch.clients["张伟"]
    for login in ("wang", "sup"):
        ws = aml_branch.ws(login)
        seen = [
            repr(client_detail.load(ws, client)),
            repr(find_clients(ws, "张伟")),
            repr(today_queue(aml_branch.ws("wang"))),
        ]
        if login == "wang":
            seen.append(repr(prepare(ws, client)))
        blob = " ".join(seen)
        for trace in (MARK, "aml", "large_cash", "unclear_funds", "可疑", "suspicion"):
            assert trace not in blob, (login, trace)


def test_nothing_of_a_report_reaches_the_csms_exports(aml_branch: AmlBranch, tmp_path: Path) -> None:
    aml_branch.file()
    ws = aml_branch.ws("wang")
    for kind in ExportKind:
        path = tmp_path / f"{kind.value}.csv"
        export_list(ws, kind, path, fmt=TableFormat.CSV, open_only=False)
        written = path.read_text(encoding="utf-8-sig")
        for trace in (MARK, "aml", "large_cash", "可疑"):
            assert trace not in written, (kind, trace)


def test_only_the_reports_own_store_reads_the_table() -> None:
    """No read model joins the reports (the client's page, card, queue, search, exports, scoreboard): the table is
    named only by its store, its row, its migrations, the audit's sealing of its updates and the demo builder."""
    root = Path(__file__).resolve().parents[2]  # the project (this file: tests/clients/)
    naming = {
        str(path.relative_to(root))
        for folder in ("csm_tui", "storage", "screens", "widgets")
        for path in (root / folder).rglob("*.py")
        if "aml_reports" in path.read_text(encoding="utf-8") or "AmlReportRow" in path.read_text(encoding="utf-8")
    }
    assert naming == {
        "storage/aml.py", "storage/orm.py", "storage/audit.py", "storage/migrations/versions/0011_kyc_aml.py",
        "storage/migrations/versions/0016_aml_decider.py",
        "storage/migrations/versions/0024_contact_tasks_guard.py",  # its guard functions' search path, fixed
        "csm_tui/services/clients/aml.py",  # its audit entity's name
        "storage/demo/marketing.py", "storage/demo/__init__.py",  # the demo's sample reports, and their count
    }  # fmt: skip


# --- two deciders at once, the phrase check's audit, a deactivated reviewer -------------------------------------------


def test_two_reviewers_deciding_one_report_at_the_same_moment_decide_it_once(aml_branch: AmlBranch) -> None:
    """Two supervisors of the outlet, each in a session of their own (its own engine, as two SSH sessions are),
    decide the same open report together, one reporting it, one dismissing it: one decision stands, the other is
    told the report is decided, and the stored decision is the one that won."""
    import threading

    from storage.engine import make_engine

    with aml_branch.factory(write=True) as tx:
        outlet = aml_branch.staff["sup"].outlet_id
        second = tx.staff.add(NewStaff(login="sup2", name="赵主管", role=Role.SUPERVISOR, outlet_id=outlet))
        tx.commit()
    report_id = aml_branch.file()
    start = threading.Barrier(2)
    results: dict[str, str] = {}
    url = aml_branch.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(2)]
    moves = [(aml_branch.staff["sup"], AmlStatus.REPORTED, "已报送"), (second, AmlStatus.DISMISSED, "已排除")]

    def run(n: int) -> None:
        staff, status, reason = moves[n]
        ws = workstation(SqlUnitOfWorkFactory(engines[n], aml_branch.factory.clock), staff)
        start.wait(timeout=60)
        try:
            aml.decide(ws, report_id, status, reason)
        except DomainError as exc:
            results[status.value] = exc.code
        except Exception as exc:  # named, so the test says what went wrong
            results[status.value] = type(exc).__name__
        else:
            results[status.value] = "ok"

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert sorted(results.values()) == ["aml_decided", "ok"], results
    [won] = [status for status, result in results.items() if result == "ok"]
    assert aml.get(aml_branch.ws("sup"), report_id).report.status.value == won


def test_the_phrase_checks_audit_entries_on_a_report_keep_neither_its_phrases_nor_the_csms_reason(
    aml_branch: AmlBranch,
) -> None:
    """A report whose text holds a forbidden phrase: neither the refusal nor the confirmation written to the audit
    log (which the admin reads, who does not review while supervisors do) carries the phrase found in the report's
    text or the CSM's reason for keeping it; they name the report's entity only."""
    ws, client = aml_branch.ws("wang"), aml_branch.clients["张伟"]
    words = "客户说这笔钱稳赚，来源不肯说"
    with pytest.raises(ForbiddenPhrases):
        aml.file_report(ws, client, SIGNS, words)
    aml.file_report(ws, client, SIGNS, words, PhrasesConfirmed(frozenset({"稳赚"}), "客户原话照录赌场筹码"))
    logged = audit_text(aml_branch.engine)
    assert "phrases.refused aml_reports" in logged and "phrases.confirmed aml_reports" in logged
    assert "稳赚" not in logged and "赌场筹码" not in logged


def test_a_deactivated_reviewer_decides_nothing_and_reads_nothing(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    with aml_branch.engine.begin() as conn:
        conn.execute(text("UPDATE staff SET active = :f WHERE login = 'sup'"), {"f": False})
    ws = aml_branch.ws("sup")
    with pytest.raises(SessionEnded):
        aml.decide(ws, report_id, AmlStatus.DISMISSED, "无")
    with pytest.raises(SessionEnded):
        aml.to_review(ws)
    with aml_branch.factory() as tx:
        assert tx.session.execute(text("SELECT status FROM aml_reports")).scalar() == "open"


# --- who reviews, and the database's own refusal of a decision -----------------------------------------------------

DECIDE = text(
    "UPDATE aml_reports SET status = 'reported', decided_by = :by, decided_at = :at, decision_reason = '已上报' "
    "WHERE id = :r"
).bindparams(bindparam("at", type_=DateTime()))
INSERT = text(
    "INSERT INTO aml_reports (client_id, staff_id, outlet_id, signs, text, filed_at, status, decided_by, decided_at, "
    "decision_reason) VALUES (:client, :author, :outlet, 'behaviour', '手写', :filed, :status, :by, :at, :reason)"
).bindparams(bindparam("filed", type_=DateTime()), bindparam("at", type_=DateTime()))
WITH_CONTACT = Policy().model_copy(update={"aml": {"contact": "支行合规部王经理 021-6888 1234"}})


def set_staff(engine: Engine, login: str, **values: object) -> None:
    """Change a staff member as the staff import does (deactivation, a new outlet or role), behind every session."""
    columns = ", ".join(f"{column} = :{column}" for column in values)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE staff SET {columns} WHERE login = :login"), {**values, "login": login})


def filed_at(branch: AmlBranch, report_id: int) -> dt.datetime:
    return aml.get(branch.ws("wang"), report_id).report.filed_at


def decide_by_sql(branch: AmlBranch, report_id: int, decider: str, at: dt.datetime | None = None) -> None:
    with branch.engine.begin() as conn:
        conn.execute(DECIDE, {"by": branch.staff[decider].id, "at": at or filed_at(branch, report_id), "r": report_id})


def status_of(branch: AmlBranch, report_id: int) -> str:
    with branch.engine.connect() as conn:
        return str(conn.scalar(text("SELECT status FROM aml_reports WHERE id = :r"), {"r": report_id}))


@pytest.fixture
def second_engine(aml_branch: AmlBranch) -> Iterator[Engine]:
    """An engine of its own, as a second SSH session on the branch server has."""
    engine = make_engine(aml_branch.engine.url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


def session_on(engine: Engine, branch: AmlBranch, staff: Staff) -> Workstation:
    return workstation(SqlUnitOfWorkFactory(engine, branch.factory.clock), staff)


# --- the database: who decides, and when ---------------------------------------------------------------------


@pytest.mark.parametrize("decider", ["sup", "admin"])
def test_the_database_takes_a_decision_by_the_outlets_supervisor_or_an_admin(
    aml_branch: AmlBranch, decider: str
) -> None:
    report_id = aml_branch.file()
    decide_by_sql(aml_branch, report_id, decider)
    assert status_of(aml_branch, report_id) == "reported"


@pytest.mark.parametrize(
    ("decider", "why"),
    [
        ("wang", "the report's author"),
        ("li", "a CSM"),
        ("teller", "a teller"),
        ("lobby", "a lobby manager"),
        ("supb", "a supervisor of another outlet"),
    ],
)
def test_the_database_refuses_a_decision_by_anyone_else(aml_branch: AmlBranch, decider: str, why: str) -> None:
    report_id = aml_branch.file()
    with pytest.raises(DBAPIError) as refused:
        decide_by_sql(aml_branch, report_id, decider)
    assert "decider" in str(refused.value), why
    assert status_of(aml_branch, report_id) == "open"


@pytest.mark.parametrize("login", ["sup", "admin"])
def test_the_database_refuses_a_decision_by_a_deactivated_reviewer(aml_branch: AmlBranch, login: str) -> None:
    report_id = aml_branch.file()
    set_staff(aml_branch.engine, login, active=False)
    with pytest.raises(DBAPIError):
        decide_by_sql(aml_branch, report_id, login)
    assert status_of(aml_branch, report_id) == "open"


def test_the_database_refuses_the_author_promoted_to_supervisor_deciding_their_own_report(
    aml_branch: AmlBranch,
) -> None:
    """wang files, then becomes a supervisor of the outlet (a reviewer of its reports): not of her own, through the
    service or by SQL."""
    report_id = aml_branch.file()
    set_staff(aml_branch.engine, "wang", role="supervisor", grade=None)
    with pytest.raises(AccessDenied):
        aml.decide(aml_branch.ws("wang"), report_id, AmlStatus.DISMISSED, "自己排除")
    with pytest.raises(DBAPIError):
        decide_by_sql(aml_branch, report_id, "wang")
    assert status_of(aml_branch, report_id) == "open"


def test_a_report_whose_only_supervisor_left_is_its_author_goes_to_the_admin(aml_branch: AmlBranch) -> None:
    """wang files, is promoted to supervisor of the outlet, and sup is deactivated: the outlet still has an active
    supervisor, but the only one is the report's author, who never reviews it — the admin does, and wang's list
    of reports to review does not hold her own."""
    report_id = aml_branch.file()
    set_staff(aml_branch.engine, "wang", role="supervisor", grade=None)
    set_staff(aml_branch.engine, "sup", active=False)
    assert aml.to_review(aml_branch.ws("wang")) == []
    assert [e.report.id for e in aml.to_review(aml_branch.ws("admin"))] == [report_id]
    aml.decide(aml_branch.ws("admin"), report_id, AmlStatus.REPORTED, "已上报")
    assert status_of(aml_branch, report_id) == "reported"


def test_the_database_refuses_a_decision_dated_before_the_filing(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    filed = filed_at(aml_branch, report_id)
    with pytest.raises(DBAPIError):
        decide_by_sql(aml_branch, report_id, "sup", filed - dt.timedelta(seconds=1))
    with pytest.raises(DBAPIError):
        decide_by_sql(aml_branch, report_id, "sup", filed - dt.timedelta(days=400))
    decide_by_sql(aml_branch, report_id, "sup", filed)  # the same instant stands
    assert status_of(aml_branch, report_id) == "reported"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE aml_reports SET status = 'dismissed', decided_by = :admin, decision_reason = '改判' WHERE id = :r",
        "UPDATE aml_reports SET decided_by = :admin WHERE id = :r",
        "UPDATE aml_reports SET decision_reason = '改写理由' WHERE id = :r",
        "UPDATE aml_reports SET status = 'open', decided_by = NULL, decided_at = NULL, decision_reason = '' "
        "WHERE id = :r",
        "UPDATE aml_reports SET text = '改写', decided_by = :admin WHERE id = :r",
    ],
)
def test_a_decided_report_is_neither_decided_again_nor_edited_by_sql(aml_branch: AmlBranch, statement: str) -> None:
    report_id = aml_branch.file()
    aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.REPORTED, "已上报")
    with pytest.raises(DBAPIError), aml_branch.engine.begin() as conn:
        conn.execute(text(statement), {"r": report_id, "admin": aml_branch.staff["admin"].id})
    report = aml.get(aml_branch.ws("sup"), report_id).report
    assert (report.status, report.decided_by, report.decision_reason, report.text) == (
        AmlStatus.REPORTED, aml_branch.staff["sup"].id, "已上报", MARK,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("case", "status", "by", "late", "reason"),
    [
        ("decided by its author", "reported", "wang", 1, "x"),
        ("decided before it was filed", "dismissed", "sup", -60, "x"),
        ("decided without a reason", "reported", "sup", 1, " "),
        ("decided by nobody", "reported", None, 1, "x"),
        ("open with a decider", "open", "sup", 1, ""),
    ],
)
def test_the_database_refuses_a_report_inserted_already_decided_against_the_rules(
    aml_branch: AmlBranch, case: str, status: str, by: str | None, late: int, reason: str
) -> None:
    filed = dt.datetime(2026, 11, 20, 2)
    values = {
        "client": aml_branch.clients["张伟"], "author": aml_branch.staff["wang"].id,
        "outlet": aml_branch.staff["wang"].outlet_id, "filed": filed, "status": status,
        "by": aml_branch.staff[by].id if by else None, "at": filed + dt.timedelta(seconds=late), "reason": reason,
    }  # fmt: skip
    with pytest.raises(DBAPIError), aml_branch.engine.begin() as conn:
        conn.execute(INSERT, values)
    with aml_branch.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM aml_reports")) == 0, case


def test_a_report_inserted_open_or_decided_whole_is_stored_as_a_copy_does(aml_branch: AmlBranch) -> None:
    """``csm admin copy`` inserts every report as it stands, decided ones too (by a supervisor who may have left
    since): the database takes a whole decision by someone other than the author."""
    filed = dt.datetime(2026, 11, 20, 2)
    common = {"client": aml_branch.clients["张伟"], "author": aml_branch.staff["wang"].id, "filed": filed}
    set_staff(aml_branch.engine, "sup", active=False)
    with aml_branch.engine.begin() as conn:
        outlet = aml_branch.staff["wang"].outlet_id
        conn.execute(INSERT, {**common, "outlet": outlet, "status": "open", "by": None, "at": None, "reason": ""})
        decided = {"status": "reported", "by": aml_branch.staff["sup"].id, "at": filed, "reason": "已上报"}
        conn.execute(INSERT, {**common, "outlet": outlet, **decided})
        assert conn.scalar(text("SELECT count(*) FROM aml_reports")) == 2


def test_the_decision_guards_are_checked_like_the_records_guards(aml_branch: AmlBranch) -> None:
    """The audit check (the admin's data state, ``csm admin audit verify``) names the AML guards once dropped."""
    with aml_branch.engine.begin() as conn:
        assert audit.missing_guards(conn) == []
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER aml_reports_reviewer ON aml_reports"))
        else:
            conn.execute(text("DROP TRIGGER aml_reports_reviewer"))
        assert audit.missing_guards(conn) == ["aml_reports.aml_reports_reviewer"]


# --- the service: the same rules, said in words --------------------------------------------------------------


def test_a_decision_is_refused_by_the_service_when_the_clock_stands_before_the_filing(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    clock = aml_branch.factory.clock
    clock.set(clock.now().shift(hours=-1))
    with pytest.raises(DomainError) as refused:
        aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.DISMISSED, "经核实无异常")
    assert refused.value.code == "aml_decided_early"
    assert status_of(aml_branch, report_id) == "open"


def test_with_the_outlets_supervisor_active_the_admin_neither_reads_nor_decides(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    assert aml.to_review(aml_branch.ws("admin")) == []
    with pytest.raises(AccessDenied):
        aml.decide(aml_branch.ws("admin"), report_id, AmlStatus.DISMISSED, "无")
    assert status_of(aml_branch, report_id) == "open"


# --- an outlet without a reviewer ----------------------------------------------------------------------------


def test_an_outlet_without_an_active_supervisor_has_its_reports_reviewed_by_the_admin(aml_branch: AmlBranch) -> None:
    set_staff(aml_branch.engine, "sup", active=False)
    report_id = aml_branch.file()
    [entry] = aml.to_review(aml_branch.ws("admin"))
    assert (entry.report.id, entry.report.text) == (report_id, MARK)
    assert aml.to_review(aml_branch.ws("supb")) == []  # another outlet's supervisor: never
    decided = aml.decide(aml_branch.ws("admin"), report_id, AmlStatus.REPORTED, "已报送反洗钱中心")
    assert decided.decided_by == aml_branch.staff["admin"].id


def test_a_supervisor_deactivated_after_the_filing_hands_the_report_to_the_admin_in_open_sessions(
    aml_branch: AmlBranch, second_engine: Engine
) -> None:
    """The supervisor's and the admin's sessions were open before the supervisor was deactivated (the admin's on
    an engine of its own, as a second SSH session): the supervisor's does nothing more; the admin's, unchanged,
    now reads and decides the report; a supervisor appointed afterwards takes it over from the admin."""
    report_id = aml_branch.file()
    sup_session = aml_branch.ws("sup")
    admin_session = session_on(second_engine, aml_branch, aml_branch.staff["admin"])
    assert [e.report.id for e in aml.to_review(sup_session)] == [report_id]
    assert aml.to_review(admin_session) == []
    with pytest.raises(AccessDenied):
        aml.get(admin_session, report_id)

    set_staff(aml_branch.engine, "sup", active=False)
    with pytest.raises(SessionEnded):
        aml.to_review(sup_session)
    with pytest.raises(SessionEnded):
        aml.get(sup_session, report_id)
    assert [e.report.id for e in aml.to_review(admin_session, open_only=True)] == [report_id]
    assert aml.get(admin_session, report_id).report.text == MARK

    with aml_branch.factory(write=True) as tx:  # a new supervisor for the outlet
        outlet = aml_branch.staff["wang"].outlet_id
        new = tx.staff.add(NewStaff(login="sup2", name="赵主管", role=Role.SUPERVISOR, outlet_id=outlet))
        tx.commit()
    with pytest.raises(AccessDenied):
        aml.decide(admin_session, report_id, AmlStatus.DISMISSED, "无")
    assert aml.to_review(admin_session) == []
    new_session = session_on(second_engine, aml_branch, new)
    aml.decide(new_session, report_id, AmlStatus.DISMISSED, "经核实为出售房产所得")
    assert status_of(aml_branch, report_id) == "dismissed"


def test_a_supervisor_moved_to_another_outlet_no_longer_reads_the_old_outlets_reports(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    session = aml_branch.ws("sup")
    set_staff(aml_branch.engine, "sup", outlet_id=aml_branch.staff["supb"].outlet_id)
    assert aml.to_review(session) == []
    with pytest.raises(AccessDenied):
        aml.decide(session, report_id, AmlStatus.DISMISSED, "无")
    assert [e.report.id for e in aml.to_review(aml_branch.ws("admin"))] == [report_id]  # outlet A has nobody now


def test_a_supervisor_deactivated_between_reading_and_deciding_decides_nothing(
    aml_branch: AmlBranch, second_engine: Engine
) -> None:
    """The decision is judged when it is made: the supervisor read the report, was deactivated by an import in
    another session, then pressed the decision — refused, the report still open for the admin."""
    report_id = aml_branch.file()
    session = session_on(second_engine, aml_branch, aml_branch.staff["sup"])
    assert aml.get(session, report_id).report.status is AmlStatus.OPEN
    set_staff(aml_branch.engine, "sup", active=False)
    with pytest.raises(SessionEnded):
        aml.decide(session, report_id, AmlStatus.DISMISSED, "无")
    assert status_of(aml_branch, report_id) == "open"
    assert [e.report.id for e in aml.to_review(aml_branch.ws("admin"), open_only=True)] == [report_id]


def test_with_the_admin_as_reviewer_and_no_active_admin_the_outlets_supervisors_review(aml_branch: AmlBranch) -> None:
    report_id = aml_branch.file()
    with pytest.raises(AccessDenied):
        aml.get(aml_branch.ws("sup", ADMIN_REVIEWS), report_id)
    set_staff(aml_branch.engine, "admin", active=False)
    [entry] = aml.to_review(aml_branch.ws("sup", ADMIN_REVIEWS))
    assert entry.report.id == report_id
    assert aml.to_review(aml_branch.ws("supb", ADMIN_REVIEWS)) == []
    aml.decide(aml_branch.ws("sup", ADMIN_REVIEWS), report_id, AmlStatus.REPORTED, "已上报")
    assert status_of(aml_branch, report_id) == "reported"


def test_a_supervisor_on_leave_today_hands_the_outlets_reports_to_the_admin_until_back(
    aml_branch: AmlBranch, clock: FrozenClock
) -> None:
    """Leave recorded through the leave service (the supervisor's own, no cover): while it lasts the supervisor reads
    and decides nothing, the admin (the policy's fallback) does; back at work the supervisor takes the report again."""
    sup = aml_branch.staff["sup"]
    record_leave(aml_branch.ws("sup"), sup.id, TODAY, TODAY + dt.timedelta(days=3), LeaveKind.ANNUAL)
    report_id = aml_branch.file()  # filed while the supervisor is away: someone reviews it
    assert aml.to_review(aml_branch.ws("sup")) == []
    with pytest.raises(AccessDenied):
        aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.DISMISSED, "无")
    assert [e.report.id for e in aml.to_review(aml_branch.ws("admin"), open_only=True)] == [report_id]
    assert aml.to_review(aml_branch.ws("supb")) == []  # another outlet's supervisor: never

    clock.set(dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC))  # Tuesday, back at work
    assert aml.to_review(aml_branch.ws("admin")) == []
    aml.decide(aml_branch.ws("sup"), report_id, AmlStatus.REPORTED, "已上报")
    assert status_of(aml_branch, report_id) == "reported"


def test_when_every_reviewer_is_on_leave_the_report_still_goes_to_them(aml_branch: AmlBranch) -> None:
    """The admin inactive, the outlet's only supervisor on leave: the report is not refused nor left to nobody."""
    set_staff(aml_branch.engine, "admin", active=False)
    record_leave(aml_branch.ws("sup"), aml_branch.staff["sup"].id, TODAY, TODAY, LeaveKind.SICK)
    report_id = aml_branch.file()
    assert [e.report.id for e in aml.to_review(aml_branch.ws("sup"))] == [report_id]


def test_a_supervisors_leave_names_no_cover(aml_branch: AmlBranch) -> None:
    sup = aml_branch.staff["sup"]
    with pytest.raises(DomainError, match="leave_supervisor_no_cover"):
        record_leave(aml_branch.ws("admin"), sup.id, TODAY, TODAY, LeaveKind.ANNUAL, aml_branch.staff["wang"].id)
    with pytest.raises(AccessDenied):  # another outlet's supervisor records no leave for this one
        record_leave(aml_branch.ws("supb"), sup.id, TODAY, TODAY, LeaveKind.ANNUAL)


@pytest.mark.parametrize(
    ("policy", "code", "named"),
    [(Policy(), "aml_no_reviewer", "合规"), (WITH_CONTACT, "aml_no_reviewer_call", "支行合规部王经理 021-6888 1234")],
)
def test_a_report_nobody_could_review_is_refused_with_whom_to_tell_and_nothing_is_stored(
    aml_branch: AmlBranch, policy: Policy, code: str, named: str
) -> None:
    set_staff(aml_branch.engine, "sup", active=False)
    set_staff(aml_branch.engine, "admin", active=False)
    with pytest.raises(DomainError) as refused:
        aml.file_report(aml_branch.ws("wang", policy), aml_branch.clients["张伟"], SIGNS, MARK)
    assert refused.value.code == code
    said = describe(refused.value)
    assert named in said and "5" in said, said
    set_language("en")
    said = describe(refused.value)
    assert "Nothing was filed" in said and ("compliance" in said or named in said), said
    with aml_branch.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM aml_reports")) == 0
    assert MARK not in audit_text(aml_branch.engine)
    set_staff(aml_branch.engine, "admin", active=True)  # someone can review again: the report goes in
    assert aml.file_report(aml_branch.ws("wang", policy), aml_branch.clients["张伟"], SIGNS, MARK).id > 0
