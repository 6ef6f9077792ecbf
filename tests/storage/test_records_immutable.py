"""Risk assessments, suitability records and sales are immutable in the database itself: plain SQL can neither
change nor delete them (nor TRUNCATE on PostgreSQL); a sale's cancellation time alone is set, once. The
repositories offer no delete for them, and moving a branch (``admin copy``) only ever inserts them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import SuitabilityOutcome
from csm_tui.services.ports import StorageFailure
from storage import audit
from storage.copy import copy_branch
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import (
    AssessmentRow,
    Base,
    ClientRow,
    OutletRow,
    ProductRow,
    SaleRow,
    StaffRow,
    SuitabilityRow,
)
from storage.uow import SqlUnitOfWorkFactory

NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
RECORD_TABLES = ("risk_assessments", "suitability_records", "sales")


def add_records(factory: SqlUnitOfWorkFactory) -> dict[str, int]:
    """An assessment, the suitability record and sale made on it, and a record correcting that one."""
    with factory(write=True) as uow:
        s = uow.session
        outlet = OutletRow(code="B01", name="营业部")
        s.add(outlet)
        s.flush()
        staff = StaffRow(login="csm01", name="王芳", role="csm", grade="csm", outlet_id=outlet.id)
        client = ClientRow(number="C0001", name="张三", resident_id="11010519491231002X", mobile="13800138000")
        product = ProductRow(code="F001", name="稳健基金", category="fund", seller_rating=2)
        s.add_all([staff, client, product])
        s.flush()
        assessment = AssessmentRow(
            client_id=client.id, staff_id=staff.id, taken_at=NOW, answers={"q1": "a"}, score=40, level=3,
            valid_until=dt.date(2027, 11, 26),
        )  # fmt: skip
        s.add(assessment)
        s.flush()
        common = {"client_id": client.id, "staff_id": staff.id, "outlet_id": outlet.id, "product_id": product.id}
        record = SuitabilityRow(
            **common, amount=Decimal(50_000), assessment_id=assessment.id, outcome=SuitabilityOutcome.SOLD,
            created_at=NOW, detail={},
        )  # fmt: skip
        s.add(record)
        s.flush()
        sale = SaleRow(
            **common, amount=Decimal(50_000), sold_at=NOW, suitability_id=record.id,
            cooling_off_until=NOW + dt.timedelta(hours=24),
        )  # fmt: skip
        s.add(sale)
        s.flush()
        correction = SuitabilityRow(
            **common, amount=Decimal(50_000), assessment_id=assessment.id, outcome="cancelled", created_at=NOW,
            corrects_id=record.id, detail={"cancelled_sale": sale.id},
        )  # fmt: skip
        s.add(correction)
        s.flush()
        ids = {
            "risk_assessments": assessment.id,
            "suitability_records": record.id,
            "sales": sale.id,
            "correction": correction.id,
        }
        uow.commit()
    return ids


@pytest.fixture
def records(uow_factory: SqlUnitOfWorkFactory) -> dict[str, int]:
    return add_records(uow_factory)


def refused(engine: Engine, statement: str, **params: object) -> None:
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as conn:
        conn.execute(text(statement), params)


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(select(Base.metadata.tables[t]).order_by(text("id")))]
            for t in RECORD_TABLES
        }


@pytest.mark.parametrize("table", ["risk_assessments", "suitability_records"])
def test_plain_sql_can_neither_change_nor_delete_an_assessment_or_a_suitability_record(
    engine: Engine, records: dict[str, int], table: str
) -> None:
    before = snapshot(engine)
    column = "level" if table == "risk_assessments" else "outcome"
    value = 5 if table == "risk_assessments" else "blocked"
    refused(engine, f"UPDATE {table} SET {column} = :v WHERE id = :i", v=value, i=records[table])
    refused(engine, f"UPDATE {table} SET staff_id = staff_id")  # even writing a value back is a change refused
    refused(engine, f"DELETE FROM {table} WHERE id = :i", i=records[table])
    if engine.dialect.name == "postgresql":
        refused(engine, f"TRUNCATE {table} CASCADE")
    assert snapshot(engine) == before


def test_plain_sql_cannot_delete_a_sale_or_change_anything_of_it_but_its_cancellation(
    engine: Engine, records: dict[str, int]
) -> None:
    before = snapshot(engine)
    sale = records["sales"]
    refused(engine, "DELETE FROM sales WHERE id = :i", i=sale)
    if engine.dialect.name == "postgresql":
        refused(engine, "TRUNCATE sales CASCADE")
    refused(engine, "UPDATE sales SET amount_fen = 1 WHERE id = :i", i=sale)
    # The cancellation may not carry another change with it.
    refused(engine, "UPDATE sales SET cancelled_at = sold_at, amount_fen = 1 WHERE id = :i", i=sale)
    assert snapshot(engine) == before


def test_every_column_of_a_sale_is_guarded_whatever_later_migrations_added(
    engine: Engine, records: dict[str, int]
) -> None:
    """At the schema's head, not only the columns of the migration that made the triggers."""
    for column in SaleRow.__table__.columns:
        if column.name in ("cancelled_at", "id"):
            continue
        refused(
            engine,
            f"UPDATE sales SET cancelled_at = sold_at, {column.name} = NULL WHERE id = :i",
            i=records["sales"],
        )


def test_a_sales_cancellation_time_is_set_once_and_never_changed_or_cleared(
    engine: Engine, records: dict[str, int]
) -> None:
    sale = records["sales"]
    at = NOW + dt.timedelta(hours=2)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE sales SET cancelled_at = :at WHERE id = :i"), {"at": at.replace(tzinfo=None), "i": sale}
        )
    refused(engine, "UPDATE sales SET cancelled_at = sold_at WHERE id = :i", i=sale)
    refused(engine, "UPDATE sales SET cancelled_at = NULL WHERE id = :i", i=sale)
    with engine.connect() as conn:
        assert conn.scalar(select(SaleRow.cancelled_at).where(SaleRow.id == sale)) == at


@pytest.mark.parametrize(
    "at",
    [NOW - dt.timedelta(seconds=1), NOW + dt.timedelta(hours=24), NOW + dt.timedelta(days=90)],
    ids=["before the sale", "when the cooling-off ends", "months later"],
)
def test_a_cancellation_outside_the_cooling_off_period_is_refused_by_the_database(
    engine: Engine, records: dict[str, int], at: dt.datetime
) -> None:
    """A cancelled sale leaves every count (limits, breaches, the scoreboard): plain SQL may not cancel one late."""
    before = snapshot(engine)
    refused(engine, "UPDATE sales SET cancelled_at = :at WHERE id = :i", at=at.replace(tzinfo=None), i=records["sales"])
    assert snapshot(engine) == before


def test_a_sale_without_a_cooling_off_period_cannot_be_cancelled_by_sql(
    engine: Engine, records: dict[str, int]
) -> None:
    """No cooling-off (a deposit-like product): nothing to cancel, and a comparison with NULL is no permission."""
    sales = SaleRow.__table__
    with engine.begin() as conn:
        sold = dict(conn.execute(select(sales).where(sales.c.id == records["sales"])).mappings().one())
        del sold["id"]
        plain = conn.execute(
            insert(sales).values(**{**sold, "cooling_off_until": None, "suitability_id": records["correction"]})
        ).inserted_primary_key[0]
    refused(engine, "UPDATE sales SET cancelled_at = sold_at WHERE id = :i", i=plain)


def test_the_cooling_off_cancellation_goes_through_the_repository(
    uow_factory: SqlUnitOfWorkFactory, records: dict[str, int], clock: FrozenClock
) -> None:
    at = clock.now().datetime
    with uow_factory(write=True) as uow:
        cancelled = uow.sales.cancel(records["sales"], at)
        uow.commit()
    assert cancelled.cancelled_at == at
    with uow_factory(write=True) as uow, pytest.raises(LookupError):
        uow.sales.cancel(records["sales"], at)  # once


def test_the_repositories_offer_no_delete_for_records(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        for repository in (uow.assessments, uow.suitability, uow.sales):
            assert not hasattr(repository, "delete"), type(repository).__name__
        assert hasattr(uow.tasks, "delete") and hasattr(uow.contacts, "delete")


def test_the_orm_cannot_delete_a_record_either(
    uow_factory: SqlUnitOfWorkFactory, records: dict[str, int], engine: Engine
) -> None:
    before = snapshot(engine)
    for row, table in ((AssessmentRow, "risk_assessments"), (SaleRow, "sales")):
        with pytest.raises(StorageFailure) as failure, uow_factory(write=True) as uow:
            uow.session.delete(uow.session.get(row, records[table]))
            uow.session.flush()
        assert "immutable" in str(failure.value.__cause__)
    assert snapshot(engine) == before


@pytest.fixture
def source(tmp_path: Path, clock: FrozenClock) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'source.db'}")
    upgrade(eng)
    add_records(SqlUnitOfWorkFactory(eng, clock))
    yield eng
    eng.dispose()


def test_a_branch_with_records_and_a_correction_moves_to_another_database(source: Engine, engine: Engine) -> None:
    """The copy inserts the records whole (a correction after the record it corrects), never updates them."""
    copied = {c.table: c.rows for c in copy_branch(source, engine)}
    assert copied["suitability_records"] == 2 and copied["sales"] == 1
    assert snapshot(engine) == snapshot(source)
    with engine.connect() as conn:
        assert audit.verify(conn) is None
        assert conn.scalar(select(func.count()).where(SuitabilityRow.corrects_id.is_not(None))) == 1
