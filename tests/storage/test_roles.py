"""Issue 8: roles are enforced by the repositories themselves, whatever a screen shows or hides — on SQLite and
PostgreSQL. A CSM works with own clients, a supervisor with the team's, a 沃德 client manager with clients referred
to them, lobby managers and tellers only record referrals, an admin does everything (and alone writes staff,
outlets, products, clients from imports and balances)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from csm_tui.domain.appraisal import (
    NewGradeDecision,
    NewMysteryCheck,
    NewTrainingRecord,
    QuarterClose,
)
from csm_tui.domain.enums import (
    Disposition,
    ProductCategory,
    QualificationKind,
    ReferralKind,
    ReferralStatus,
    RiskRating,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import (
    DailyBalance,
    DaySummary,
    NewAppointment,
    NewClient,
    NewHolding,
    NewOutlet,
    NewProduct,
    NewStaff,
    ProductRead,
    Qualification,
)
from csm_tui.policy import Measure
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.ports import AccessDenied, SessionEnded
from csm_tui.services.rows import ClientFocus, DayWindow, ScoreWindow, Validity
from storage.access import Access
from storage.checklists import ChecklistRepository
from storage.importer import SqlImports
from storage.orm import StaffRow
from storage.repositories import ClientRepository, TaskRepository
from storage.score_records import SqlScoreRecords
from storage.score_views import SqlScoreViews
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from storage.views import SqlViews
from tests.support.roles_branch import (
    FULL,
    IDS,
    NOW,
    TODAY,
    Branch,
    Reader,
    assessment,
    build_branch,
    contact,
    referral,
    suitability,
    task,
)


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory) -> Branch:
    return build_branch(uow_factory)


# --- reading a client's records ----------------------------------------------------------------------------------

READERS: dict[str, Reader] = {
    "clients.get": lambda tx, b, k: tx.clients.get(b.clients[k]),
    "holdings.for_client": lambda tx, b, k: tx.holdings.for_client(b.clients[k]),
    "contacts.for_client": lambda tx, b, k: tx.contacts.for_client(b.clients[k]),
    "contacts.count": lambda tx, b, k: tx.contacts.count(b.clients[k], Disposition.BUSY, NOW, NOW),
    "tasks.open_for_client": lambda tx, b, k: tx.tasks.open_for_client(b.clients[k]),
    "tasks.get": lambda tx, b, k: tx.tasks.get(b.tasks[k]),
    "appointments.for_client": lambda tx, b, k: tx.appointments.for_client(b.clients[k], NOW),
    "assessments.latest": lambda tx, b, k: tx.assessments.latest(b.clients[k]),
    "assessments.history": lambda tx, b, k: tx.assessments.history(b.clients[k]),
    "suitability.for_client": lambda tx, b, k: tx.suitability.for_client(b.clients[k]),
    "sales.for_client": lambda tx, b, k: tx.sales.for_client(b.clients[k]),
    "sales.get": lambda tx, b, k: tx.sales.get(b.sales[k]),
    "referrals.for_client": lambda tx, b, k: tx.referrals.for_client(b.clients[k]),
    "balances.daily": lambda tx, b, k: tx.balances.daily(b.clients[k], TODAY, TODAY),
}


@pytest.mark.parametrize("reader", READERS)
def test_each_role_reads_exactly_the_clients_it_may_see_in_full(branch: Branch, reader: str) -> None:
    read = READERS[reader]
    for who, allowed in FULL.items():
        seen = set()
        with branch.uow(who) as tx:
            for key in branch.clients:
                try:
                    found = read(tx, branch, key)
                except AccessDenied:
                    continue
                assert found not in (None, []), (who, key)
                seen.add(key)
        assert seen == allowed, who


def test_everyone_sees_the_masked_summary_of_any_client(branch: Branch) -> None:
    for who in FULL:
        with branch.uow(who) as tx:
            for key, client_id in branch.clients.items():
                summary = tx.clients.summary(client_id)
                assert summary is not None and IDS[key] not in summary.masked_id and "****" in summary.masked_mobile


def test_a_wealth_manager_loses_the_client_when_the_referral_is_returned(branch: Branch) -> None:
    with branch.uow("wm", write=True) as tx:
        [open_one] = tx.referrals.open_to(branch.sid("wm"))
        tx.referrals.close(open_one.id or 0, ReferralStatus.RETURNED, "未达标", NOW)
        tx.commit()
    with branch.uow("wm") as tx, pytest.raises(AccessDenied):
        tx.clients.get(branch.clients["w"])


# --- writing a client's records ----------------------------------------------------------------------------------

Writer = Callable[[SqlUnitOfWork, Branch, int, int], Any]
WRITERS: dict[str, Writer] = {
    "contacts.add": lambda tx, b, c, m: tx.contacts.add(contact(c, m)),
    "tasks.add": lambda tx, b, c, m: tx.tasks.add(task(c, m, TaskKind.FOLLOW_UP)),
    "appointments.add": lambda tx, b, c, m: tx.appointments.add(NewAppointment(client_id=c, staff_id=m, starts_at=NOW)),
    "assessments.add": lambda tx, b, c, m: tx.assessments.add(assessment(c, m)),
    "suitability.add": lambda tx, b, c, m: tx.suitability.add(suitability(c, m, b.outlet, b.product)),
    "holdings.add": lambda tx, b, c, m: tx.holdings.add(
        NewHolding(client_id=c, product_id=b.product, amount=Decimal(5), start_date=TODAY)
    ),
    "clients.update": lambda tx, b, c, m: tx.clients.update(c, 1, note="改"),
    "clients.set_flags": lambda tx, b, c, m: tx.clients.set_flags(c, sms_opt_out=True),
}


# Writers of the client's record (``Access.require_client_record``) and contact flags (``require_client_calls``): the
# 沃德 client manager whose referral of the client is still open sees them in full but changes nothing of theirs
# until they accept it, and is told so.
RECORD_WRITERS = frozenset(
    {"assessments.add", "suitability.add", "clients.update", "holdings.add", "clients.set_flags"}
)


@pytest.mark.parametrize("writer", WRITERS)
def test_each_role_writes_only_for_the_clients_it_may_see_in_full(branch: Branch, writer: str) -> None:
    write = WRITERS[writer]
    for who, allowed in FULL.items():
        for key, client_id in branch.clients.items():
            open_referral = who == "wm" and writer in RECORD_WRITERS
            with branch.uow(who, write=True) as tx:
                try:
                    write(tx, branch, client_id, branch.sid(who))
                    written = True
                except AccessDenied:
                    written = False
                except DomainError as refused:
                    assert open_referral and refused.code == "wode_referral_open", (who, key)
                    written = False
                # nothing is committed: each attempt starts from the same branch
            assert written == (key in allowed and not open_referral), (who, key)


def test_closing_a_task_or_cancelling_a_sale_of_another_managers_client_is_refused(branch: Branch) -> None:
    with branch.uow("csm_a", write=True) as tx:
        with pytest.raises(AccessDenied):
            tx.tasks.close(branch.tasks["b"], TaskStatus.DONE, NOW)
        with pytest.raises(AccessDenied):
            tx.sales.cancel(branch.sales["b"], NOW)
        with pytest.raises(AccessDenied):
            tx.tasks.delete(branch.tasks["b"])
        with pytest.raises(AccessDenied):
            tx.clients.delete(branch.clients["a"])  # even one's own: clients leave with the bank's data
        tx.tasks.close(branch.tasks["a"], TaskStatus.DONE, NOW)  # own: fine


# --- admin only ----------------------------------------------------------------------------------------------------

ADMIN_WRITES: dict[str, Callable[[SqlUnitOfWork, Branch], Any]] = {
    "outlets.add": lambda tx, b: tx.outlets.add(NewOutlet(code="B99", name="新网点")),
    "staff.add": lambda tx, b: tx.staff.add(NewStaff(login="new01", name="新人", role=Role.ADMIN)),
    "products.add": lambda tx, b: tx.products.add(
        NewProduct(code="X1", name="新品", category=ProductCategory.FUND, issuer_rating=RiskRating.R5)
    ),
    "clients.add (import)": lambda tx, b: tx.clients.add(
        NewClient(number="C9", name="新客户", resident_id="110105197001010054", manager_id=b.sid("csm_b"))
    ),
    "staff.delete": lambda tx, b: tx.staff.delete(b.sid("teller")),
    "balances.record": lambda tx, b: tx.balances.record(
        [DailyBalance(client_id=b.clients["a"], day=TODAY + dt.timedelta(days=1), balance=Decimal(9))]
    ),
}


@pytest.mark.parametrize("action", ADMIN_WRITES)
def test_staff_outlets_products_imports_and_balances_are_the_admins(branch: Branch, action: str) -> None:
    # A manager may add a client of their own (csm_b, the new client's manager); importing is the admin's.
    allowed = {"admin", "csm_b"} if action == "clients.add (import)" else {"admin"}
    for who in FULL:
        with branch.uow(who, write=True) as tx:
            if who in allowed:
                ADMIN_WRITES[action](tx, branch)
            else:
                with pytest.raises(AccessDenied):
                    ADMIN_WRITES[action](tx, branch)


# --- referrals --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lobby", "teller"])
def test_lobby_and_tellers_record_referrals_and_nothing_else(branch: Branch, who: str) -> None:
    a, me = branch.clients["a"], branch.sid(who)
    with branch.uow(who, write=True) as tx:
        made = tx.referrals.add(referral(a, me, branch.sid("csm_a"), ReferralKind.WALK_IN))
        call = task(a, branch.sid("csm_a"), TaskKind.REFERRAL)
        with pytest.raises(AccessDenied):
            tx.tasks.add(call)  # a referral's call on no referral
        tx.tasks.add(call.model_copy(update={"origin": TaskOrigin.REFERRAL, "origin_id": made.id}))  # the CSM's queue
        with pytest.raises(AccessDenied):
            tx.referrals.add(referral(a, branch.sid("csm_b"), branch.sid("csm_a"), ReferralKind.WALK_IN))
        with pytest.raises(AccessDenied):
            tx.referrals.close(made.id or 0, ReferralStatus.ACCEPTED, "", NOW)  # only the receiving CSM
        with pytest.raises(AccessDenied):
            tx.contacts.add(contact(a, me))
        with pytest.raises(AccessDenied):
            tx.referrals.involving(branch.sid("csm_a"))
        assert [r.id for r in tx.referrals.involving(me)] == [made.id]
        tx.commit()
    with branch.uow("csm_a", write=True) as tx:
        tx.referrals.close(made.id or 0, ReferralStatus.ACCEPTED, "", NOW)
        tx.commit()


def test_supervisors_see_their_teams_referrals_only(branch: Branch) -> None:
    with branch.uow("sup2") as tx:
        assert len(tx.referrals.involving(branch.sid("csm_b"))) == 3  # two walk-ins to csm_b, one 沃德 by csm_b
        with pytest.raises(AccessDenied):
            tx.referrals.open_to(branch.sid("wm"))  # the 沃德 manager is in no one's team
    with branch.uow("sup1") as tx, pytest.raises(AccessDenied):
        tx.referrals.involving(branch.sid("csm_b"))
    with branch.uow("csm_a") as tx, pytest.raises(AccessDenied):
        tx.referrals.open_to(branch.sid("wm"))


# --- whose lists, scores and imports (storage.access decides; every store asks it) --------------------------------

DAY = DayWindow(
    day=TODAY, start=NOW - dt.timedelta(hours=2), end=NOW + dt.timedelta(hours=22), now=NOW,
    next_start=NOW + dt.timedelta(hours=22), next_end=NOW + dt.timedelta(hours=46), maturing_until=TODAY,
    contacted_since=NOW - dt.timedelta(days=7),
)  # fmt: skip
QUARTER = ScoreWindow(
    year=2026, quarter=4, start=dt.datetime(2026, 9, 30, 16, tzinfo=dt.UTC),
    end=dt.datetime(2026, 12, 31, 16, tzinfo=dt.UTC),
    now=NOW, first_day=dt.date(2026, 10, 1), last_day=TODAY, assets_before=None, assets_after=None,
    jiaoyin=Decimal(50_000), callback_days=7, recording_exempt=(), utc_offset_s=8 * 3600,
)  # fmt: skip
# Whose lists each role reads: own, a supervisor the team's, the admin everyone's.
ACTS_FOR = {
    "admin": set(FULL),
    "sup1": {"sup1", "csm_a"},
    "sup2": {"sup2", "csm_b"},
    **{who: {who} for who in ("csm_a", "csm_b", "wm", "lobby", "teller")},
}
# Whose scores each role sees: own, a supervisor the team's, the admin every CSM's; others have no scoreboard.
SCORES = {"admin": {"csm_a", "csm_b"}, "sup1": {"csm_a"}, "sup2": {"csm_b"}, "csm_a": {"csm_a"}, "csm_b": {"csm_b"}}
SCOREBOARD = set(SCORES)

ListReader = Callable[[SqlUnitOfWork, int], Any]
LIST_READERS: dict[str, ListReader] = {
    "views.sms_due": lambda tx, s: tx.views.sms_due(s, TODAY),
    "views.clients": lambda tx, s: tx.views.clients(s, "", 10),
    "views.clients_by_number": lambda tx, s: tx.views.clients_by_number(s, "13800138000", 10),
    "views.lookup_refusals": lambda tx, s: tx.views.lookup_refusals(s, NOW),
    "views.day_figures": lambda tx, s: tx.views.day_figures(s, DAY.start, DAY.end),
    "views.calls_made": lambda tx, s: tx.views.calls_made(s, DAY.start, DAY.end),
    "views.assessments_due": lambda tx, s: tx.views.assessments_due(s, TODAY, Validity(12, "Asia/Shanghai")),
    "views.checklist_counts": lambda tx, s: tx.views.checklist_counts([s], DAY),
    "views.shelf": lambda tx, s: tx.views.shelf(s, DAY),
    "views.agenda": lambda tx, s: tx.views.agenda(s, DAY),
    "views.clients_in_focus": lambda tx, s: tx.views.clients_in_focus(s, ClientFocus.MATURING_UNREACHED, DAY),
    "views.task_export": lambda tx, s: tx.views.task_export(s, False),
    "views.contact_export": lambda tx, s: tx.views.contact_export(s, NOW),
    "checklists.marks": lambda tx, s: tx.checklists.marks(s, TODAY),
    "checklists.summary": lambda tx, s: tx.checklists.summary(s, TODAY),
    "product_reads.of": lambda tx, s: tx.product_reads.of(s),
    "appointments.between": lambda tx, s: tx.appointments.between(s, NOW, NOW + dt.timedelta(days=2)),
    "referrals.involving": lambda tx, s: tx.referrals.involving(s),
    "referrals.open_to": lambda tx, s: tx.referrals.open_to(s),
}


@pytest.mark.parametrize("reader", LIST_READERS)
def test_each_role_reads_exactly_the_lists_it_may_act_for(branch: Branch, reader: str) -> None:
    read = LIST_READERS[reader]
    for who, allowed in ACTS_FOR.items():
        read_for = set()
        with branch.uow(who) as tx:
            for whose in FULL:
                try:
                    read(tx, branch.sid(whose))
                except AccessDenied:
                    continue
                read_for.add(whose)
        assert read_for == allowed, who


OwnWriter = Callable[[SqlUnitOfWork, Branch, int], Any]
OWN_WRITERS: dict[str, OwnWriter] = {
    "checklists.set_mark": lambda tx, b, s: tx.checklists.set_mark(s, TODAY, "morning", NOW, ticked=True),
    "checklists.save_summary": lambda tx, b, s: tx.checklists.save_summary(
        s, TODAY, DaySummary(text="好", figures={}, saved_at=NOW)
    ),
    "product_reads.record": lambda tx, b, s: tx.product_reads.record(
        s, [ProductRead(product_id=b.product, fingerprint="f", read_at=NOW)]
    ),
}


@pytest.mark.parametrize("writer", OWN_WRITERS)
def test_a_checklist_and_products_read_are_written_by_their_owner_alone(branch: Branch, writer: str) -> None:
    for who in FULL:
        for whose in FULL:
            with branch.uow(who, write=True) as tx:
                try:
                    OWN_WRITERS[writer](tx, branch, branch.sid(whose))
                    written = True
                except AccessDenied:
                    written = False
            assert written == (who == whose), (who, whose)


def test_each_role_sees_exactly_the_scores_it_may_see(branch: Branch) -> None:
    for who in FULL:
        seen = set()
        with branch.uow(who) as tx:
            rows = {row.login: row for row in tx.score_views.csms()}
            assert set(rows) == {"csm_a", "csm_b"}  # the roster is the branch's
            visible = {login for login, row in rows.items() if tx.score_views.visible(row)}
            for csm in rows:
                try:
                    tx.score_views.records(branch.sid(csm), Measure.CALLS_VS_TARGET, QUARTER)
                except AccessDenied:
                    continue
                seen.add(csm)
        assert seen == visible == SCORES.get(who, set()), who


ScoreReader = Callable[[SqlUnitOfWork, Branch], Any]
BRANCH_SCORES: dict[str, ScoreReader] = {
    "score_views.quarter_raw": lambda tx, b: tx.score_views.quarter_raw(QUARTER, [b.sid("csm_a"), b.sid("csm_b")]),
    "scores.grade_decisions": lambda tx, b: tx.scores.grade_decisions(2026),
    "scores.closed": lambda tx, b: tx.scores.closed(2026, 3),
    "scores.snapshots": lambda tx, b: tx.scores.snapshots(2026, 3),
    "scores.keep_averages": lambda tx, b: tx.scores.keep_averages(TODAY, TODAY),
}


@pytest.mark.parametrize("reader", BRANCH_SCORES)
def test_the_branchs_scores_are_read_by_those_with_a_scoreboard_only(branch: Branch, reader: str) -> None:
    for who in FULL:
        with branch.uow(who, write=True) as tx:
            if who in SCOREBOARD:
                BRANCH_SCORES[reader](tx, branch)
            else:
                with pytest.raises(AccessDenied):
                    BRANCH_SCORES[reader](tx, branch)


Appraisal = Callable[[SqlUnitOfWork, int, int], Any]
APPRAISALS: dict[str, tuple[Appraisal, dict[str, set[str]]]] = {
    "scores.add_mystery_check": (
        lambda tx, csm, me: tx.scores.add_mystery_check(
            NewMysteryCheck(staff_id=csm, checked_by=me, year=2026, quarter=4, checked_on=TODAY, score=90)
        ),
        {"sup1": {"csm_a"}, "sup2": {"csm_b"}},
    ),
    "scores.decide_grade": (
        lambda tx, csm, me: tx.scores.decide_grade(
            NewGradeDecision(staff_id=csm, year=2026, reason="违规", decided_by=me, decided_at=NOW)
        ),
        {"sup1": {"csm_a"}, "sup2": {"csm_b"}},
    ),
    "scores.add_training": (
        lambda tx, csm, me: tx.scores.add_training(
            NewTrainingRecord(staff_id=csm, day=TODAY, minutes=60, topic="反洗钱", recorded_by=me)
        ),
        {"admin": {"csm_a", "csm_b"}},
    ),
    "scores.add_qualification": (
        lambda tx, csm, me: tx.scores.add_qualification(
            csm, Qualification(kind=QualificationKind.FUND, number="F1", obtained_on=TODAY)
        ),
        {"admin": {"csm_a", "csm_b"}},
    ),
}


@pytest.mark.parametrize("action", APPRAISALS)
def test_appraisal_records_are_written_by_the_csms_supervisor_or_the_admin_as_the_rule_says(
    branch: Branch, action: str
) -> None:
    write, allowed = APPRAISALS[action]
    for who in FULL:
        for csm in ("csm_a", "csm_b"):
            with branch.uow(who, write=True) as tx:
                try:
                    write(tx, branch.sid(csm), branch.sid(who))
                    written = True
                except AccessDenied:
                    written = False
            assert written == (csm in allowed.get(who, set())), (who, csm)


def test_appraisal_records_are_written_in_ones_own_name_only(branch: Branch) -> None:
    a, other = branch.sid("csm_a"), branch.sid("sup2")
    with branch.uow("sup1", write=True) as tx:
        with pytest.raises(AccessDenied):
            tx.scores.add_mystery_check(
                NewMysteryCheck(staff_id=a, checked_by=other, year=2026, quarter=4, checked_on=TODAY, score=90)
            )
        with pytest.raises(AccessDenied):
            tx.scores.decide_grade(
                NewGradeDecision(staff_id=a, year=2026, reason="违规", decided_by=other, decided_at=NOW)
            )
        with pytest.raises(AccessDenied):
            tx.scores.close(QuarterClose(year=2026, quarter=3, closed_at=NOW, closed_by=other), [])
    for who in FULL:
        with branch.uow(who, write=True) as tx:
            closing = QuarterClose(year=2026, quarter=3, closed_at=NOW, closed_by=branch.sid(who))
            if who in ("sup1", "sup2"):
                tx.scores.close(closing, [])
            else:
                with pytest.raises(AccessDenied):
                    tx.scores.close(closing, [])


IMPORT_CALLS: dict[str, Callable[[Any], Any]] = {
    "staff": lambda store: store.staff(),
    "loads": lambda store: store.loads(),
    "codes": lambda store: store.codes("clients"),
    "existing": lambda store: store.existing(ImportKind.CLIENTS),
    "write": lambda store: store.write(ImportKind.CLIENTS, [], [], lambda _: None),
    "lock_balances": lambda store: store.lock_balances(),
    "spans": lambda store: store.spans(0, 10, TODAY, TODAY),
    "replace_spans": lambda store: store.replace_spans([], []),
    "set_assets": lambda store: store.set_assets([]),
}


def test_the_import_store_answers_the_admin_alone_even_when_built_directly(branch: Branch) -> None:
    for who in FULL:
        with branch.uow(who, write=True) as tx:
            if who == "admin":
                for call in IMPORT_CALLS.values():
                    call(tx.imports)
                continue
            with pytest.raises(AccessDenied):
                tx.imports  # noqa: B018
            store = object.__new__(SqlImports)  # built past its constructor's check: every method still asks
            store.session, store.access = tx.session, tx.access
            for name, call in IMPORT_CALLS.items():
                with pytest.raises(AccessDenied):
                    call(store)
                assert name


# --- from the hostile side: stores built directly, for the wrong staff member ------------------------------------


def _stores(session: Session, access: Access) -> dict[str, Any]:
    return {
        "clients": ClientRepository(session, access),
        "tasks": TaskRepository(session, access),
        "views": SqlViews(session, access),
        "checklists": ChecklistRepository(session, access),
        "scores": SqlScoreViews(session, access),
        "records": SqlScoreRecords(session, access),
    }


def test_stores_built_directly_for_another_staff_member_refuse_what_that_one_may_not_do(branch: Branch) -> None:
    with branch.uow("admin") as tx:  # the admin's session, but stores acting for csm_a
        stores = _stores(tx.session, Access(tx.session, branch.staff["csm_a"]))
        with pytest.raises(AccessDenied):
            stores["clients"].get(branch.clients["b"])
        with pytest.raises(AccessDenied):
            stores["tasks"].get(branch.tasks["b"])
        with pytest.raises(AccessDenied):
            stores["views"].task_export(branch.sid("csm_b"), False)
        with pytest.raises(AccessDenied):
            stores["checklists"].marks(branch.sid("csm_b"), TODAY)
        with pytest.raises(AccessDenied):
            stores["scores"].records(branch.sid("csm_b"), Measure.CALLS_VS_TARGET, QUARTER)
        with pytest.raises(AccessDenied):
            stores["records"].add_mystery_check(  # a CSM appraising themself
                NewMysteryCheck(
                    staff_id=branch.sid("csm_a"), checked_by=branch.sid("csm_a"), year=2026, quarter=4,
                    checked_on=TODAY, score=90,
                )
            )  # fmt: skip
        assert stores["clients"].get(branch.clients["a"]).number == "C0"  # own: fine


def test_a_deactivated_staff_member_may_do_nothing_even_through_stores_built_directly(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        tx.session.execute(update(StaffRow).where(StaffRow.login == "csm_a").values(active=False))
        tx.commit()
    with pytest.raises(SessionEnded), branch.uow("csm_a"):
        pass
    gone = branch.staff["csm_a"].model_copy(update={"active": False})
    with branch.uow("admin") as tx:
        stores = _stores(tx.session, Access(tx.session, gone))
        me = branch.sid("csm_a")
        for read in (
            lambda: stores["clients"].get(branch.clients["a"]),  # once their own client
            lambda: stores["tasks"].get(branch.tasks["a"]),
            lambda: stores["views"].task_export(me, False),
            lambda: stores["checklists"].marks(me, TODAY),
            lambda: stores["checklists"].set_mark(me, TODAY, "morning", NOW, ticked=True),
            lambda: stores["scores"].records(me, Measure.CALLS_VS_TARGET, QUARTER),
            lambda: stores["scores"].quarter_raw(QUARTER, [me]),
        ):
            with pytest.raises(AccessDenied):
                read()


# --- a client's visibility is read once per unit of work ----------------------------------------------------------


def test_a_clients_visibility_is_read_once_per_unit_of_work(branch: Branch) -> None:
    statements: list[str] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = branch.system.engine
    event.listen(engine, "before_cursor_execute", spy)
    try:
        with branch.uow("sup1") as tx:
            a = branch.clients["a"]
            for _ in range(3):
                tx.holdings.for_client(a)
                tx.contacts.for_client(a)
                tx.assessments.latest(a)
                tx.sales.for_client(a)
            asked = [s for s in statements if "clients.manager_id" in s and "FROM clients" in s]
            supervisor = [s for s in statements if s.startswith("SELECT staff.supervisor_id")]
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert len(asked) == 1 and len(supervisor) == 1, statements


def test_a_client_given_up_in_a_unit_of_work_is_not_seen_later_in_it(branch: Branch) -> None:
    with branch.uow("wm", write=True) as tx:
        assert tx.clients.get(branch.clients["w"]).number == "C2"  # referred: seen in full, and remembered
        [open_one] = tx.referrals.open_to(branch.sid("wm"))
        tx.referrals.close(open_one.id or 0, ReferralStatus.RETURNED, "未达标", NOW)
        with pytest.raises(AccessDenied):
            tx.clients.get(branch.clients["w"])


def test_the_branchs_facts_are_set_and_the_audit_log_read_by_the_admin_alone(branch: Branch) -> None:
    for who in FULL:
        with branch.uow(who, write=True) as tx:
            assert tx.meta.get("is_demo") is None  # anyone reads the facts
            tx.audit.record("probe")  # anyone's actions are recorded
            if who == "admin":
                tx.meta.set("data_as_of", "2026-11-25")
                assert tx.audit.recent(1)[0].action == "probe"
                continue
            with pytest.raises(AccessDenied):
                tx.meta.set("data_as_of", "2026-11-25")
            with pytest.raises(AccessDenied):
                tx.audit.recent(1)


def test_one_staff_members_count_of_an_action_is_read_by_whoever_may_act_for_them(branch: Branch) -> None:
    for who, allowed in ACTS_FOR.items():
        counted = set()
        with branch.uow(who) as tx:
            for whose in FULL:
                try:
                    tx.audit.count("probe", branch.sid(whose), NOW)
                except AccessDenied:
                    continue
                counted.add(whose)
        assert counted == allowed, who
