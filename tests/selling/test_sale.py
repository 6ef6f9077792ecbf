"""Recording what the suitability wizard decided (``csm_tui.services.selling.attempts``) on SQLite and PostgreSQL.

``assess`` stores an assessment whole, within the legal limits; ``record`` writes one suitability record per attempt
and, for a sale, the sale, the holding and the 回访 task (with a supervisor's review for a client of 65 or more buying
high risk) in one transaction, refusing what the rules forbid or what the client has not confirmed;
``cancel_in_cooling_off`` takes a private placement back whole and adds a record correcting the original one; the
report for the client's signature is a UTF-8 HTML file only its owner reads. Every write is in the audit log with the
acting staff id.

The clock stands on Friday 27 November 2026, 10:00 in Shanghai (02:00Z); the next working day is Monday 30 November.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from csm_tui.domain.enums import (
    HoldingStatus,
    ProductCategory,
    QualificationKind,
    RiskLevel,
    RiskRating,
    Role,
    SuitabilityOutcome,
    TaskKind,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import (
    NewProduct,
    NewStaff,
    NewTask,
    Qualification,
    SuitabilityRecord,
    Task,
)
from csm_tui.i18n import explain, set_language, t
from csm_tui.rules import suitability as rules
from csm_tui.services.phrase_check import PHRASES_CONFIRMED, PHRASES_REFUSED, ForbiddenPhrases, PhrasesConfirmed
from csm_tui.services.ports import AccessDenied, StorageFailure
from csm_tui.services.selling import attempts
from csm_tui.services.selling.attempts import Confirmations
from storage import audit
from storage.orm import AuditRow, SaleRow, StaffRow
from storage.repositories import TaskRepository
from tests.support.selling_branch import (
    BASIC,
    BLOCKED,
    CANCELLED,
    ELDERLY_BORN,
    EVERYTHING,
    MONDAY,
    NOW,
    PRIVATE,
    QUALIFIED,
    RECORDED,
    SCORES,
    SHANGHAI,
    SOLD,
    TODAY,
    TZ,
    YOUNG_BORN,
    Branch,
    answers,
    assess,
    attempt,
    audit_after,
    enrich,
    last_audit_id,
    queued,
    resident_id,
    rows,
    tables,
)
from widgets import signature_page
from widgets.failures import access_refusal
from widgets.suitability_checks import check_reason, check_title

# --- 1. assess -----------------------------------------------------------------------------------------------


def test_assess_stores_the_assessment_whole(branch: Branch) -> None:
    ws = branch.ws()
    saved = assess(ws, branch.young, RiskLevel.C3)
    with branch.system() as tx:
        (stored,) = tx.assessments.history(branch.young)
    assert stored == saved
    assert stored.answers == answers(RiskLevel.C3)
    assert (stored.score, stored.level, stored.lowest_category) == (SCORES[RiskLevel.C3], RiskLevel.C3, False)
    assert (stored.staff_id, stored.client_id, stored.taken_at) == (branch.csm.id, branch.young, NOW)
    assert stored.valid_until == dt.date(2027, 11, 27) and stored.face_to_face
    # A later one need not be face to face; the status then shows the latest.
    again = assess(ws, branch.young, RiskLevel.C4, face_to_face=False)
    assert not again.face_to_face and again.level is RiskLevel.C4
    status = attempts.context(ws, branch.young).status
    assert status.latest == again and status.valid and not status.first and status.taken_today == 2


def test_the_first_assessment_must_be_face_to_face_and_a_refusal_writes_nothing(branch: Branch) -> None:
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        assess(branch.ws(), branch.young, RiskLevel.C3, face_to_face=False)
    assert refused.value.code == "first_face_to_face"
    assert tables(branch.engine) == before


def test_a_third_assessment_in_the_branch_day_is_refused_until_local_midnight(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    assess(ws, branch.young, RiskLevel.C3)
    branch.clock.set(dt.datetime(2026, 11, 27, 23, 59, 59, tzinfo=SHANGHAI))  # still Friday in the branch
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        assess(ws, branch.young, RiskLevel.C4)
    assert refused.value.code == "assess_limit_day"
    assert refused.value.params == {}
    assert tables(branch.engine) == before
    assess(ws, branch.elderly, RiskLevel.C4)  # each client has their own limit
    branch.clock.set(dt.datetime(2026, 11, 28, 0, 0, tzinfo=SHANGHAI))  # Saturday in the branch: 16:00Z on Friday
    assert assess(ws, branch.young, RiskLevel.C4).level is RiskLevel.C4


def test_another_csms_client_cannot_be_assessed(branch: Branch) -> None:
    before = tables(branch.engine)
    with pytest.raises(AccessDenied):
        assess(branch.ws(), branch.theirs, RiskLevel.C3)
    assert tables(branch.engine) == before


# --- 2. record -----------------------------------------------------------------------------------------------


def test_a_sale_writes_the_record_the_sale_the_holding_and_the_service_callback_in_one_commit(
    branch: Branch, commits: list[int]
) -> None:
    ws = branch.ws()
    assessment = assess(ws, branch.young, RiskLevel.C3)
    tried = attempt(ws, branch.young, "W2", "50000", RECORDED)
    assert tried.verdict.allowed and tried.verdict.dual_recording and not tried.verdict.extra_care
    before = {name: len(found) for name, found in tables(branch.engine).items()}
    commits.clear()

    done = attempts.record(ws, tried, SOLD)

    assert len(commits) == 1
    after = tables(branch.engine)
    grown = {name: len(found) - before[name] for name, found in after.items() if len(found) != before[name]}
    assert grown == {
        "suitability_records": 1, "sales": 1, "holdings": 1, "tasks": 1, "audit_events": 4,
        "score_tallies": 2,  # the scoreboard's tallies of the CSM's day: the sale and its 回访 to come
    }  # fmt: skip
    (record,) = after["suitability_records"]
    (sold,) = after["sales"]
    (holding,) = after["holdings"]
    (callback,) = after["tasks"]
    w2 = tried.product
    assert record["id"] == done.record.id and sold["id"] == (done.sale.id if done.sale else None)
    assert (record["outcome"], record["client_id"], record["staff_id"], record["outlet_id"]) == (
        "sold", branch.young, branch.csm.id, branch.outlet.id,
    )  # fmt: skip
    assert (record["product_id"], record["amount_fen"], record["assessment_id"]) == (
        w2.id,
        Decimal("50000"),
        assessment.id,
    )
    assert record["recording_ref"] == "REC-0001" and record["corrects_id"] is None and record["created_at"] == NOW
    assert sold["suitability_id"] == record["id"] and sold["sold_at"] == NOW and sold["amount_fen"] == Decimal("50000")
    assert sold["cooling_off_until"] is None and sold["cancelled_at"] is None
    assert (holding["sale_id"], holding["status"], holding["product_id"]) == (sold["id"], "active", w2.id)
    assert holding["start_date"] == TODAY and holding["maturity_date"] == TODAY + dt.timedelta(days=63)
    assert holding["maturity_date"] == dt.date(2027, 1, 29) and holding["amount_fen"] == Decimal("50000")
    assert (callback["kind"], callback["origin"], callback["origin_id"]) == ("service_callback", "sale", sold["id"])
    assert (callback["due_on"], callback["staff_id"], callback["status"]) == (MONDAY, branch.csm.id, "open")
    assert branch.stored(record["id"]) == done.record


def test_the_record_holds_the_decision_as_it_stood_without_full_id_or_mobile(branch: Branch) -> None:
    ws = branch.ws()
    assessment = assess(ws, branch.young, RiskLevel.C3)
    done = attempts.record(ws, attempt(ws, branch.young, "W2", "50000", RECORDED), SOLD)
    detail = branch.stored(done.record.id or 0).detail
    raw = json.dumps(rows(branch.engine, "suitability_records")[0]["detail"], ensure_ascii=False)
    full_id = resident_id(YOUNG_BORN)
    assert full_id not in raw and full_id[6:14] not in raw  # not even the birth date
    assert "139123456" not in raw and "mobile" not in raw
    assert detail["client"] == {
        "number": "C00000", "name": "张伟", "masked_id": f"{full_id[:6]}********{full_id[-4:]}", "age": 40,
        "avg_3m": "500000.00", "balance": "500000.00", "civil_capacity": True,
    }  # fmt: skip
    assert detail["assessment"] == {
        "id": assessment.id, "taken_at": NOW.isoformat(), "level": "C3", "score": 72, "valid_until": "2027-11-27",
        "lowest_category": False,
    }  # fmt: skip
    assert detail["product"] == {"code": "W2", "name": "稳享 63 天", "category": "wealth", "rating": "R2"}
    assert detail["amount"] == "50000.00"
    assert [c["code"] for c in detail["checks"]] == list(rules.CHECK_CODES)
    assert all(c["passed"] and c["reason"].startswith(c["code"] + ".") for c in detail["checks"])
    assert (detail["insisted"], detail["extra_care"], detail["dual_recording"]) == (False, False, True)
    assert detail["confirmations"] == dataclasses.asdict(RECORDED)
    assert detail["salesperson"] == {"login": "csm01", "name": "王芳", "qualifications": ["fund", "wealth_basic"]}


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), OperationalError("INSERT", {}, Exception("gone"))])
def test_a_sale_failing_half_way_writes_nothing_at_all(
    branch: Branch, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    tried = attempt(ws, branch.young, "W2", "50000", RECORDED)
    before = tables(branch.engine)
    written_first: list[int] = []

    def failing_add(self: TaskRepository, item: Task) -> Task:
        written_first.append(self.session.scalar(select(func.count()).select_from(SaleRow)) or 0)
        raise failure

    monkeypatch.setattr(TaskRepository, "add", failing_add)
    with pytest.raises(StorageFailure if isinstance(failure, OperationalError) else RuntimeError):
        attempts.record(ws, tried, SOLD)
    assert written_first == [1]  # the sale was in the transaction when the task failed
    assert tables(branch.engine) == before


def test_missing_confirmations_are_named_and_nothing_is_written(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    before = tables(branch.engine)
    cases = [
        ("W2", Confirmations(), "disclosure_shown, documents_read, sentence_copied, recording_ref"),
        ("W2", BASIC, "recording_ref"),
        ("W2", dataclasses.replace(BASIC, recording_ref="   "), "recording_ref"),
        ("W2", dataclasses.replace(RECORDED, documents_read=False), "documents_read"),
        ("B1", Confirmations(), "disclosure_shown, documents_read, sentence_copied"),  # no 双录 for a bond
        ("B1", dataclasses.replace(BASIC, sentence_copied=False), "sentence_copied"),
    ]
    for code, confirmed, missing in cases:
        tried = attempt(ws, branch.young, code, "20000", confirmed)
        assert tried.verdict.allowed
        with pytest.raises(DomainError) as refused:
            attempts.record(ws, tried, SOLD)
        assert refused.value.code == "confirmations_missing", code
        assert ", ".join(getattr(refused.value, "names", ())) == missing, code
        assert tables(branch.engine) == before
    bond = attempt(ws, branch.young, "B1", "20000", BASIC)  # a bond needs no recording reference
    assert not bond.verdict.dual_recording
    done = attempts.record(ws, bond, SOLD)
    assert done.sale is not None and done.record.recording_ref == ""


def test_a_sale_the_rules_forbid_is_refused_even_when_everything_is_confirmed(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    for code, amount, failed in [
        ("W4", "50000", "level"),
        ("W2", "9999.99", "min_amount"),
        ("W2", "400000.01", "proportion"),
    ]:
        tried = attempt(ws, branch.young, code, amount, EVERYTHING)
        assert not tried.verdict.allowed and [c.code for c in tried.verdict.failed] == [failed]
        before = tables(branch.engine)
        with pytest.raises(DomainError) as refused:
            attempts.record(ws, tried, SOLD)
        assert refused.value.code == "sale_blocked"
        assert tables(branch.engine) == before
    # Recording the attempt as blocked writes the record and nothing else.
    blocked = attempt(ws, branch.young, "W4", "50000")
    sizes = {name: len(found) for name, found in tables(branch.engine).items()}
    done = attempts.record(ws, blocked, BLOCKED)
    after = tables(branch.engine)
    grown = {name: len(found) - sizes[name] for name, found in after.items() if len(found) != sizes[name]}
    assert grown == {"suitability_records": 1, "audit_events": 1}
    assert done.sale is None and done.record.outcome is BLOCKED
    (level,) = [c for c in branch.stored(done.record.id or 0).detail["checks"] if not c["passed"]]
    assert (level["code"], level["reason"], level["params"]["rating"], level["params"]["level"]) == (
        "level", "level.fail", "R4", "C3",
    )  # fmt: skip


def test_another_csm_cannot_record_an_attempt_for_our_client(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    tried = attempt(ws, branch.young, "W2", "50000", RECORDED)
    before = tables(branch.engine)
    for outcome in (SOLD, BLOCKED):
        with pytest.raises(AccessDenied):
            attempts.record(branch.ws(branch.other), tried, outcome)
    assert tables(branch.engine) == before


def test_a_verdict_gone_stale_before_recording_is_refused(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        tx.products.add(
            NewProduct(
                code="W2L",
                name="稳享 末日",
                category=ProductCategory.WEALTH,
                issuer_rating=RiskRating.R2,
                sale_end=TODAY,
                term_days=30,
            )
        )
        tx.commit()
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    branch.clock.set(dt.datetime(2026, 11, 27, 23, 59, 30, tzinfo=SHANGHAI))
    tried = attempt(ws, branch.young, "W2L", "50000", RECORDED)
    assert tried.verdict.allowed
    branch.clock.set(dt.datetime(2026, 11, 28, 0, 0, 30, tzinfo=SHANGHAI))  # the product is no longer on sale
    assert not tried.product.on_sale(ws.time.today())
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, tried, SOLD)
    assert refused.value.code == "sale_blocked"
    assert tables(branch.engine) == before


@pytest.mark.parametrize("outcome", [SOLD, SuitabilityOutcome.REFUSED])
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_supervisor_or_the_admin_with_every_certificate_is_refused_as_not_permitted_and_nothing_is_written(
    branch: Branch, role: Role, outcome: SuitabilityOutcome
) -> None:
    """Client managers sell; a supervisor reviews and the admin runs the data, whatever certificates they hold. The
    service refuses them up front with the permission refusal ("无权销售…"), not the suitability one: no record in
    their name (not even a blocked one, which would stay 20 years), no sale, no audit entry."""
    licences = tuple(
        Qualification(kind=kind, number=f"Q-{kind.value}", obtained_on=dt.date(2020, 3, 1))
        for kind in QualificationKind
    )
    with branch.system(write=True) as tx:
        seller = tx.staff.add(
            NewStaff(login="boss", name="钱主任", role=role, outlet_id=branch.outlet.id, qualifications=licences)
        )
        tx.session.execute(update(StaffRow).where(StaffRow.id == branch.csm.id).values(supervisor_id=seller.id))
        tx.commit()
    assess(branch.ws(), branch.young, RiskLevel.C3)
    ws = branch.ws(seller)
    tried = attempt(ws, branch.young, "W2", "50000", RECORDED)  # they see the client in full: their team's, or all
    before = tables(branch.engine)
    with pytest.raises(AccessDenied) as refused:
        attempts.record(ws, tried, outcome)
    set_language("zh_CN")
    said = access_refusal(refused.value)
    assert said == t("access.sale") and said.startswith("无权") and said != explain(DomainError("sale_blocked"))
    assert tables(branch.engine) == before


def test_a_csm_made_supervisor_after_signing_in_is_refused_as_the_role_now_stands(branch: Branch) -> None:
    assess(branch.ws(), branch.young, RiskLevel.C3)
    ws = branch.ws()
    tried = attempt(ws, branch.young, "W2", "50000", RECORDED)
    with branch.system(write=True) as tx:
        made = update(StaffRow).where(StaffRow.id == branch.csm.id).values(role=Role.SUPERVISOR, grade=None)
        tx.session.execute(made)
        tx.commit()
    before = tables(branch.engine)
    with pytest.raises(AccessDenied):
        attempts.record(ws, tried, SOLD)
    assert tables(branch.engine) == before


# --- 3. a client of 65 or more buying high risk ----------------------------------------------------------------


@pytest.mark.parametrize("level", [RiskLevel.C4, RiskLevel.C5])
def test_a_client_of_70_buying_r4_needs_extra_care_and_gets_a_supervisor_review(
    branch: Branch, level: RiskLevel
) -> None:
    ws = branch.ws()
    assess(ws, branch.elderly, level)
    tried = attempt(ws, branch.elderly, "W4", "50000", RECORDED)
    assert tried.ctx.client.age_on(TODAY) == 70  # from the ID number and the clock
    v = tried.verdict
    assert v.allowed and v.extra_care and v.dual_recording and not v.insisted
    assert v.check("elderly") == rules.Check("elderly", True, "elderly.extra_care", {"age": "70", "rating": "R4"})
    assert tried.confirmations.missing(v) == ["elderly_warning"]
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, tried, SOLD)
    assert getattr(refused.value, "names", ()) == ("elderly_warning",)
    assert tables(branch.engine) == before
    without_recording = dataclasses.replace(BASIC, elderly_warning=True)
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, dataclasses.replace(tried, confirmations=without_recording), SOLD)
    assert getattr(refused.value, "names", ()) == ("recording_ref",)

    confirmed = dataclasses.replace(RECORDED, elderly_warning=True)
    done = attempts.record(ws, dataclasses.replace(tried, confirmations=confirmed), SOLD)
    assert done.sale is not None
    tasks = {r["kind"]: r for r in rows(branch.engine, "tasks")}
    assert set(tasks) == {"service_callback", "review"}
    review = tasks["review"]
    assert (review["staff_id"], review["client_id"], review["due_on"], review["status"]) == (
        branch.supervisor.id, branch.elderly, TODAY, "open",
    )  # fmt: skip
    assert (review["origin"], review["origin_id"], review["created_at"]) == ("sale", done.sale.id, NOW)
    assert tasks["service_callback"]["staff_id"] == branch.csm.id
    detail = branch.stored(done.record.id or 0).detail
    assert detail["extra_care"] and detail["client"]["age"] == 70 and detail["confirmations"]["elderly_warning"]
    assert (detail["assessment"]["level"], detail["assessment"]["score"]) == (level.code, SCORES[level])


def test_a_client_of_70_buying_below_r4_needs_no_extra_care(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.elderly, RiskLevel.C4)
    done = attempts.record(ws, attempt(ws, branch.elderly, "B1", "20000", BASIC), SOLD)
    assert not branch.stored(done.record.id or 0).detail["extra_care"]
    assert [r["kind"] for r in rows(branch.engine, "tasks")] == ["service_callback"]


# --- 4. the insisted path ----------------------------------------------------------------------------------------


def test_a_fund_above_the_clients_level_goes_by_the_insisted_path_a_wealth_product_is_blocked(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    fund = attempt(ws, branch.young, "F4", "50000", RECORDED)
    v = fund.verdict
    assert v.allowed and v.insisted and v.dual_recording and not v.extra_care
    assert [(c.code, c.reason_key) for c in v.failed] == [("level", "level.insisted")]
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, fund, SOLD)
    assert getattr(refused.value, "names", ()) == ("insisted_warning",)
    assert tables(branch.engine) == before

    insisted = dataclasses.replace(RECORDED, insisted_warning=True)
    done = attempts.record(ws, dataclasses.replace(fund, confirmations=insisted), SOLD)
    assert done.sale is not None
    detail = branch.stored(done.record.id or 0).detail
    assert detail["insisted"] and detail["confirmations"]["insisted_warning"]
    assert [c["code"] for c in detail["checks"] if not c["passed"]] == ["level"]
    assert len(rows(branch.engine, "holdings")) == 1

    wealth = attempt(ws, branch.young, "W4", "50000", EVERYTHING)
    assert not wealth.verdict.allowed and not wealth.verdict.insisted
    assert wealth.verdict.check("level").reason_key == "level.fail"
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.record(ws, wealth, SOLD)
    assert refused.value.code == "sale_blocked"
    assert tables(branch.engine) == before


# --- 5. private placement: the cooling-off period ---------------------------------------------------------------


def sell_private(branch: Branch) -> attempts.Recorded:
    ws = branch.ws()
    enrich(branch, branch.young)
    if not attempts.context(ws, branch.young).status.valid:
        assess(ws, branch.young, RiskLevel.C3)
    tried = attempt(ws, branch.young, "PP3", PRIVATE, dataclasses.replace(QUALIFIED, still_holds=True))
    assert tried.verdict.allowed and tried.verdict.cooling_off_hours == 24
    done = attempts.record(ws, tried, SOLD)
    assert done.sale is not None
    return done


def test_a_private_placement_keeps_the_client_out_of_the_queue_for_24_hours(branch: Branch) -> None:
    ws = branch.ws()
    with branch.system(write=True) as tx:  # a reason to phone the client today
        tx.tasks.add(
            NewTask(client_id=branch.young, staff_id=branch.csm.id or 0, kind=TaskKind.FOLLOW_UP, due_on=TODAY,
                 created_at=NOW - dt.timedelta(days=3))
        )  # fmt: skip
        tx.commit()
    assert branch.young in queued(ws)
    done = sell_private(branch)
    assert done.sale is not None and done.sale.cooling_off_until == NOW + dt.timedelta(hours=24)
    assert rows(branch.engine, "sales")[0]["cooling_off_until"] == dt.datetime(2026, 11, 28, 2, tzinfo=dt.UTC)
    assert branch.young not in queued(ws)
    branch.clock.advance(dt.timedelta(hours=24) - dt.timedelta(seconds=1))
    assert branch.young not in queued(ws)
    branch.clock.advance(dt.timedelta(seconds=1))  # the period is over
    assert branch.young in queued(ws)


def test_cancelling_in_cooling_off_takes_the_sale_back_whole_and_adds_a_correcting_record(
    branch: Branch, commits: list[int]
) -> None:
    ws = branch.ws()
    done = sell_private(branch)
    assert done.sale is not None and done.sale.id is not None
    original_row = rows(branch.engine, "suitability_records")[0]
    branch.clock.advance(dt.timedelta(hours=2))
    at = NOW + dt.timedelta(hours=2)
    commits.clear()

    correction = attempts.cancel_in_cooling_off(ws, done.sale.id, "  客户改变主意  ")

    assert len(commits) == 1
    records = rows(branch.engine, "suitability_records")
    assert records[0] == original_row  # the original stays exactly as it was
    assert len(records) == 2 and records[1]["id"] == correction.id
    assert branch.stored(correction.id or 0) == correction
    assert (correction.outcome, correction.corrects_id, correction.created_at) == (CANCELLED, done.record.id, at)
    assert (correction.client_id, correction.staff_id, correction.product_id, correction.amount) == (
        branch.young, branch.csm.id, done.record.product_id, Decimal(PRIVATE),
    )  # fmt: skip
    assert correction.assessment_id == done.record.assessment_id and correction.outlet_id == branch.outlet.id
    assert correction.detail == {
        "cancelled_sale": done.sale.id, "reason": "客户改变主意",
        "cooling_off_until": (NOW + dt.timedelta(hours=24)).isoformat(),
    }  # fmt: skip
    (sold,) = rows(branch.engine, "sales")
    assert sold["cancelled_at"] == at and sold["suitability_id"] == done.record.id
    (holding,) = rows(branch.engine, "holdings")
    assert holding["status"] == HoldingStatus.CANCELLED.value
    (callback,) = rows(branch.engine, "tasks")
    assert (callback["kind"], callback["status"], callback["closed_at"]) == ("service_callback", "cancelled", at)


AUDIT = AuditRow.__tablename__


def test_a_cancel_reason_with_a_forbidden_phrase_is_refused_until_confirmed_and_the_sale_stays(branch: Branch) -> None:
    ws = branch.ws()
    done = sell_private(branch)
    assert done.sale is not None and done.sale.id is not None
    before = tables(branch.engine)
    with pytest.raises(ForbiddenPhrases) as caught:
        attempts.cancel_in_cooling_off(ws, done.sale.id, "客户说别家稳 赚")
    assert [h.phrase for h in caught.value.hits] == ["稳赚"]
    after = tables(branch.engine)
    assert {k: v for k, v in after.items() if k != AUDIT} == {k: v for k, v in before.items() if k != AUDIT}
    [refused] = [e for e in audit_after(branch.engine, 0) if e.action == PHRASES_REFUSED]
    assert refused.entity == "sales" and "别家" not in json.dumps(refused.detail, ensure_ascii=False)
    keep = PhrasesConfirmed(frozenset({"稳赚"}), "客户原话")
    correction = attempts.cancel_in_cooling_off(ws, done.sale.id, "客户说别家稳 赚", keep)
    assert correction.detail["reason"] == "客户说别家稳 赚"
    assert [e.detail["reason"] for e in audit_after(branch.engine, 0) if e.action == PHRASES_CONFIRMED] == ["客户原话"]


def test_the_review_task_is_dropped_with_a_cancelled_sale(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.elderly, RiskLevel.C5)
    with branch.system(write=True) as tx:
        elderly_pp = tx.products.add(
            NewProduct(code="PP4", name="私募进取 4 号", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R4,
                    min_amount=Decimal("100000"), private_placement=True)
        )  # fmt: skip
        tx.commit()
    enrich(branch, branch.elderly)
    tried = attempt(ws, branch.elderly, elderly_pp.code, PRIVATE, EVERYTHING)
    assert tried.verdict.extra_care and tried.verdict.cooling_off_hours == 24  # the policy's 24 hours for any PP
    done = attempts.record(ws, tried, SOLD)
    assert done.sale is not None and done.sale.id is not None
    attempts.cancel_in_cooling_off(ws, done.sale.id, "客户撤销")
    assert sorted((r["kind"], r["status"]) for r in rows(branch.engine, "tasks")) == [
        ("review", "cancelled"), ("service_callback", "cancelled"),
    ]  # fmt: skip


def test_no_cancelling_without_a_reason_after_the_period_twice_or_without_cooling_off(branch: Branch) -> None:
    ws = branch.ws()
    first = sell_private(branch)
    assert first.sale is not None and first.sale.id is not None
    before = tables(branch.engine)
    for blank in ("", "   "):
        with pytest.raises(DomainError) as refused:
            attempts.cancel_in_cooling_off(ws, first.sale.id, blank)
        assert refused.value.code == "reason_required"
    with pytest.raises(AccessDenied):
        attempts.cancel_in_cooling_off(branch.ws(branch.other), first.sale.id, "客户撤销")
    assert tables(branch.engine) == before

    branch.clock.advance(dt.timedelta(hours=24) - dt.timedelta(seconds=1))  # the last second of the period
    attempts.cancel_in_cooling_off(ws, first.sale.id, "客户撤销")
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.cancel_in_cooling_off(ws, first.sale.id, "再次撤销")
    assert refused.value.code == "not_in_cooling_off"
    assert tables(branch.engine) == before

    second = sell_private(branch)
    assert second.sale is not None and second.sale.id is not None
    branch.clock.advance(dt.timedelta(hours=24))  # exactly the end of its period
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.cancel_in_cooling_off(ws, second.sale.id, "客户撤销")
    assert refused.value.code == "not_in_cooling_off"
    assert tables(branch.engine) == before

    plain = attempts.record(
        ws, attempt(ws, branch.young, "W2", "50000", dataclasses.replace(RECORDED, still_holds=True)), SOLD
    )
    assert plain.sale is not None and plain.sale.id is not None and plain.sale.cooling_off_until is None
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.cancel_in_cooling_off(ws, plain.sale.id, "客户撤销")
    assert refused.value.code == "not_in_cooling_off"
    assert tables(branch.engine) == before


# --- 6. the report for the client's signature ------------------------------------------------------------------


def sold_record(branch: Branch) -> SuitabilityRecord:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C3)
    done = attempts.record(ws, attempt(ws, branch.young, "W2", "50000", RECORDED), SOLD)
    return branch.stored(done.record.id or 0)  # as read back years later


def check_lines(record: SuitabilityRecord) -> list[str]:
    stored = [rules.Check(c["code"], c["passed"], c["reason"], c["params"]) for c in record.detail["checks"]]
    return [html.escape(f"{check_title(c)}: {check_reason(c)}") for c in stored]


def test_the_report_is_a_utf8_html_file_only_its_owner_reads(branch: Branch, tmp_path: Path) -> None:
    record = sold_record(branch)
    path = signature_page.save(record, branch.outlet.name, TZ, tmp_path / "reports")
    assert path == tmp_path / "reports" / f"suitability-{record.id}.html"
    assert path.stat().st_mode & 0o777 == 0o600
    page = path.read_bytes().decode("utf-8")
    full_id = resident_id(YOUNG_BORN)
    assert '<meta charset="utf-8">' in page and "理财产品适当性评估记录" in page
    assert "张伟" in page and f"{full_id[:6]}********{full_id[-4:]}" in page and full_id not in page
    assert full_id[6:14] not in page  # not even the birth date
    assert "139123456" not in page
    assert "稳享 63 天" in page and "(W2)" in page and "徐汇支行" in page and "REC-0001" in page
    lines = check_lines(record)
    assert len(lines) == len(rules.CHECK_CODES) and all(line in page for line in lines)
    assert page.count("<tr>") == len(rules.CHECK_CODES)
    assert html.escape(t("report.sign")) in page and "客户签字" in page
    assert "check." not in page and "report." not in page  # no catalog key left untranslated
    # Saving again (the report printed twice) replaces the file, still 0600.
    again = signature_page.save(record, branch.outlet.name, TZ, tmp_path / "reports")
    assert again == path and path.stat().st_mode & 0o777 == 0o600


def test_the_report_renders_in_english(branch: Branch) -> None:
    record = sold_record(branch)
    set_language("en")
    page = signature_page.render(record, branch.outlet.name, TZ)
    assert "Wealth product suitability record" in page and "理财产品适当性评估记录" not in page
    assert "张伟" in page and "稳享 63 天" in page  # names are data, kept as they are
    assert all(line in page for line in check_lines(record))
    assert html.escape(t("report.sign")) in page and "Client&#x27;s signature" in page
    assert "check." not in page and "report." not in page


def test_the_english_report_declares_its_language(branch: Branch) -> None:
    record = sold_record(branch)
    set_language("en")
    assert '<html lang="en">' in signature_page.render(record, branch.outlet.name, TZ)


# --- 7. the audit log ----------------------------------------------------------------------------------------


def test_every_write_is_audited_with_the_acting_staff_id(branch: Branch) -> None:
    ws = branch.ws()
    mark = last_audit_id(branch.engine)
    assess(ws, branch.young, RiskLevel.C3)
    assess(ws, branch.elderly, RiskLevel.C4)
    assert [(e.action, e.entity, e.staff_id) for e in audit_after(branch.engine, mark)] == [
        ("insert", "risk_assessments", branch.csm.id),
    ] * 2

    mark = last_audit_id(branch.engine)
    elderly = attempts.record(ws, attempt(ws, branch.elderly, "W4", "50000", EVERYTHING), SOLD)
    entries = audit_after(branch.engine, mark)
    assert Counter((e.action, e.entity) for e in entries) == Counter(
        {("insert", "suitability_records"): 1, ("insert", "sales"): 1, ("insert", "holdings"): 1,
         ("insert", "tasks"): 2}
    )  # fmt: skip
    assert {e.staff_id for e in entries} == {branch.csm.id}
    assert ("insert", "sales", str(elderly.sale.id if elderly.sale else "")) in {
        (e.action, e.entity, e.entity_id) for e in entries
    }

    mark = last_audit_id(branch.engine)
    attempts.record(ws, attempt(ws, branch.young, "W4", "50000"), BLOCKED)
    assert [(e.action, e.entity, e.staff_id) for e in audit_after(branch.engine, mark)] == [
        ("insert", "suitability_records", branch.csm.id)
    ]

    done = sell_private(branch)
    assert done.sale is not None and done.sale.id is not None
    mark = last_audit_id(branch.engine)
    attempts.cancel_in_cooling_off(ws, done.sale.id, "客户撤销")
    entries = audit_after(branch.engine, mark)
    assert Counter((e.action, e.entity) for e in entries) == Counter(
        {("update", "sales"): 1, ("update", "holdings"): 1, ("update", "tasks"): 1,
         ("insert", "suitability_records"): 1}
    )  # fmt: skip
    assert {e.staff_id for e in entries} == {branch.csm.id}
    (cancelled,) = [e for e in entries if e.entity == "sales"]
    assert cancelled.entity_id == str(done.sale.id) and "cancelled_at" in cancelled.detail

    with branch.engine.connect() as conn:
        assert audit.verify(conn) is None
        everything = list(conn.execute(select(AuditRow.action, AuditRow.entity)))
    # Suitability records are never updated or deleted, and no entry carries a full ID or mobile number.
    assert not [e for e in everything if e.entity == "suitability_records" and e.action != "insert"]
    dumped = json.dumps([r["detail"] for r in rows(branch.engine, "audit_events")], ensure_ascii=False)
    assert resident_id(YOUNG_BORN) not in dumped and resident_id(ELDERLY_BORN) not in dumped


# --- 5. a regular-investment plan (基金定投) -------------------------------------------------------------------


def test_a_fund_bought_as_a_regular_plan_is_recorded_as_one_and_only_a_fund_can_be(branch: Branch) -> None:
    ws = branch.ws()
    assess(ws, branch.young, RiskLevel.C4)
    fund = attempt(ws, branch.young, "F4", "1000", RECORDED)
    done = attempts.record(ws, dataclasses.replace(fund, regular_plan=True), SOLD)
    assert [r["regular_plan"] for r in rows(branch.engine, "sales")] == [True]
    assert done.sale is not None and done.sale.regular_plan
    wealth = attempt(ws, branch.young, "W2", "50000", RECORDED)
    before = tables(branch.engine)
    with pytest.raises(DomainError, match="regular_plan_fund_only"):
        attempts.record(ws, dataclasses.replace(wealth, regular_plan=True), SOLD)
    assert tables(branch.engine) == before


def test_a_sale_is_named_before_the_cancel_reason_is_asked_and_an_ineligible_one_refused_at_once(
    branch: Branch,
) -> None:
    ws = branch.ws()
    done = sell_private(branch)
    assert done.sale is not None and done.sale.id is not None
    before = tables(branch.engine)
    named = attempts.cancellable(ws, done.sale.id)
    assert (named.product, named.amount, named.sold_at) == ("私募精选 3 号", Decimal("1000000.00"), done.sale.sold_at)
    assert named.cooling_off_until == done.sale.sold_at + dt.timedelta(hours=24)
    assert tables(branch.engine) == before  # asking writes nothing
    with pytest.raises(AccessDenied):
        attempts.cancellable(branch.ws(branch.other), done.sale.id)
    branch.clock.advance(dt.timedelta(hours=24))  # the period is over: refused before any reason is typed
    with pytest.raises(DomainError) as refused:
        attempts.cancellable(ws, done.sale.id)
    assert refused.value.code == "not_in_cooling_off"


def test_a_cancel_reason_of_only_invisible_characters_is_no_reason_and_the_sale_stays(branch: Branch) -> None:
    done = sell_private(branch)
    assert done.sale is not None and done.sale.id is not None
    before = tables(branch.engine)
    with pytest.raises(DomainError) as refused:
        attempts.cancel_in_cooling_off(branch.ws(), done.sale.id, "\u200b\ufeff ")
    assert refused.value.code == "reason_required"
    assert tables(branch.engine) == before
