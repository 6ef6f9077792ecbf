"""The demo branch: complete, valid, consistent with the bank's rules, and the same for the same seed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import arrow
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Grade, QualificationKind, Role, SuitabilityOutcome, TaskStatus, Tier
from csm_tui.domain.models import Client
from csm_tui.domain.values import MobileNumber, ResidentId
from csm_tui.policy import Policy
from storage import audit
from storage.access import Access
from storage.demo import DemoExists, DemoSummary, average_window, build_demo
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import (
    AppointmentRow,
    AssessmentRow,
    AuditRow,
    BalanceSpanRow,
    Base,
    ClientRow,
    ContactRow,
    HoldingRow,
    MetaRow,
    ProductRow,
    QualificationRow,
    SaleRow,
    StaffRow,
    SuitabilityRow,
    TaskRow,
)
from storage.repositories import BalanceRepository

NOW = "2026-11-27T02:00:00Z"  # 10:00 on a Friday in Shanghai
TODAY = dt.date(2026, 11, 27)
AS_OF = dt.date(2026, 11, 25)  # T+2
SHANGHAI = ZoneInfo("Asia/Shanghai")
CLIENTS = 300
POLICY = Policy()


def _build(path: Path, seed: int) -> tuple[Engine, DemoSummary]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine, build_demo(engine, FrozenClock(NOW), clients=CLIENTS, seed=seed)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, DemoSummary]]:
    engine, summary = _build(tmp_path_factory.mktemp("demo") / "d.db", seed=1)
    yield engine, summary
    engine.dispose()


@pytest.fixture
def db(demo: tuple[Engine, DemoSummary]) -> Iterator[Session]:
    with Session(demo[0]) as session:
        yield session


def _client_rows(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(ClientRow.__table__).order_by(ClientRow.id))]


def _local(at: dt.datetime) -> dt.datetime:
    return at.astimezone(SHANGHAI)


def test_summary_counts_the_rows(demo: tuple[Engine, DemoSummary], db: Session) -> None:
    _, summary = demo
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    for f in fields(summary):
        assert db.scalar(select(func.count()).select_from(tables[f.name])) == getattr(summary, f.name), f.name
    assert (summary.clients, summary.products, summary.outlets) == (CLIENTS, 30, 3)
    assert summary.staff == 8 + 6  # admin, three supervisors, two wealth managers, lobby, teller; six CSMs
    assert summary.contacts > 3 * CLIENTS and summary.tasks > 0 and summary.sales > 0 and summary.referrals > 0


def test_every_role_with_fixed_logins(db: Session) -> None:
    staff = {s.login: s for s in db.scalars(select(StaffRow))}
    assert {s.role for s in staff.values()} == {r.value for r in Role}
    fixed = {"admin", "sup01", "sup02", "sup03", "wm01", "wm02", "lobby01", "teller01"}
    assert fixed | {f"csm{k:02d}" for k in range(1, 7)} == set(staff)
    csms = [s for s in staff.values() if s.role == Role.CSM]
    assert staff["csm01"].grade == Grade.SENIOR
    assert {s.grade for s in csms} == {g.value for g in Grade}
    supervisor_of = {s.outlet_id: s.id for s in staff.values() if s.role == Role.SUPERVISOR}
    assert all(s.supervisor_id == supervisor_of[s.outlet_id] for s in csms)


def test_qualifications_valid_expiring_and_lapsed(db: Session) -> None:
    rows = db.execute(select(StaffRow.login, QualificationRow).join(QualificationRow)).all()
    by_login: dict[str, dict[str, QualificationRow]] = {}
    for login, q in rows:
        by_login.setdefault(login, {})[q.kind] = q
    assert all(QualificationKind.WEALTH_BASIC in by_login[f"csm{k:02d}"] for k in range(1, 7))
    afp = by_login["csm01"][QualificationKind.AFP]
    assert afp.obtained_on <= TODAY <= (afp.expires_on or TODAY)
    expiries = [q.expires_on for _, q in rows if q.expires_on is not None]
    assert any(TODAY <= day <= TODAY + dt.timedelta(days=30) for day in expiries)
    assert any(day < TODAY for day in expiries)


def test_identities_are_valid_and_unique(db: Session) -> None:
    clients = db.scalars(select(ClientRow)).all()
    assert all(ric.is_valid(c.resident_id) for c in clients)
    assert all(20 <= ResidentId(c.resident_id).age_on(TODAY) <= 85 for c in clients)
    assert len({c.resident_id for c in clients}) == len({c.number for c in clients}) == CLIENTS
    mobiles = [c.mobile for c in clients if not c.mobile_invalid and c.mobile]
    assert all(MobileNumber(m) == m for m in mobiles)
    assert len(set(mobiles)) == len(mobiles)


def test_clients_load_as_domain_models(db: Session) -> None:
    """Every row passes the domain's own validation: ID, mobile, money, accounts."""
    clients = [Client.model_validate(row, from_attributes=True) for row in db.scalars(select(ClientRow))]
    assert all(c.accounts for c in clients)
    assert all(c.manager_id is None or c.outlet_id is not None for c in clients)


def test_three_month_average_is_the_mean_of_the_spans(db: Session) -> None:
    balances = BalanceRepository(db, Access(db, None))
    first, last = average_window(AS_OF)
    clients = db.scalars(select(ClientRow)).all()
    for c in clients:
        assert balances.average(c.id, first, last) == c.avg_3m, c.number
        latest = db.scalars(
            select(BalanceSpanRow).where(BalanceSpanRow.client_id == c.id).order_by(BalanceSpanRow.first_day.desc())
        ).first()
        assert latest is not None and latest.last_day == AS_OF == c.assets_as_of
        assert latest.balance == c.balance
    assert sum(c.avg_3m != c.balance for c in clients) > 0.8 * CLIENTS


def test_tier_mix(db: Session) -> None:
    tiers = POLICY.tiers

    def tier(average: Decimal) -> Tier:
        if average >= tiers.wode:
            return Tier.WODE
        return Tier.JIAOYIN if average >= tiers.jiaoyin else Tier.ORDINARY

    counts = {t: 0 for t in Tier}
    for average in db.scalars(select(ClientRow.avg_3m)):
        counts[tier(average)] += 1
    assert all(counts.values())
    assert 0.45 * CLIENTS < counts[Tier.ORDINARY] < 0.75 * CLIENTS
    assert counts[Tier.WODE] < counts[Tier.JIAOYIN] < counts[Tier.ORDINARY]


def test_csm01_has_a_working_day(db: Session) -> None:
    csm01 = db.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
    due = db.scalars(select(TaskRow.due_on).where(TaskRow.staff_id == csm01, TaskRow.status == TaskStatus.OPEN)).all()
    assert sum(d == TODAY for d in due) >= 3
    assert any(d < TODAY for d in due) and any(d > TODAY for d in due)
    appointments = db.scalars(select(AppointmentRow).where(AppointmentRow.staff_id == csm01)).all()
    assert any(_local(a.starts_at).date() == TODAY and a.status in ("booked", "confirmed") for a in appointments)
    assert any(a.status in ("done", "no_show", "cancelled") for a in appointments)


def test_history_happens_in_working_hours_and_never_ahead(db: Session) -> None:
    now = arrow.get(NOW).datetime
    for at in db.scalars(select(ContactRow.started_at)):
        local = _local(at)
        assert at <= now and POLICY.calendar.is_working_day(local.date())
        assert dt.time(9) <= local.time() <= dt.time(17, 30)
    assert all(t.closed_at is None or t.created_at <= t.closed_at <= now for t in db.scalars(select(TaskRow)))


def test_sales_are_suitable_and_recorded(db: Session) -> None:
    rows = db.execute(
        select(SaleRow, SuitabilityRow, AssessmentRow, ProductRow, HoldingRow)
        .join(SuitabilityRow, SuitabilityRow.id == SaleRow.suitability_id)
        .join(AssessmentRow, AssessmentRow.id == SuitabilityRow.assessment_id)
        .join(ProductRow, ProductRow.id == SaleRow.product_id)
        .join(HoldingRow, HoldingRow.sale_id == SaleRow.id)
    ).all()
    assert len(rows) == db.scalar(select(func.count()).select_from(SaleRow))
    for sale, record, assessment, product, holding in rows:
        rating = max(product.issuer_rating or 0, product.seller_rating or 0)
        assert record.outcome == SuitabilityOutcome.SOLD and record.amount == sale.amount == holding.amount
        assert rating <= (1 if assessment.lowest_category else assessment.level)
        assert assessment.taken_at <= sale.sold_at and _local(sale.sold_at).date() <= assessment.valid_until
        assert (sale.cooling_off_until is not None) == product.private_placement
    blocked = db.scalar(select(func.count()).where(SuitabilityRow.outcome == SuitabilityOutcome.BLOCKED))
    assert blocked


def test_assessments_score_their_answers(db: Session) -> None:
    first_taken: set[int] = set()
    for a in db.scalars(select(AssessmentRow).order_by(AssessmentRow.client_id, AssessmentRow.taken_at)):
        points = sum(2 * ("ABCDE".index(a.answers[f"q{n}"]) + 1) for n in range(1, 13))
        assert a.score == points and 24 <= points <= 120
        assert a.level == (1 if a.lowest_category else POLICY.assessment.level_for(points))
        assert a.valid_until == arrow.get(_local(a.taken_at).date()).shift(months=12).date()
        assert a.face_to_face == (a.client_id not in first_taken)
        first_taken.add(a.client_id)
    valid_until = db.scalars(select(AssessmentRow.valid_until)).all()
    assert any(day < TODAY for day in valid_until)
    assert any(TODAY <= day <= TODAY + dt.timedelta(days=30) for day in valid_until)


def test_meta_and_audit(db: Session) -> None:
    meta = {row.key: row.value for row in db.execute(select(MetaRow.key, MetaRow.value))}
    assert meta["is_demo"] == "1" and meta["data_as_of"] == AS_OF.isoformat()
    assert (meta["demo_seed"], meta["demo_clients"]) == ("1", str(CLIENTS))
    assert audit.verify(db.connection()) is None
    entry = db.scalars(select(AuditRow)).one()
    assert (entry.action, entry.detail) == ("demo.build", {"clients": CLIENTS, "seed": 1})


def test_same_seed_same_branch(demo: tuple[Engine, DemoSummary], tmp_path: Path) -> None:
    same, _ = _build(tmp_path / "same.db", seed=1)
    other, _ = _build(tmp_path / "other.db", seed=2)
    assert _client_rows(same) == _client_rows(demo[0])
    assert _client_rows(other) != _client_rows(demo[0])


def test_a_second_build_is_refused(demo: tuple[Engine, DemoSummary]) -> None:
    with pytest.raises(DemoExists):
        build_demo(demo[0], FrozenClock(NOW), clients=10)
