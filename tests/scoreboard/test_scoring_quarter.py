"""The scoreboard on a small fixture branch, on both backends: a quarter computed by hand to the cent and the point,
boundaries in the branch's time zone, visibility, closing a quarter, and the records behind each figure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    Channel,
    Disposition,
    Grade,
    MysteryItem,
    ProductCategory,
    QualificationKind,
    ReferralKind,
    ReferralStatus,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Staff
from csm_tui.policy import Dimension, Measure, Policy
from csm_tui.rules.scorecard import Card, Line
from csm_tui.services.phrase_check import PHRASES_CONFIRMED, PHRASES_REFUSED, ForbiddenPhrases, PhrasesConfirmed
from csm_tui.services.ports import AccessDenied
from csm_tui.services.scoreboard import appraisal_entries, quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter
from csm_tui.services.workstation import Workstation
from storage.orm import (
    AssessmentRow,
    AuditRow,
    BalanceSpanRow,
    ClientRow,
    ContactRow,
    MetaRow,
    OutletRow,
    ProductRow,
    QualificationRow,
    ReferralRow,
    SaleRow,
    StaffRow,
    SuitabilityRow,
    TaskRow,
)
from storage.uow import SqlUnitOfWorkFactory

TZ = "Asia/Shanghai"
Q4 = Quarter(2026, 4)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


@dataclass
class Fixture:
    system: SqlUnitOfWorkFactory
    clock: FrozenClock
    staff: dict[str, Staff]

    def ws(self, login: str, policy: Policy | None = None) -> Workstation:
        staff = self.staff[login]
        return Workstation(
            uow=self.system.acting_as(staff), staff=staff, outlet=None, time=BranchTime(self.clock, TZ),
            policy=policy or Policy(), demo=False,
        )  # fmt: skip


def _staff(session: Session) -> dict[str, Staff]:
    from sqlalchemy import select

    return {r.login: Staff.model_validate(r, from_attributes=True) for r in session.scalars(select(StaffRow))}


@pytest.fixture
def fx(uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock) -> Fixture:
    """Two outlets; supervisor sup (team: a, b), sup2 (team: c); CSM a (senior) with a full quarter, b (CSM) with
    calls only, c (assistant, other outlet) with nothing this quarter; the admin; a 沃德 client manager."""
    with uow_factory(write=True) as uow:
        s = uow.session  # type: ignore[attr-defined]

        def add(row: Any) -> Any:
            s.add(row)
            s.flush()
            return row

        o1 = add(OutletRow(code="O1", name="一支行", sells_wealth=True))
        o2 = add(OutletRow(code="O2", name="二支行", sells_wealth=True))
        admin = add(StaffRow(login="admin", name="管理员", role=Role.ADMIN, outlet_id=o1.id))
        sup = add(StaffRow(login="sup", name="主管", role=Role.SUPERVISOR, outlet_id=o1.id))
        sup2 = add(StaffRow(login="sup2", name="主管二", role=Role.SUPERVISOR, outlet_id=o2.id))
        wm = add(StaffRow(login="wm", name="沃德经理", role=Role.WEALTH_MANAGER, outlet_id=o1.id))
        a = add(StaffRow(login="a", name="王芳", role=Role.CSM, grade=Grade.SENIOR, outlet_id=o1.id,
                         supervisor_id=sup.id))  # fmt: skip
        b = add(StaffRow(login="b", name="刘洋", role=Role.CSM, grade=Grade.CSM, outlet_id=o1.id,
                         supervisor_id=sup.id))  # fmt: skip
        c = add(StaffRow(login="c", name="陈静", role=Role.CSM, grade=Grade.ASSISTANT, outlet_id=o2.id,
                         supervisor_id=sup2.id))  # fmt: skip
        del admin
        add(MetaRow(key="data_as_of", value="2026-11-25"))

        def client(n: int, manager: StaffRow) -> ClientRow:
            return add(ClientRow(number=f"C{n:04d}", name=f"客户{n}", resident_id=f"11010119800101{n:03d}X",
                                 manager_id=manager.id, outlet_id=manager.outlet_id))  # fmt: skip

        a1, a2, b1 = client(1, a), client(2, a), client(3, b)
        # The 3-month averages as the bank delivers them (as of 25 November), the same as the spans below give.
        a1.avg_3m, a2.avg_3m = Decimal("45434.78"), Decimal("60217.39")  # 4,180,000 / 92; 5,540,000 / 92

        def span(cl: ClientRow, first: dt.date, last: dt.date, yuan: str) -> None:
            add(BalanceSpanRow(client_id=cl.id, first_day=first, last_day=last, balance=Decimal(yuan)))

        # a1: 40,000 to the end of October, then 60,000: its 3-month average rises, but stays under 交银理财.
        span(a1, dt.date(2026, 6, 1), dt.date(2026, 10, 31), "40000.00")
        span(a1, dt.date(2026, 11, 1), dt.date(2026, 11, 25), "60000.00")
        # a2: 45,000 to the end of September, then 70,000: becomes a 交银理财 client in the quarter.
        span(a2, dt.date(2026, 6, 1), dt.date(2026, 9, 30), "45000.00")
        span(a2, dt.date(2026, 10, 1), dt.date(2026, 11, 25), "70000.00")

        def product(code: str, category: ProductCategory, dual: bool) -> ProductRow:
            return add(ProductRow(code=code, name=code, category=category, dual_recording=dual))

        wealth = product("W1", ProductCategory.WEALTH, True)
        fund = product("F1", ProductCategory.FUND, True)
        insurance = product("I1", ProductCategory.INSURANCE, False)
        valid = add(AssessmentRow(client_id=a1.id, staff_id=a.id, taken_at=utc(2026, 6, 1, 2), answers={}, score=90,
                                  level=4, valid_until=dt.date(2027, 6, 1)))  # fmt: skip

        def sale(product: ProductRow, yuan: str, at: dt.datetime, *, recording: str | None = "DR",
                 cancelled: dt.datetime | None = None, regular: bool = False) -> SaleRow:  # fmt: skip
            record = None
            if recording is not None:
                record = add(SuitabilityRow(client_id=a1.id, staff_id=a.id, outlet_id=o1.id, product_id=product.id,
                                            amount=Decimal(yuan), assessment_id=valid.id, outcome="sold",
                                            created_at=at, recording_ref=recording, detail={}))  # fmt: skip
            return add(SaleRow(client_id=a1.id, staff_id=a.id, outlet_id=o1.id, product_id=product.id,
                               amount=Decimal(yuan), sold_at=at, suitability_id=record.id if record else None,
                               cancelled_at=cancelled, regular_plan=regular))  # fmt: skip

        s1 = sale(wealth, "15000000.00", utc(2026, 10, 15, 2))
        s2 = sale(fund, "2000000.00", utc(2026, 11, 2, 2), recording="", regular=True)  # no 双录: a breach
        s3 = sale(insurance, "300000.00", utc(2026, 11, 26, 2), recording=None)  # no assessment: a breach
        sale(wealth, "1000000.00", utc(2026, 11, 3, 2), cancelled=utc(2026, 11, 3, 5))
        sale(wealth, "999999.00", utc(2026, 9, 30, 15, 59))  # 23:59 on 30 September: the last quarter
        sale(wealth, "1000000.00", utc(2026, 9, 30, 16))  # 00:00 on 1 October: this quarter

        def callback(sold: SaleRow, status: TaskStatus, closed: dt.datetime | None, satisfaction: int | None) -> None:
            add(TaskRow(client_id=a1.id, staff_id=a.id, kind=TaskKind.SERVICE_CALLBACK, due_on=dt.date(2026, 10, 16),
                        status=status, origin=TaskOrigin.SALE, origin_id=sold.id, created_at=sold.sold_at,
                        closed_at=closed))  # fmt: skip
            if satisfaction is not None:
                assert closed is not None
                add(ContactRow(client_id=a1.id, staff_id=a.id, channel=Channel.PHONE, started_at=closed,
                               disposition=Disposition.SERVICE_DONE, satisfaction=satisfaction))  # fmt: skip

        callback(s1, TaskStatus.DONE, utc(2026, 10, 16, 3), 5)  # the next day: on time
        callback(s2, TaskStatus.DONE, utc(2026, 11, 12, 3), 4)  # ten days later: late
        callback(s3, TaskStatus.OPEN, None, None)  # yesterday's: not due yet

        def contacts(staff: StaffRow, cl: ClientRow, n: int, channel: Channel, first: dt.datetime) -> None:
            for k in range(n):
                add(ContactRow(client_id=cl.id, staff_id=staff.id, channel=channel,
                               started_at=first + dt.timedelta(hours=k), disposition=Disposition.BUSY))  # fmt: skip

        contacts(a, a1, 208, Channel.PHONE, utc(2026, 10, 5, 1))
        contacts(a, a2, 90, Channel.VISIT, utc(2026, 10, 20, 1))
        contacts(a, a2, 5, Channel.PHONE, utc(2026, 9, 29, 1))  # last quarter
        contacts(b, b1, 50, Channel.PHONE, utc(2026, 11, 2, 1))
        contacts(c, b1, 3, Channel.PHONE, utc(2026, 9, 2, 1))  # c: only last quarter

        def referral(client: ClientRow, status: ReferralStatus, closed: dt.datetime) -> None:
            add(ReferralRow(client_id=client.id, kind=ReferralKind.WODE, from_staff_id=a.id, to_staff_id=wm.id,
                            created_at=closed - dt.timedelta(days=1), status=status, closed_at=closed))  # fmt: skip

        referral(a2, ReferralStatus.ACCEPTED, utc(2026, 11, 10, 3))
        referral(a2, ReferralStatus.RETURNED, utc(2026, 11, 11, 3))
        referral(a1, ReferralStatus.ACCEPTED, utc(2026, 9, 30, 15))  # last quarter (one 沃德 manager a client)

        def qualification(kind: QualificationKind, obtained: dt.date, expires: dt.date | None) -> None:
            add(QualificationRow(staff_id=a.id, kind=kind, obtained_on=obtained, expires_on=expires))

        qualification(QualificationKind.WEALTH_BASIC, dt.date(2020, 1, 1), None)
        qualification(QualificationKind.FUND, dt.date(2021, 1, 1), dt.date(2026, 11, 27))  # valid through today
        qualification(QualificationKind.INSURANCE, dt.date(2022, 1, 1), None)
        qualification(QualificationKind.AFP, dt.date(2020, 1, 1), dt.date(2026, 11, 1))  # expired
        uow.commit()
        staff = _staff(s)
    fixture = Fixture(uow_factory, clock, staff)
    # Recorded through the services, as the supervisor and the admin do.
    appraisal_entries.record_mystery_check(
        fixture.ws("sup"), staff["a"].id or 0, set(MysteryItem) - {MysteryItem.NO_PROMISE, MysteryItem.CLOSE}, "ok"
    )
    appraisal_entries.record_training(
        fixture.ws("admin"), staff["a"].id or 0, dt.date(2026, 10, 9), Decimal(10), "基金"
    )
    appraisal_entries.record_training(
        fixture.ws("admin"), staff["a"].id or 0, dt.date(2026, 11, 20), Decimal("1.5"), "合规"
    )
    appraisal_entries.record_training(
        fixture.ws("admin"), staff["a"].id or 0, dt.date(2026, 9, 30), Decimal(4), "上季度"
    )
    return fixture


def _lines(view: quarter_scores.CsmView) -> dict[str, tuple[str | None, str, str, str]]:
    assert view.card is not None
    return {
        line.code: (None if line.actual is None else str(line.actual), str(line.target), str(line.score),
                    str(line.contribution))
        for line in view.card.lines
    }  # fmt: skip


def _by_code(card: Card) -> dict[str, Line]:
    return {line.code: line for line in card.lines}


def test_a_quarter_computed_by_hand(fx: Fixture) -> None:
    view = quarter_scores.csm_view(fx.ws("a"))
    assert view.quarter == Q4
    # Working days 1 October – 27 November 2026: 22 − 5 (National Day, 1–7) + 1 (Saturday 10th, 调休) = 18 in October,
    # 20 in November: 38; the call target 380.
    assert _lines(view) == {
        # financial
        "wealth_sales": ("16000000.00", "30000000", "53.33", "8.00"),
        "insurance_premium": ("300000.00", "600000", "50.00", "5.00"),
        "fund_sales": ("2000000.00", "5000000", "40.00", "4.00"),
        "regular_plans": ("1", "30", "3.33", "0.17"),
        # (40,000 + 45,000) before; (4,180,000 + 5,540,000) / 92 = 105,652.17 at the end: +24.30 %, capped at 120 %
        "aum_growth": ("24.30", "5", "120.00", "12.00"),
        # customer
        "new_jiaoyin": ("1", "30", "3.33", "0.33"),
        "wode_referrals": ("1", "4", "25.00", "1.25"),
        "service_callbacks": ("50.00", "95", "0.00", "0.00"),
        "satisfaction": ("4.50", "4.5", "100.00", "5.00"),
        # internal process
        "calls": ("55.26", "100", "55.26", "2.76"),  # 208 + 2 回访 calls of 380
        "contacts_logged": ("300", "600", "50.00", "2.50"),
        "compliance": ("2", "0", "0.00", "0.00"),
        "mystery_shopper": ("80.00", "90", "88.89", "4.44"),
        # learning & growth
        "qualifications": ("3", "3", "100.00", "3.00"),
        "training_hours": ("11.50", "16", "71.88", "1.44"),
    }
    assert view.card is not None
    assert [view.card.subtotal(d) for d in Dimension] == [
        Decimal("29.17"),
        Decimal("6.58"),
        Decimal("9.70"),
        Decimal("4.44"),
    ]
    assert view.card.total == Decimal("49.89")
    assert view.standing == quarter_scores.Standing(branch_rank=1, branch_size=3, outlet_rank=1, outlet_size=2)
    assert view.trend[-1] == (Q4, Decimal("49.89"))
    assert view.annual is not None
    assert view.as_of == dt.date(2026, 11, 25)


def test_a_csm_with_calls_only_and_one_with_nothing_this_quarter(fx: Fixture) -> None:
    b = quarter_scores.csm_view(fx.ws("b"))
    assert b.card is not None
    assert _lines(b)["calls"] == ("13.16", "100", "13.16", "0.66")  # 50 of 380
    assert _lines(b)["contacts_logged"] == ("50", "500", "10.00", "0.50")
    assert _lines(b)["qualifications"] == ("0", "2", "0.00", "0.00")
    assert _lines(b)["satisfaction"][0] is None  # no 回访 rated: nothing to measure
    assert b.standing == quarter_scores.Standing(2, 3, 2, 2)
    # c, on staff, did nothing this quarter: scored on what that earns (no breach keeps the compliance points).
    c = quarter_scores.csm_view(fx.ws("c"))
    assert c.card is not None
    assert {code: line.contribution for code, line in _by_code(c.card).items() if line.contribution} == {
        "compliance": Decimal("5.00")
    }
    assert c.card.total == Decimal("5.00")
    assert c.standing == quarter_scores.Standing(3, 3, 1, 1)
    assert None not in [total for _, total in c.trend]  # every quarter on staff is scored


def test_the_quarter_before_sees_only_its_own_records(fx: Fixture) -> None:
    view = quarter_scores.csm_view(fx.ws("a"), Quarter(2026, 3))
    lines = _lines(view)
    assert lines["wealth_sales"][0] == "999999.00"
    assert lines["wode_referrals"][0] == "1"
    assert lines["training_hours"][0] == "4.00"
    # Balances start on 1 June: 85,000 × 30 days over the 92 days to 30 June is 27,717.39 before the quarter,
    # 85,000.00 at its end (days with no balance count as zero, as in the bank's 日均).
    assert lines["aum_growth"][0] == "206.67"


def test_a_csm_sees_own_figures_and_rank_not_others(fx: Fixture) -> None:
    ws = fx.ws("b")
    with pytest.raises(AccessDenied):
        quarter_scores.csm_view(ws, staff_id=fx.staff["a"].id)
    with pytest.raises(AccessDenied):
        quarter_scores.team_table(ws)
    with pytest.raises(AccessDenied):
        quarter_scores.records(ws, fx.staff["a"].id or 0, Measure.WEALTH_SALES, Q4)
    own = quarter_scores.csm_view(ws)
    assert own.csm.login == "b" and own.standing.branch_rank == 2


def test_a_supervisor_sees_their_team_only(fx: Fixture) -> None:
    table = quarter_scores.team_table(fx.ws("sup"))
    assert [(r.csm.login, r.branch_rank, r.total) for r in table.rows] == [
        ("a", 1, Decimal("49.89")),
        ("b", 2, Decimal("6.16")),  # 0.66 + 0.50 and the full 5 points of compliance
    ]
    assert table.branch_size == 3
    other = quarter_scores.team_table(fx.ws("sup2"))
    assert [(r.csm.login, r.total) for r in other.rows] == [("c", Decimal("5.00"))]
    with pytest.raises(AccessDenied):
        quarter_scores.csm_view(fx.ws("sup2"), staff_id=fx.staff["a"].id)
    everyone = quarter_scores.team_table(fx.ws("admin"))
    assert [r.csm.login for r in everyone.rows] == ["a", "b", "c"]


def test_drill_down_lists_the_records_a_figure_counts(fx: Fixture) -> None:
    ws = fx.ws("a")
    a = fx.staff["a"].id or 0
    sales = quarter_scores.records(ws, a, Measure.WEALTH_SALES, Q4)
    assert [(r.day, r.value) for r in sales] == [
        (dt.date(2026, 10, 15), "15000000.00"),
        (dt.date(2026, 10, 1), "1000000.00"),
    ]
    breaches = quarter_scores.records(ws, a, Measure.COMPLIANCE_BREACHES, Q4)
    assert [r.value for r in breaches] == ["300000.00", "2000000.00"]
    callbacks = quarter_scores.records(ws, a, Measure.CALLBACKS_ON_TIME, Q4)
    assert [r.item for r in callbacks] == ["callback:pending", "callback:late", "callback:on_time"]
    assert len(quarter_scores.records(ws, a, Measure.CALLS_VS_TARGET, Q4)) == 210
    assert [r.client for r in quarter_scores.records(ws, a, Measure.NEW_JIAOYIN, Q4)] == ["客户2"]
    assert [r.value for r in quarter_scores.records(ws, a, Measure.MYSTERY_SHOPPER, Q4)] == ["80"]
    assert [r.value for r in quarter_scores.records(ws, a, Measure.TRAINING_HOURS, Q4)] == ["1.5", "10.0"]
    assert len(quarter_scores.records(ws, a, Measure.QUALIFICATIONS, Q4)) == 3
    assert len(quarter_scores.records(fx.ws("sup"), a, Measure.WODE_REFERRALS, Q4)) == 1


def test_closing_a_quarter_freezes_its_scores(fx: Fixture) -> None:
    sup = fx.ws("sup")
    with pytest.raises(DomainError, match="quarter_not_over"):
        appraisal_entries.close_quarter(sup, Q4)
    q3 = Quarter(2026, 3)
    before = quarter_scores.csm_view(fx.ws("a"), q3).card
    with pytest.raises(AccessDenied):
        appraisal_entries.close_quarter(fx.ws("a"), q3)
    assert appraisal_entries.close_quarter(sup, q3) == 3  # a, b and c were on staff in Q3 (b with nothing recorded)
    with pytest.raises(DomainError, match="quarter_closed"):
        appraisal_entries.close_quarter(sup, q3)
    # Data arriving later does not change a closed quarter.
    appraisal_entries.record_training(fx.ws("admin"), fx.staff["a"].id or 0, dt.date(2026, 9, 1), Decimal(8), "补录")
    after = quarter_scores.csm_view(fx.ws("a"), q3)
    assert after.closed and after.card == before
    # A quarter still open refreshes.
    appraisal_entries.record_training(fx.ws("admin"), fx.staff["a"].id or 0, dt.date(2026, 11, 27), Decimal(1), "今日")
    assert _lines(quarter_scores.csm_view(fx.ws("a")))["training_hours"][0] == "12.50"


def test_roles_are_checked_in_the_services(fx: Fixture) -> None:
    a = fx.staff["a"].id or 0
    with pytest.raises(AccessDenied):
        appraisal_entries.record_mystery_check(fx.ws("a"), a, set())
    with pytest.raises(AccessDenied):
        appraisal_entries.record_mystery_check(fx.ws("sup2"), a, set())  # not their team
    with pytest.raises(AccessDenied):
        appraisal_entries.record_training(fx.ws("sup"), a, dt.date(2026, 11, 1), Decimal(1), "x")
    with pytest.raises(AccessDenied):
        appraisal_entries.record_qualification(fx.ws("sup"), a, QualificationKind.CFP, "", dt.date(2026, 1, 1), None)
    with pytest.raises(AccessDenied):
        appraisal_entries.grade_d(fx.ws("admin"), a, 2026, "reason")
    with pytest.raises(DomainError, match="reason_required"):
        appraisal_entries.grade_d(fx.ws("sup"), a, 2026, "  ")


def test_a_d_grade_reason_with_a_forbidden_phrase_is_refused_until_confirmed_and_audited_without_the_text(
    fx: Fixture,
) -> None:
    a = fx.staff["a"].id or 0
    reason = "向客户承诺保本收益"
    with pytest.raises(ForbiddenPhrases) as caught:
        appraisal_entries.grade_d(fx.ws("sup"), a, 2026, reason)
    assert [(h.field, h.phrase) for h in caught.value.hits] == [("note", "保本")]  # shown in place in the reason
    with fx.system() as tx:
        assert tx.scores.grade_decisions(2026) == {}
        logged = tx.session.scalars(select(AuditRow).where(AuditRow.action.in_((PHRASES_REFUSED, PHRASES_CONFIRMED))))
        assert [(r.action, reason in str(r.detail)) for r in logged] == [(PHRASES_REFUSED, False)]  # not the text
    keep = PhrasesConfirmed(frozenset({"保本"}), "记录违规原话")
    appraisal_entries.grade_d(fx.ws("sup"), a, 2026, reason, keep)
    with fx.system() as tx:
        assert tx.scores.grade_decisions(2026)[a].reason == reason
        [kept] = tx.session.scalars(select(AuditRow).where(AuditRow.action == PHRASES_CONFIRMED))
        assert kept.entity == "grade_decisions" and kept.detail["reason"] == "记录违规原话"


def test_a_d_grade_needs_a_reason_and_takes_the_csm_out_of_the_distribution(fx: Fixture) -> None:
    a = fx.staff["a"].id or 0
    appraisal_entries.grade_d(fx.ws("sup"), a, 2026, "多次违规销售")
    table = quarter_scores.team_table(fx.ws("sup"), year=True)
    row = next(r for r in table.rows if r.csm.login == "a")
    assert (row.grade, row.reason) == ("D", "多次违规销售")
    assert quarter_scores.csm_view(fx.ws("a")).annual_grade == "D"


def test_a_d_grade_reason_of_only_invisible_characters_is_no_reason(fx: Fixture) -> None:
    a = fx.staff["a"].id or 0
    with pytest.raises(DomainError) as refused:
        appraisal_entries.grade_d(fx.ws("sup"), a, 2026, "\u200b\u3000\u2060")
    assert refused.value.code == "reason_required"
    with fx.system() as tx:
        assert tx.scores.grade_decisions(2026) == {}


def test_qualifications_recorded_by_the_admin_count(fx: Fixture) -> None:
    b = fx.staff["b"].id or 0
    admin = fx.ws("admin")
    appraisal_entries.record_qualification(admin, b, QualificationKind.WEALTH_BASIC, "Q1", dt.date(2025, 1, 1), None)
    appraisal_entries.record_qualification(
        admin, b, QualificationKind.FUND, "Q2", dt.date(2025, 1, 1), dt.date(2027, 1, 1)
    )
    with pytest.raises(DomainError, match="expires_before_obtained"):
        appraisal_entries.record_qualification(
            admin, b, QualificationKind.CFP, "", dt.date(2025, 1, 1), dt.date(2024, 1, 1)
        )
    assert _lines(quarter_scores.csm_view(fx.ws("b")))["qualifications"][:3] == ("2", "2", "100.00")
