"""Storage on SQLite and PostgreSQL: migrations, engine settings, units of work, repositories, audit and views.

Tests taking ``db_url`` / ``engine`` / ``uow_factory`` run once per backend on a fresh database.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, delete, event, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain import models
from csm_tui.domain.enums import (
    AccountKind,
    AppointmentStatus,
    Channel,
    Disposition,
    Grade,
    HoldingStatus,
    ProductCategory,
    QualificationKind,
    ReferralKind,
    ReferralStatus,
    RiskLevel,
    RiskRating,
    Role,
    SuitabilityOutcome,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.models import (
    Account,
    Appointment,
    Client,
    DailyBalance,
    NewAppointment,
    NewClient,
    NewContactRecord,
    NewHolding,
    NewOutlet,
    NewProduct,
    NewReferral,
    NewRiskAssessment,
    NewSale,
    NewStaff,
    NewSuitabilityRecord,
    NewTask,
    Outlet,
    Product,
    Qualification,
    RiskAssessment,
    Staff,
)
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import AssessmentDue, DayFigures, Validity
from storage import audit
from storage.engine import make_engine, sqlite_path
from storage.migrate import DatabaseTooNew, check_not_newer, current_revision, head_revision, upgrade
from storage.orm import AuditRow, BalanceSpanRow, Base, ClientRow, TaskRow
from storage.uow import ReadOnlyUnitOfWork, SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, rid
from tests.support.legacy_audit import append_unsigned

TZ = "Asia/Shanghai"
TODAY = dt.date(2026, 11, 27)  # the frozen clock's branch day, a Friday


def _stored(new: Any, id_: int) -> Any:
    """``new`` as its repository returns it once stored: the stored type, with its id."""
    stored = getattr(models, type(new).__name__.removeprefix("New"))
    return stored.model_construct(**dict(new), id=id_)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def audit_rows(engine: Engine) -> list[AuditRow]:
    """The audit log, read outside any unit of work."""
    with Session(engine) as session:
        return list(session.scalars(select(AuditRow).order_by(AuditRow.id)))


# --- migrations ----------------------------------------------------------------------------------------------


def test_migrations_take_an_empty_database_to_head(db_url: str) -> None:
    eng = make_engine(db_url)
    try:
        assert current_revision(eng) is None
        upgrade(eng)
        assert current_revision(eng) == head_revision()
        assert set(inspect(eng).get_table_names()) == {*Base.metadata.tables, "alembic_version"}
        upgrade(eng)  # again: nothing to do
        assert current_revision(eng) == head_revision()
    finally:
        eng.dispose()


def test_migrated_schema_matches_the_orm(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_migrated_indexes_have_the_keys_and_carried_columns_the_orm_declares(engine: Engine) -> None:
    """Alembic's comparison leaves out the columns a PostgreSQL index carries besides its keys (``INCLUDE``, which
    the queue reads from the index alone): each index of the ORM, as the migrations made it, has its keys in order
    and carries exactly what the ORM declares (on SQLite, nothing)."""
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        for table in Base.metadata.tables.values():
            for index in table.indexes:
                keys = [column.name for column in index.columns]
                carried = list(index.dialect_options["postgresql"]["include"] or ()) if postgres else []
                assert _index_columns(conn, index.name or "") == (keys, carried), index.name


def _index_columns(conn: Connection, name: str) -> tuple[list[str], list[str]]:
    """An index's key columns and the columns it carries besides, as the database has it."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"PRAGMA index_xinfo('{name}')").all()  # seqno, cid, name, desc, coll, key
        return [row[2] for row in rows if row[5]], [row[2] for row in rows if not row[5] and row[2] is not None]
    found = conn.execute(
        text(
            "SELECT array_agg(a.attname ORDER BY k.n), i.indnkeyatts FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            " WHERE c.relname = :name GROUP BY i.indnkeyatts"
        ),
        {"name": name},
    ).one()
    columns, key_count = list(found[0]), found[1]
    return columns[:key_count], columns[key_count:]


def test_upgrade_from_0001_keeps_the_data(
    db_url: str, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # an installation that never had a key
    eng = make_engine(db_url)
    try:
        upgrade(eng, "0001")
        assert current_revision(eng) == "0001"
        assert "ix_clients_name" not in {ix["name"] for ix in inspect(eng).get_indexes("clients")}
        with monkeypatch.context() as legacy:  # the app of 0001, which audited without a key
            legacy.setattr(audit, "append", append_unsigned)
            factory = SqlUnitOfWorkFactory(eng, clock)
            with factory(write=True) as uow:
                outlet = uow.outlets.add(NewOutlet(code="B01", name="上海分行营业部"))
                # The staff table as 0001 made it (later revisions add columns the repository writes).
                session = uow.session  # type: ignore[attr-defined]
                session.execute(
                    text(
                        "INSERT INTO staff (login, name, role, grade, active)"
                        " VALUES ('csm01', :name, 'csm', 'csm', :on)"
                    ),
                    {"name": "王芳", "on": True},
                )
                staff_id = session.scalar(text("SELECT id FROM staff WHERE login = 'csm01'"))
                staff = Staff(id=staff_id, login="csm01", name="王芳", role=Role.CSM, grade=Grade.CSM)
                # The clients table as 0001 made it (later revisions add columns the domain's client reads).
                session.execute(
                    text(
                        "INSERT INTO clients (number, name, name_initials, resident_id, mobile, mobile_invalid,"
                        " address, occupation, manager_id, outlet_id, civil_capacity, phone_opt_out, sms_opt_out,"
                        " note, balance_fen, avg_3m_fen, version) VALUES ('C0001', :name, 'zs', '11010519491231002X',"
                        " '13800138000', :off, '', '', :manager, :outlet, :on, :off, :off, '', 123456, 0, 1)"
                    ),
                    {"name": "张三", "on": True, "off": False, "manager": staff.id, "outlet": outlet.id},
                )
                client_id = session.scalar(text("SELECT id FROM clients WHERE number = 'C0001'"))
                uow.commit()

        upgrade(eng)

        assert current_revision(eng) == head_revision()
        assert "ix_clients_name" in {ix["name"] for ix in inspect(eng).get_indexes("clients")}
        with factory() as uow:
            assert uow.outlets.list() == [outlet]
            assert uow.staff.by_login("csm01") == staff
            client = uow.clients.get(client_id)
            assert (client.number, client.name, str(client.resident_id), client.balance) == (
                "C0001",
                "张三",
                "11010519491231002X",
                Decimal("1234.56"),
            )
            assert (client.manager_id, client.id_expiry, client.id_long_term) == (staff.id, None, False)
        with eng.connect() as conn:
            assert audit.verify(conn) is None
    finally:
        eng.dispose()


def test_upgrade_leaves_existing_products_without_an_asset_type(db_url: str) -> None:
    """0019: a private placement the branch had keeps the strictest minimum (no asset type) until the admin records
    its type; the database takes a wealth product's type and refuses one on any other category."""
    eng = make_engine(db_url)
    try:
        upgrade(eng, "0018")
        with eng.begin() as conn:
            for code, category in (("PP1", "wealth"), ("FD1", "fund")):
                conn.execute(
                    text(
                        "INSERT INTO products (code, name, category, min_amount_fen, dual_recording,"
                        " cooling_off_hours, private_placement) VALUES (:code, '私募', :category, 0, :no, 24, :yes)"
                    ),
                    {"code": code, "category": category, "no": False, "yes": True},
                )
        upgrade(eng)
        with eng.begin() as conn:
            assert conn.execute(text("SELECT code, asset_type FROM products ORDER BY code")).all() == [
                ("FD1", None), ("PP1", None),
            ]  # fmt: skip
            conn.execute(text("UPDATE products SET asset_type = 'fixed_income' WHERE code = 'PP1'"))
        with pytest.raises(IntegrityError), eng.begin() as conn:
            conn.execute(text("UPDATE products SET asset_type = 'equity' WHERE code = 'FD1'"))
    finally:
        eng.dispose()


def test_a_database_from_a_newer_app_is_refused(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseTooNew) as err:
        upgrade(engine)
    assert err.value.revision == "9999"
    with pytest.raises(DatabaseTooNew):
        check_not_newer(engine)
    assert current_revision(engine) == "9999"  # left alone


def test_an_empty_database_stamped_newer_is_refused(db_url: str) -> None:
    eng = make_engine(db_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('9999')"))
        with pytest.raises(DatabaseTooNew):
            upgrade(eng)
        assert inspect(eng).get_table_names() == ["alembic_version"]
    finally:
        eng.dispose()


# --- SQLite settings -----------------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_sqlite_file_is_private(sqlite_url: str, clock: FrozenClock) -> None:
    path = sqlite_path(make_url(sqlite_url))
    assert path is not None and not path.exists()
    eng = make_engine(sqlite_url)
    try:
        assert _mode(path) == 0o600
        upgrade(eng)
        with SqlUnitOfWorkFactory(eng, clock)(write=True) as uow:
            uow.outlets.add(NewOutlet(code="B01", name="x"))
            uow.commit()
        assert _mode(path) == 0o600
        for sidecar in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.migrate.lock")):
            if sidecar.exists():
                assert _mode(sidecar) & 0o077 == 0, sidecar
    finally:
        eng.dispose()


def test_sqlite_file_in_a_new_directory(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path}/a/b/t.db")
    try:
        assert _mode(tmp_path / "a" / "b" / "t.db") == 0o600
        assert _mode(tmp_path / "a" / "b") == 0o700  # the directory made for it, too: no one else lists it
    finally:
        eng.dispose()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    eng = make_engine(sqlite_url)
    try:
        with eng.connect() as conn:

            def pragma(name: str) -> Any:
                return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("busy_timeout") >= 5000
    finally:
        eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    upgrade(eng)
    yield eng
    eng.dispose()


def _other_connection(engine: Engine) -> sqlite3.Connection:
    path = sqlite_path(engine.url)
    assert path is not None
    return sqlite3.connect(path, timeout=0.1, isolation_level=None)


def test_write_unit_of_work_begins_immediate(sqlite_engine: Engine, clock: FrozenClock) -> None:
    statements: list[str] = []
    event.listen(sqlite_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    factory = SqlUnitOfWorkFactory(sqlite_engine, clock)
    other = _other_connection(sqlite_engine)
    try:
        with factory(write=True):
            assert statements == ["BEGIN IMMEDIATE"]
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released on exit
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_read_unit_of_work_does_not_take_the_write_lock(sqlite_engine: Engine, clock: FrozenClock) -> None:
    factory = SqlUnitOfWorkFactory(sqlite_engine, clock)
    other = _other_connection(sqlite_engine)
    try:
        with factory() as uow:
            assert uow.outlets.list() == []
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO outlets (code, name, sells_wealth) VALUES ('B09', 'x', 1)")
            assert uow.outlets.list() == []  # its snapshot, undisturbed
            other.execute("COMMIT")
        other.execute("BEGIN IMMEDIATE")
        with factory() as uow:  # reads while another connection holds the write lock (WAL)
            assert [o.code for o in uow.outlets.list()] == ["B09"]
        other.execute("ROLLBACK")
    finally:
        other.close()


# --- units of work -------------------------------------------------------------------------------------------


def test_uncommitted_work_is_rolled_back(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B01", name="x"))
        assert len(uow.outlets.list()) == 1
    with uow_factory() as uow:
        assert uow.outlets.list() == []


def test_committed_work_persists(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        outlet = uow.outlets.add(NewOutlet(code="B01", name="x"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.outlets.list() == [outlet]


def test_an_exception_rolls_back(uow_factory: SqlUnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError), uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B01", name="x"))
        raise RuntimeError("boom")
    with uow_factory() as uow:
        assert uow.outlets.list() == []


def test_explicit_rollback_then_more_work(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B01", name="x"))
        uow.rollback()
        uow.outlets.add(NewOutlet(code="B02", name="y"))
        uow.commit()
    with uow_factory() as uow:
        assert [o.code for o in uow.outlets.list()] == ["B02"]


def test_a_write_in_a_read_only_unit_of_work_is_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(ReadOnlyUnitOfWork):
        uow.outlets.add(NewOutlet(code="B01", name="x"))
    with uow_factory() as uow:
        assert uow.outlets.list() == []


def test_naive_datetimes_are_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        outlet = uow.outlets.add(NewOutlet(code="B01", name="x"))
        staff = uow.staff.add(NewStaff(login="s", name="S", role=Role.CSM, grade=Grade.CSM, outlet_id=outlet.id))
        client = uow.clients.add(NewClient(number="C1", name="张三", resident_id="11010519491231002X"))
        with pytest.raises(Exception, match="naive datetime"):
            uow.tasks.add(
                NewTask(
                    client_id=client.id or 0,
                    staff_id=staff.id or 0,
                    kind=TaskKind.CALLBACK,
                    due_on=TODAY,
                    created_at=dt.datetime(2026, 11, 27, 2),
                )
            )


# --- repositories --------------------------------------------------------------------------------------------


@dataclass
class Seed:
    outlet: Outlet
    csm: Staff
    client: Client
    product: Product


@pytest.fixture
def seed(uow_factory: SqlUnitOfWorkFactory) -> Seed:
    with uow_factory(write=True) as uow:
        outlet = uow.outlets.add(NewOutlet(code="B01", name="上海分行营业部"))
        csm = uow.staff.add(
            NewStaff(login="csm01", name="王芳", role=Role.CSM, grade=Grade.SENIOR, outlet_id=outlet.id)
        )
        client = uow.clients.add(
            NewClient(
                number="C0001",
                name="张三",
                resident_id="11010519491231002X",
                mobile="13800138000",
                manager_id=csm.id,
                outlet_id=outlet.id,
            )
        )
        product = uow.products.add(
            NewProduct(code="WM001", name="得利宝·天添利", category=ProductCategory.WEALTH, issuer_rating=RiskRating.R2)
        )
        uow.commit()
    return Seed(outlet, csm, client, product)


def _id(item: Any) -> int:
    assert item.id is not None
    return int(item.id)


def test_outlet_round_trip(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        added = uow.outlets.add(NewOutlet(code="B02", name="浦东支行", sells_wealth=False))
        uow.outlets.add(NewOutlet(code="B01", name="营业部"))
        uow.commit()
    assert added.id is not None
    with uow_factory() as uow:
        assert uow.outlets.get(added.id) == Outlet(id=added.id, code="B02", name="浦东支行", sells_wealth=False)
        assert [o.code for o in uow.outlets.list()] == ["B01", "B02"]
        assert uow.outlets.get(added.id + 100) is None


def test_meta_round_trip(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        assert uow.meta.get("data_as_of") is None
        uow.meta.set("data_as_of", "2026-11-25")
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.meta.set("data_as_of", "2026-11-26")
        uow.commit()
    with uow_factory() as uow:
        assert uow.meta.get("data_as_of") == "2026-11-26"
        assert uow.views.data_as_of() == dt.date(2026, 11, 26)


def test_staff_with_qualifications_round_trip(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    staff = NewStaff(
        login="csm02",
        name="李娜",
        role=Role.CSM,
        grade=Grade.ASSISTANT,
        outlet_id=seed.outlet.id,
        supervisor_id=seed.csm.id,
        qualifications=(
            Qualification(kind=QualificationKind.WEALTH_BASIC, number="WB-1", obtained_on=dt.date(2020, 1, 1)),
            Qualification(
                kind=QualificationKind.FUND,
                number="F-2",
                obtained_on=dt.date(2021, 3, 1),
                expires_on=dt.date(2026, 11, 26),
            ),
        ),
    )
    with uow_factory(write=True) as uow:
        added = uow.staff.add(staff)
        uow.commit()
    assert added == _stored(staff, added.id)
    with uow_factory() as uow:
        got = uow.staff.get(_id(added))
        assert got == added
        assert got is not None and got.valid_qualifications(TODAY) == {QualificationKind.WEALTH_BASIC}
        assert uow.staff.by_login("csm02") == added
        assert uow.staff.by_login("nobody") is None
        assert uow.staff.team(_id(seed.csm)) == [added]


def test_client_with_accounts_and_money_round_trip(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    client = NewClient(
        number="C0002",
        name="欧阳娜娜",
        resident_id="310101198001191234",
        mobile="13912345678",
        address="上海市黄浦区中山东一路1号",
        occupation="教师",
        manager_id=seed.csm.id,
        outlet_id=seed.outlet.id,
        phone_opt_out=True,
        note="喜欢上午来电",
        balance=Decimal("1234567.89"),
        avg_3m=Decimal("0.01"),
        assets_as_of=dt.date(2026, 11, 25),
        accounts=(
            Account(number="6222600000000001", kind=AccountKind.DEBIT_CARD, opened_on=dt.date(2010, 5, 1)),
            Account(number="6222600000000002", kind=AccountKind.PAYROLL_CARD, opened_on=dt.date(2015, 9, 1)),
        ),
    )
    with uow_factory(write=True) as uow:
        added = uow.clients.add(client)
        uow.commit()
    assert added == _stored(client, added.id)
    with uow_factory() as uow:
        got = uow.clients.get(_id(added))
        assert got == added
        assert got.balance == Decimal("1234567.89") and str(got.balance) == "1234567.89"
        assert str(got.avg_3m) == "0.01"
        assert uow.clients.by_number("C0002") == added
        with pytest.raises(LookupError):
            uow.clients.by_number("C9999")
        with pytest.raises(LookupError):
            uow.clients.get(_id(added) + 100)
        assert uow.clients.summary(_id(added) + 100) is None
        stored = uow.session.scalar(text("SELECT balance_fen FROM clients WHERE id = :id"), {"id": added.id})
        assert stored == 123456789
        assert uow.session.scalar(select(ClientRow.name_initials).where(ClientRow.id == added.id)) == "oynn"


def test_product_round_trip_and_rating(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    product = NewProduct(
        code="FD001",
        name="交银成长混合",
        category=ProductCategory.FUND,
        issuer_rating=RiskRating.R2,
        seller_rating=RiskRating.R4,
        term_days=365,
        expected_yield=Decimal("3.4500"),
        min_amount=Decimal("1000.00"),
        sale_start=dt.date(2026, 11, 1),
        sale_end=dt.date(2026, 11, 27),
        dual_recording=True,
        cooling_off_hours=24,
        listed_on=dt.date(2026, 11, 1),
    )
    with uow_factory(write=True) as uow:
        added = uow.products.add(product)
        uow.products.add(NewProduct(code="DP001", name="定期存款", category=ProductCategory.DEPOSIT))
        uow.products.add(
            NewProduct(code="FD002", name="未开售", category=ProductCategory.FUND, sale_start=dt.date(2026, 11, 28))
        )
        uow.commit()
    with uow_factory() as uow:
        got = uow.products.get(_id(added))
        assert got == _stored(product, added.id)
        assert got is not None
        assert got.rating is RiskRating.R4
        assert str(got.expected_yield) == "3.4500"
        assert uow.products.by_code("FD001") == got
        assert uow.products.by_code("XX") is None
        assert [p.code for p in uow.products.on_sale(TODAY)] == ["DP001", "FD001", "WM001"]
        assert [p.code for p in uow.products.on_sale(TODAY + dt.timedelta(days=1))] == ["DP001", "FD002", "WM001"]
        deposit = uow.products.by_code("DP001")
        assert deposit is not None and deposit.rating is None
        seeded = uow.products.by_code("WM001")
        assert seeded is not None and seeded.rating is RiskRating.R2


def test_holding_round_trip(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    later = NewHolding(
        client_id=_id(seed.client),
        product_id=_id(seed.product),
        amount=Decimal("50000.50"),
        start_date=dt.date(2026, 6, 1),
        maturity_date=dt.date(2026, 12, 1),
    )
    earlier = later.model_copy(update={"start_date": dt.date(2025, 1, 1), "status": HoldingStatus.MATURED})
    with uow_factory(write=True) as uow:
        a = uow.holdings.add(later)
        b = uow.holdings.add(earlier)
        uow.commit()
    with uow_factory() as uow:
        assert uow.holdings.for_client(_id(seed.client)) == [b, a]
        assert a == _stored(later, a.id)


def test_contact_round_trip(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    first = NewContactRecord(
        client_id=_id(seed.client),
        staff_id=_id(seed.csm),
        channel=Channel.PHONE,
        started_at=dt.datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=beijing),
        duration_s=95,
        disposition=Disposition.INTERESTED,
        note="对季度开放产品感兴趣",
        satisfaction=5,
    )
    second = first.model_copy(update={"started_at": utc(2026, 11, 27, 3), "disposition": Disposition.NO_ANSWER})
    with uow_factory(write=True) as uow:
        a = uow.contacts.add(first)
        b = uow.contacts.add(second)
        uow.commit()
    with uow_factory() as uow:
        got = uow.contacts.for_client(_id(seed.client))
        assert got == [b, a]  # newest first
        assert got[1] == _stored(first, a.id)
        assert got[1].started_at.tzinfo == dt.UTC
        assert got[1].started_at == utc(2026, 11, 27, 2, 0, 0, 123456)
        assert uow.contacts.for_client(_id(seed.client), limit=1) == [b]


def test_task_round_trip_and_close(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    task = NewTask(
        client_id=_id(seed.client),
        staff_id=_id(seed.csm),
        kind=TaskKind.CALLBACK,
        due_on=TODAY,
        due_at=utc(2026, 11, 27, 6, 30),
        origin=TaskOrigin.CONTACT,
        origin_id=7,
        note="客户要求下午两点半回电",
        created_at=utc(2026, 11, 26, 8),
    )
    with uow_factory(write=True) as uow:
        added = uow.tasks.add(task)
        uow.commit()
    assert added == _stored(task, added.id)
    closed_at = utc(2026, 11, 27, 6, 35)
    with uow_factory(write=True) as uow:
        uow.tasks.close(_id(added), TaskStatus.DONE, closed_at)
        assert uow.tasks.get(_id(added)) == added.model_copy(update={"status": TaskStatus.DONE, "closed_at": closed_at})
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.tasks.get(_id(added)) == added.model_copy(update={"status": TaskStatus.DONE, "closed_at": closed_at})
        with pytest.raises(LookupError):
            uow.tasks.close(_id(added), TaskStatus.DONE, closed_at)  # already closed
        with pytest.raises(LookupError):
            uow.tasks.close(_id(added) + 100, TaskStatus.DONE, closed_at)
        assert uow.tasks.get(_id(added) + 100) is None


def test_appointment_round_trip(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    def appointment(at: dt.datetime) -> Appointment:
        return NewAppointment(
            client_id=_id(seed.client),
            staff_id=_id(seed.csm),
            starts_at=at,
            minutes=45,
            purpose="资产配置",
            place="贵宾室",
        )

    with uow_factory(write=True) as uow:
        inside = uow.appointments.add(appointment(utc(2026, 11, 27, 6)))
        uow.appointments.add(appointment(utc(2026, 11, 27, 16)))  # tomorrow in Shanghai
        early = uow.appointments.add(
            appointment(utc(2026, 11, 26, 16)).model_copy(
                update={"status": AppointmentStatus.CONFIRMED, "confirmed_at": utc(2026, 11, 26, 9)}
            )
        )
        uow.commit()
    start, end = BranchTime(FrozenClock("2026-11-27T02:00:00Z"), TZ).day_bounds(TODAY)
    with uow_factory() as uow:
        assert uow.appointments.between(_id(seed.csm), start, end) == [early, inside]
        assert inside == _stored(appointment(utc(2026, 11, 27, 6)), inside.id)
        assert uow.appointments.between(_id(seed.csm) + 100, start, end) == []


def test_assessment_round_trip(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    def assessment(taken: dt.datetime, level: RiskLevel) -> RiskAssessment:
        return NewRiskAssessment(
            client_id=_id(seed.client),
            staff_id=_id(seed.csm),
            taken_at=taken,
            answers={"q1": "b", "q2": "d", "收入": "10-50万"},
            score=58,
            level=level,
            face_to_face=True,
            valid_until=taken.date().replace(year=taken.year + 1),
        )

    with uow_factory(write=True) as uow:
        assert uow.assessments.latest(_id(seed.client)) is None
        newer = uow.assessments.add(assessment(utc(2026, 6, 1, 2), RiskLevel.C3))
        uow.assessments.add(assessment(utc(2025, 6, 1, 2), RiskLevel.C2))
        uow.commit()
    with uow_factory() as uow:
        got = uow.assessments.latest(_id(seed.client))
        assert got == newer == _stored(assessment(utc(2026, 6, 1, 2), RiskLevel.C3), newer.id)
        assert got is not None and got.answers["收入"] == "10-50万"


def test_suitability_sale_and_referral_round_trip(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    detail = {
        "profile": {"level": "C3", "age": 76, "elderly": True},
        "checks": [{"code": "level_match", "passed": True}, {"code": "elderly", "passed": False, "note": "需双录"}],
        "warnings": ["超龄客户"],
        "confirmations": {"risk_disclosure": True, "signed": None},
        "amount": "50000.50",
    }
    with uow_factory(write=True) as uow:
        record = NewSuitabilityRecord(
            client_id=_id(seed.client),
            staff_id=_id(seed.csm),
            outlet_id=_id(seed.outlet),
            product_id=_id(seed.product),
            amount=Decimal("50000.50"),
            outcome=SuitabilityOutcome.SOLD,
            created_at=utc(2026, 11, 27, 2, 10),
            recording_ref="REC-20261127-0001",
            detail=detail,
        )
        first = uow.suitability.add(record)
        correction = uow.suitability.add(
            record.model_copy(update={"corrects_id": first.id, "outcome": SuitabilityOutcome.CANCELLED, "detail": {}})
        )
        sale = NewSale(
            client_id=_id(seed.client),
            staff_id=_id(seed.csm),
            outlet_id=_id(seed.outlet),
            product_id=_id(seed.product),
            amount=Decimal("50000.50"),
            sold_at=utc(2026, 11, 27, 2, 15),
            suitability_id=first.id,
            cooling_off_until=utc(2026, 11, 28, 2, 15),
        )
        sold = uow.sales.add(sale)
        other = uow.staff.add(NewStaff(login="wm01", name="周杰", role=Role.WEALTH_MANAGER, outlet_id=seed.outlet.id))
        referral = NewReferral(
            client_id=_id(seed.client),
            kind=ReferralKind.WODE,
            from_staff_id=_id(seed.csm),
            to_staff_id=_id(other),
            created_at=utc(2026, 11, 27, 2, 20),
            reason="日均资产接近沃德门槛",
        )
        referred = uow.referrals.add(referral)
        uow.referrals.add(referral.model_copy(update={"status": ReferralStatus.ACCEPTED}))
        uow.commit()
    with uow_factory() as uow:
        records = uow.suitability.for_client(_id(seed.client))
        assert records == [first, correction]
        assert records[0] == _stored(record, first.id)
        assert records[0].detail == detail
        assert records[1].corrects_id == first.id
        assert uow.sales.for_client(_id(seed.client)) == [_stored(sale, sold.id)]
        assert uow.referrals.open_to(_id(other)) == [_stored(referral, referred.id)]
        assert uow.referrals.open_to(_id(seed.csm)) == []


# --- daily balances ------------------------------------------------------------------------------------------


def _day(n: int) -> dt.date:
    return dt.date(2026, 11, 1) + dt.timedelta(days=n - 1)


def test_balances_merge_equal_consecutive_days(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    cid = _id(seed.client)
    amounts = {1: "100.00", 2: "100.00", 3: "100.00", 4: "200.01", 5: "200.01", 8: "200.01", 9: "0.00"}
    with uow_factory(write=True) as uow:
        # out of order on purpose, and in two calls: record() sorts, and extends spans across calls
        uow.balances.record([DailyBalance(client_id=cid, day=_day(d), balance=amounts[d]) for d in (3, 1, 2, 4)])
        uow.balances.record([DailyBalance(client_id=cid, day=_day(d), balance=amounts[d]) for d in (5, 9, 8)])
        uow.commit()
    with uow_factory() as uow:
        spans = uow.session.execute(
            select(BalanceSpanRow.first_day, BalanceSpanRow.last_day, BalanceSpanRow.balance)
            .where(BalanceSpanRow.client_id == cid)
            .order_by(BalanceSpanRow.first_day)
        ).all()
        assert [tuple(s) for s in spans] == [
            (_day(1), _day(3), Decimal("100.00")),
            (_day(4), _day(5), Decimal("200.01")),
            (_day(8), _day(8), Decimal("200.01")),  # not consecutive: a new span
            (_day(9), _day(9), Decimal("0.00")),
        ]
        daily = uow.balances.daily(cid, _day(2), _day(8))
        assert [(b.day, b.balance) for b in daily] == [
            (_day(2), Decimal("100.00")),
            (_day(3), Decimal("100.00")),
            (_day(4), Decimal("200.01")),
            (_day(5), Decimal("200.01")),
            (_day(8), Decimal("200.01")),
        ]
        assert all(b.client_id == cid for b in daily)
        # days 1..5: 300.00 + 400.02 = 700.02 over 5 days
        assert uow.balances.average(cid, _day(1), _day(5)) == Decimal("140.00")
        # days 1..6 (day 6 unrecorded counts as zero): 700.02 / 6 = 116.67
        assert uow.balances.average(cid, _day(1), _day(6)) == Decimal("116.67")
        assert uow.balances.average(cid, _day(20), _day(29)) == Decimal("0.00")
        assert uow.balances.daily(cid + 100, _day(1), _day(9)) == []


def test_average_is_never_rounded_up(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    cid = _id(seed.client)
    with uow_factory(write=True) as uow:
        uow.balances.record([DailyBalance(client_id=cid, day=_day(d), balance="200.01") for d in (1, 2, 3)])
        # 600.03 over 6 days = 100.005: kept as 100.00, so no threshold of 100.01 is reached by rounding
        assert uow.balances.average(cid, _day(1), _day(6)) == Decimal("100.00")


def test_a_day_cannot_be_recorded_twice(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    cid = _id(seed.client)
    with uow_factory(write=True) as uow:
        uow.balances.record([DailyBalance(client_id=cid, day=_day(d), balance="5") for d in (1, 2, 3)])
        with pytest.raises(ValueError, match="already recorded"):
            uow.balances.record([DailyBalance(client_id=cid, day=_day(2), balance="6")])


# --- who sees what -------------------------------------------------------------------------------------------

A1_ID = "310101198001191234"


@dataclass
class Branch:
    outlet: Outlet
    admin: Staff
    sup1: Staff
    sup2: Staff
    csm_a: Staff  # team of sup1
    csm_b: Staff  # team of sup2
    csm_c: Staff  # team of sup1
    clients: dict[str, Client]


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory) -> Branch:
    """Staff in two teams and their clients; a1..a4 are csm_a's, b1 csm_b's, c1 csm_c's, n1 nobody's."""
    with uow_factory(write=True) as uow:
        build = BranchBuilder(uow)
        o = build.outlet("B01", "营业部")
        outlet = uow.outlets.get(o)
        assert outlet is not None
        admin = build.staff("admin", "管理员", Role.ADMIN)
        sup1 = build.staff("sup1", "主管一", Role.SUPERVISOR)
        sup2 = build.staff("sup2", "主管二", Role.SUPERVISOR)
        csm_a = build.staff("csm_a", "王芳", Role.CSM, supervisor_id=sup1.id)
        csm_b = build.staff("csm_b", "刘洋", Role.CSM, supervisor_id=sup2.id)
        csm_c = build.staff("csm_c", "陈静", Role.CSM, grade=Grade.SENIOR, supervisor_id=sup1.id)
        specs: list[tuple[str, str, str, str | None, Staff | None, str]] = [
            ("a1", "张三", A1_ID, "13800138000", csm_a, "300000.00"),
            ("a2", "李四", rid("110105", dt.date(1985, 3, 2), 11), "13900139000", csm_a, "50000.00"),
            ("a3", "王五", "11010519491231002X", None, csm_a, "50000.00"),
            ("a4", "赵六", rid("110108", dt.date(1960, 1, 1), 33), "15000150000", csm_a, "1000.00"),
            ("b1", "张九", rid("110102", dt.date(1975, 12, 12), 44), "13800138001", csm_b, "80000.00"),
            ("c1", "钱七", rid("110106", dt.date(1988, 8, 8), 55), "18600186000", csm_c, "90000.00"),
            ("n1", "张十", rid("110107", dt.date(1970, 2, 28), 66), "18800188000", None, "70000.00"),
        ]
        clients = {}
        for n, (key, name, resident_id, mobile, manager, avg) in enumerate(specs, start=1):
            clients[key] = uow.clients.add(
                NewClient(
                    number=f"C{n:04d}",
                    name=name,
                    resident_id=resident_id,
                    mobile=mobile,
                    manager_id=None if manager is None else manager.id,
                    outlet_id=o,
                    avg_3m=avg,
                    assets_as_of=dt.date(2026, 11, 25),
                )
            )
        uow.commit()
    return Branch(outlet, admin, sup1, sup2, csm_a, csm_b, csm_c, clients)


def _visible(uow_factory: SqlUnitOfWorkFactory, actor: Staff, branch: Branch) -> set[str]:
    seen = set()
    with uow_factory.acting_as(actor)() as uow:
        for key, client in branch.clients.items():
            try:
                got = uow.clients.get(_id(client))
            except AccessDenied:
                with pytest.raises(AccessDenied):
                    uow.clients.by_number(client.number)
                continue
            assert got == client
            assert uow.clients.by_number(client.number) == client
            seen.add(key)
    return seen


def test_a_csm_sees_only_own_clients_in_full(uow_factory: SqlUnitOfWorkFactory, branch: Branch) -> None:
    assert _visible(uow_factory, branch.csm_a, branch) == {"a1", "a2", "a3", "a4"}
    assert _visible(uow_factory, branch.csm_b, branch) == {"b1"}


def test_a_supervisor_sees_own_team(uow_factory: SqlUnitOfWorkFactory, branch: Branch) -> None:
    assert _visible(uow_factory, branch.sup1, branch) == {"a1", "a2", "a3", "a4", "c1"}
    assert _visible(uow_factory, branch.sup2, branch) == {"b1"}


def test_admin_and_system_see_all(uow_factory: SqlUnitOfWorkFactory, branch: Branch) -> None:
    assert _visible(uow_factory, branch.admin, branch) == set(branch.clients)
    with uow_factory() as uow:
        assert uow.clients.get(_id(branch.clients["n1"])) == branch.clients["n1"]


def test_others_clients_are_summarised_masked(uow_factory: SqlUnitOfWorkFactory, branch: Branch) -> None:
    a1 = branch.clients["a1"]
    with uow_factory.acting_as(branch.csm_b)() as uow:
        summary = uow.clients.summary(_id(a1))
    assert summary is not None
    assert summary.masked_id == "310101********1234"
    assert summary.masked_mobile == "138****8000"
    assert (summary.id, summary.number, summary.name, summary.manager_id, summary.own) == (
        a1.id,
        "C0001",
        "张三",
        branch.csm_a.id,
        False,
    )
    assert A1_ID not in summary.model_dump_json() and "13800138000" not in summary.model_dump_json()
    with uow_factory.acting_as(branch.csm_a)() as uow:
        own = uow.clients.summary(_id(a1))
        assert own is not None and own.own is True
        no_mobile = uow.clients.summary(_id(branch.clients["a3"]))
        assert no_mobile is not None and no_mobile.masked_mobile == ""


# --- audit ---------------------------------------------------------------------------------------------------


def test_committed_writes_are_audited_with_the_actor(
    uow_factory: SqlUnitOfWorkFactory, branch: Branch, engine: Engine, clock: FrozenClock
) -> None:
    before = len(audit_rows(engine))
    csm = branch.csm_a
    with uow_factory.acting_as(csm)(write=True) as uow:
        uow.clients.add(
            NewClient(
                number="C0100",
                name="孔明",
                resident_id=rid("110105", dt.date(1981, 4, 4), 77),
                mobile="13700137000",
                manager_id=csm.id,
                accounts=(Account(number="6222600000000100", kind=AccountKind.SAVINGS, opened_on=TODAY),),
            )
        )
        uow.commit()
    rows = audit_rows(engine)[before:]
    with uow_factory() as uow:
        client = uow.clients.by_number("C0100")
        account_id = uow.session.scalar(text("SELECT id FROM accounts WHERE client_id = :c"), {"c": client.id})
    assert sorted((r.action, r.entity, r.entity_id, r.staff_id) for r in rows) == [
        ("insert", "accounts", str(account_id), csm.id),
        ("insert", "clients", str(client.id), csm.id),
    ]
    assert all(r.at == clock.now().datetime for r in rows)


def test_uncommitted_writes_leave_no_audit(uow_factory: SqlUnitOfWorkFactory, seed: Seed, engine: Engine) -> None:
    before = len(audit_rows(engine))
    with uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B99", name="x"))
    assert len(audit_rows(engine)) == before


def test_insert_entries_name_the_new_row(uow_factory: SqlUnitOfWorkFactory, engine: Engine) -> None:
    with uow_factory(write=True) as uow:
        outlet = uow.outlets.add(NewOutlet(code="B01", name="x"))
        uow.commit()
    (row,) = audit_rows(engine)
    assert (row.action, row.entity, row.entity_id) == ("insert", "outlets", str(outlet.id))


def test_updates_record_old_and_new_values_masked(
    uow_factory: SqlUnitOfWorkFactory, branch: Branch, engine: Engine
) -> None:
    a1 = branch.clients["a1"]
    new_id = rid("310101", dt.date(1980, 1, 19), 125)
    before = len(audit_rows(engine))
    with uow_factory.acting_as(branch.csm_a)(write=True) as uow:
        row = uow.session.get(ClientRow, a1.id)
        assert row is not None
        row.mobile = "13911112222"
        row.resident_id = new_id
        row.note = "改号"
        row.avg_3m = Decimal("300000.01")
        uow.commit()
    (entry,) = audit_rows(engine)[before:]
    assert (entry.action, entry.entity, entry.entity_id, entry.staff_id) == (
        "update",
        "clients",
        str(a1.id),
        branch.csm_a.id,
    )
    assert entry.detail == {
        "mobile": ["138****8000", "139****2222"],
        "resident_id": ["310101********1234", f"310101********{new_id[-4:]}"],
        "note": ["", "改号"],
        "avg_3m": ["300000.00", "300000.01"],
    }
    everything = json.dumps([r.detail for r in audit_rows(engine)], ensure_ascii=False)
    for secret in ("13800138000", "13911112222", A1_ID, new_id, *(c.resident_id for c in branch.clients.values())):
        assert secret not in everything


def test_recorded_events_are_masked(uow_factory: SqlUnitOfWorkFactory, branch: Branch, engine: Engine) -> None:
    with uow_factory.acting_as(branch.csm_b)(write=True) as uow:
        uow.audit.record(
            "reveal", "clients", str(branch.clients["a1"].id), resident_id=A1_ID, mobile="13800138000", at=TODAY
        )
        uow.commit()
    with uow_factory() as uow:
        latest = uow.audit.recent(1)[0]
    assert (latest.action, latest.entity, latest.staff_id) == ("reveal", "clients", branch.csm_b.id)
    assert latest.detail == {"resident_id": "310101********1234", "mobile": "138****8000", "at": "2026-11-27"}
    assert latest.at == utc(2026, 11, 27, 2)


def test_audit_chain_verifies_and_detects_tampering(
    uow_factory: SqlUnitOfWorkFactory, branch: Branch, engine: Engine
) -> None:
    with uow_factory(write=True) as uow:
        row = uow.session.get(ClientRow, branch.clients["a2"].id)
        assert row is not None
        row.note = "第二笔"
        uow.commit()
    rows = audit_rows(engine)
    assert len(rows) >= 10
    with engine.connect() as conn:
        assert audit.verify(conn) is None
    target = rows[4].id
    with engine.begin() as conn:
        drop_append_only_guard(conn)
        conn.execute(update(AuditRow).where(AuditRow.id == target).values(detail={"note": ["", "篡改"]}))
    with engine.connect() as conn:
        assert audit.verify(conn) == target


def test_audit_chain_detects_a_deleted_entry(uow_factory: SqlUnitOfWorkFactory, branch: Branch, engine: Engine) -> None:
    rows = audit_rows(engine)
    with engine.begin() as conn:
        drop_append_only_guard(conn)
        conn.execute(delete(AuditRow).where(AuditRow.id == rows[3].id))
    with engine.connect() as conn:
        assert audit.verify(conn) == rows[4].id


def drop_append_only_guard(conn: Connection) -> None:
    """What someone with the database owner's rights could do: the hash chain must still show the change."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_events_append_only ON audit_events"))
    else:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_or_delete_audit_entries(branch: Branch, engine: Engine, statement: str) -> None:
    before = audit_rows(engine)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert [(r.id, r.hash) for r in audit_rows(engine)] == [(r.id, r.hash) for r in before]


def test_an_empty_audit_log_verifies(engine: Engine) -> None:
    with engine.connect() as conn:
        assert audit.verify(conn) is None


def test_closing_a_task_is_audited(uow_factory: SqlUnitOfWorkFactory, seed: Seed, engine: Engine) -> None:
    with uow_factory(write=True) as uow:
        task = uow.tasks.add(
            NewTask(
                client_id=_id(seed.client),
                staff_id=_id(seed.csm),
                kind=TaskKind.FOLLOW_UP,
                due_on=TODAY,
                created_at=utc(2026, 11, 26),
            )
        )
        uow.commit()
    before = len(audit_rows(engine))
    with uow_factory.acting_as(seed.csm)(write=True) as uow:
        uow.tasks.close(_id(task), TaskStatus.DONE, utc(2026, 11, 27, 3))
        uow.commit()
    entries = audit_rows(engine)[before:]
    assert [(e.action, e.entity, e.entity_id, e.staff_id) for e in entries] == [
        ("update", "tasks", str(task.id), seed.csm.id)
    ]
    assert entries[0].detail == {"status": ["open", "done"], "closed_at": [None, "2026-11-27T03:00:00+00:00"]}


def test_closing_a_task_in_a_read_only_unit_of_work_is_refused(uow_factory: SqlUnitOfWorkFactory, seed: Seed) -> None:
    with uow_factory(write=True) as uow:
        task = uow.tasks.add(
            NewTask(
                client_id=_id(seed.client),
                staff_id=_id(seed.csm),
                kind=TaskKind.FOLLOW_UP,
                due_on=TODAY,
                created_at=utc(2026, 11, 26),
            )
        )
        uow.commit()
    with uow_factory() as uow, pytest.raises(ReadOnlyUnitOfWork):
        uow.tasks.close(_id(task), TaskStatus.DONE, utc(2026, 11, 27, 3))


# --- read models ---------------------------------------------------------------------------------------------


@dataclass
class Day:
    branch: Branch
    tasks: dict[str, int]
    start: dt.datetime
    end: dt.datetime


@pytest.fixture
def day(uow_factory: SqlUnitOfWorkFactory, branch: Branch, clock: FrozenClock) -> Day:
    """A hand-made day around Friday 27 November 2026 for csm_a, with near misses on every boundary."""
    a, b = _id(branch.csm_a), _id(branch.csm_b)
    c = {k: _id(v) for k, v in branch.clients.items()}
    o = _id(branch.outlet)
    start, end = BranchTime(clock, TZ).day_bounds(TODAY)
    assert (start, end) == (utc(2026, 11, 26, 16), utc(2026, 11, 27, 16))
    tasks: dict[str, int] = {}
    with uow_factory(write=True) as uow:

        def task(key: str, staff: int, client: str, kind: TaskKind, due: dt.date, **kw: Any) -> None:
            added = uow.tasks.add(
                NewTask(client_id=c[client], staff_id=staff, kind=kind, due_on=due, created_at=utc(2026, 11, 1), **kw)
            )
            tasks[key] = _id(added)

        # The queue, in insertion order different from the expected order.
        task("svc", a, "a1", TaskKind.SERVICE_CALLBACK, TODAY)
        task("cb_plain", a, "a3", TaskKind.CALLBACK, TODAY)
        task("cb_late", a, "a1", TaskKind.CALLBACK, TODAY, due_at=utc(2026, 11, 27, 6))
        task("cb_early", a, "a2", TaskKind.CALLBACK, TODAY, due_at=utc(2026, 11, 27, 3))
        task("sms_overdue", a, "a4", TaskKind.SMS, dt.date(2026, 11, 26))
        task("follow_overdue", a, "a2", TaskKind.FOLLOW_UP, dt.date(2026, 11, 25))
        task("tomorrow", a, "a1", TaskKind.CALLBACK, dt.date(2026, 11, 28))
        task("done", a, "a1", TaskKind.CALLBACK, dt.date(2026, 11, 26), status=TaskStatus.DONE)
        task("others", b, "b1", TaskKind.CALLBACK, TODAY)
        # Service callbacks done (or not) in the quarter.
        task("svc_done", a, "a2", TaskKind.SERVICE_CALLBACK, dt.date(2026, 11, 20), status=TaskStatus.DONE)
        task("svc_done_before", a, "a2", TaskKind.SERVICE_CALLBACK, dt.date(2026, 9, 30), status=TaskStatus.DONE)
        task("svc_cancelled", a, "a3", TaskKind.SERVICE_CALLBACK, dt.date(2026, 11, 2), status=TaskStatus.CANCELLED)
        task("cb_done", a, "a3", TaskKind.CALLBACK, dt.date(2026, 11, 3), status=TaskStatus.DONE)
        uow.session.flush()
        closes = {
            "svc_done": utc(2026, 11, 20, 3),
            "svc_done_before": utc(2026, 9, 30, 15, 59),  # 23:59 on 30 September in Shanghai
            "svc_cancelled": utc(2026, 11, 2, 3),
            "cb_done": utc(2026, 11, 3, 3),
            "done": utc(2026, 11, 26, 3),
        }
        for key, at in closes.items():
            uow.session.execute(update(TaskRow).where(TaskRow.id == tasks[key]).values(closed_at=at))

        def contact(staff: int, at: dt.datetime, channel: Channel = Channel.PHONE) -> None:
            uow.contacts.add(
                NewContactRecord(
                    client_id=c["a1"], staff_id=staff, channel=channel, started_at=at, disposition=Disposition.BUSY
                )
            )

        contact(a, utc(2026, 11, 26, 16, 30))  # 00:30 today in Shanghai
        contact(a, utc(2026, 11, 27, 1), Channel.VISIT)
        contact(a, utc(2026, 11, 27, 2))
        contact(a, utc(2026, 11, 26, 15, 59, 59))  # yesterday in Shanghai, in the quarter
        contact(a, utc(2026, 11, 27, 16))  # tomorrow in Shanghai, in the quarter
        contact(a, utc(2026, 9, 30, 16), Channel.SMS)  # 00:00 on 1 October: the quarter's first instant
        contact(a, utc(2026, 9, 30, 15, 59))  # before the quarter
        contact(b, utc(2026, 11, 27, 2))  # someone else's

        def appointment(staff: int, at: dt.datetime, status: AppointmentStatus) -> None:
            uow.appointments.add(NewAppointment(client_id=c["a1"], staff_id=staff, starts_at=at, status=status))

        appointment(a, utc(2026, 11, 27, 6), AppointmentStatus.BOOKED)
        appointment(a, utc(2026, 11, 27, 7), AppointmentStatus.CONFIRMED)
        appointment(a, utc(2026, 11, 27, 8), AppointmentStatus.CANCELLED)
        appointment(a, utc(2026, 11, 27, 9), AppointmentStatus.DONE)
        appointment(a, utc(2026, 11, 27, 16), AppointmentStatus.BOOKED)  # tomorrow
        appointment(a, utc(2026, 11, 26, 15, 30), AppointmentStatus.BOOKED)  # yesterday
        appointment(b, utc(2026, 11, 27, 6), AppointmentStatus.BOOKED)

        def product(code: str, category: ProductCategory, listed: dt.date | None) -> int:
            return _id(uow.products.add(NewProduct(code=code, name=code, category=category, listed_on=listed)))

        wealth = product("W1", ProductCategory.WEALTH, dt.date(2026, 11, 21))
        fund = product("F1", ProductCategory.FUND, TODAY)
        insurance = product("I1", ProductCategory.INSURANCE, dt.date(2026, 11, 20))  # just too old to be new
        product("W2", ProductCategory.WEALTH, dt.date(2026, 11, 28))  # not yet listed
        product("D1", ProductCategory.DEPOSIT, None)

        def holding(client: str, maturity: dt.date | None, status: HoldingStatus = HoldingStatus.ACTIVE) -> None:
            uow.holdings.add(
                NewHolding(
                    client_id=c[client],
                    product_id=wealth,
                    amount="10000",
                    start_date=dt.date(2026, 1, 1),
                    maturity_date=maturity,
                    status=status,
                )
            )

        holding("a1", TODAY)
        holding("a2", dt.date(2026, 12, 4))  # in 7 days
        holding("a3", dt.date(2026, 12, 5))  # in 8 days
        holding("a1", dt.date(2026, 11, 26))
        holding("a2", dt.date(2026, 11, 30), HoldingStatus.MATURED)
        holding("b1", dt.date(2026, 11, 30))
        holding("a3", None)

        def sale(
            staff: int, product_id: int, amount: str, at: dt.datetime, cancelled: dt.datetime | None = None
        ) -> None:
            uow.sales.add(
                NewSale(
                    client_id=c["a1"],
                    staff_id=staff,
                    outlet_id=o,
                    product_id=product_id,
                    amount=amount,
                    sold_at=at,
                    cancelled_at=cancelled,
                )
            )

        sale(a, wealth, "100000.00", utc(2026, 11, 27, 3))
        sale(a, fund, "20000.50", utc(2026, 11, 26, 17))  # 01:00 today in Shanghai
        sale(a, wealth, "50000.00", utc(2026, 11, 26, 10))  # yesterday
        sale(a, insurance, "10000.00", utc(2026, 11, 10, 3), cancelled=utc(2026, 11, 10, 5))
        sale(a, wealth, "99999.00", utc(2026, 9, 30, 10))  # last quarter
        sale(b, fund, "1.00", utc(2026, 11, 27, 3))

        def assessment(client: str, taken: dt.datetime, level: RiskLevel, valid_until: dt.date) -> None:
            uow.assessments.add(
                NewRiskAssessment(
                    client_id=c[client],
                    staff_id=a,
                    taken_at=taken,
                    answers={},
                    score=60,
                    level=level,
                    valid_until=valid_until,
                )
            )

        assessment("a1", utc(2025, 11, 30, 2), RiskLevel.C2, dt.date(2026, 11, 30))  # superseded
        assessment("a1", utc(2026, 6, 1, 2), RiskLevel.C4, dt.date(2026, 12, 28))  # a day past the horizon
        assessment("a2", utc(2025, 12, 27, 2), RiskLevel.C3, dt.date(2026, 12, 27))  # on the horizon
        assessment("a4", utc(2025, 10, 1, 2), RiskLevel.C2, dt.date(2026, 10, 1))  # expired
        assessment("b1", utc(2025, 1, 1, 2), RiskLevel.C1, dt.date(2026, 1, 1))  # someone else's
        uow.commit()
    return Day(branch, tasks, start, end)


def test_the_days_figures_count_calls_contacts_sales_callbacks_made_and_meetings_kept(
    uow_factory: SqlUnitOfWorkFactory, day: Day
) -> None:
    with uow_factory() as uow:
        figures = uow.views.day_figures(_id(day.branch.csm_a), day.start, day.end)
        calls = uow.views.calls_made(_id(day.branch.csm_a), day.start, day.end)
    assert figures == DayFigures(calls=2, contacts=3, sales=2, service_callbacks_done=0, meetings=3)
    assert calls == figures.calls


def test_day_figures_of_someone_with_nothing(uow_factory: SqlUnitOfWorkFactory, day: Day) -> None:
    with uow_factory() as uow:
        figures = uow.views.day_figures(_id(day.branch.csm_c), day.start, day.end)
    assert figures == DayFigures(0, 0, 0, 0, 0)


def test_assessments_due(uow_factory: SqlUnitOfWorkFactory, day: Day) -> None:
    clients = day.branch.clients
    with uow_factory() as uow:
        due = uow.views.assessments_due(_id(day.branch.csm_a), dt.date(2026, 12, 27), Validity(12, "Asia/Shanghai"))
    assert due == [
        AssessmentDue(_id(clients["a4"]), "赵六", RiskLevel.C2, dt.date(2026, 10, 1)),
        AssessmentDue(_id(clients["a2"]), "李四", RiskLevel.C3, dt.date(2026, 12, 27)),
        AssessmentDue(_id(clients["a3"]), "王五", None, None),
    ]


def _listed(uow_factory: SqlUnitOfWorkFactory, branch: Branch, text: str, limit: int = 50) -> list[tuple[str, bool]]:
    names = {_id(c): k for k, c in branch.clients.items()}
    with uow_factory() as uow:
        rows = uow.views.clients(_id(branch.csm_a), text, limit)
    for r in rows:
        client = branch.clients[names[r.id]]
        assert r.masked_id == client.resident_id.masked()
        assert r.masked_mobile == (client.mobile.masked() if client.mobile else "")
        assert (r.number, r.name, r.avg_3m, r.assets_as_of) == (
            client.number,
            client.name,
            client.avg_3m,
            client.assets_as_of,
        )
    return [(names[r.id], r.own) for r in rows]


def test_client_list_without_text_is_own_clients_by_assets(uow_factory: SqlUnitOfWorkFactory, branch: Branch) -> None:
    assert _listed(uow_factory, branch, "") == [("a1", True), ("a2", True), ("a3", True), ("a4", True)]
    assert _listed(uow_factory, branch, "  ", limit=2) == [("a1", True), ("a2", True)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("李", [("a2", True)]),
        ("1380013", [("a1", True)]),  # a prefix of a secret number finds own clients only
        ("C0001", [("a1", True)]),
        ("zj", [("b1", False)]),
        ("ZJ", [("b1", False)]),
        # Another's client is not found by a secret number as one types, even a whole one: only the audited, limited
        # look-up answers that (clients_by_number, tests/clients/test_number_lookups.py).
        (rid("110102", dt.date(1975, 12, 12), 44), []),
        ("nobody", []),
    ],
)
def test_client_search(uow_factory: SqlUnitOfWorkFactory, branch: Branch, text: str, expected: Any) -> None:
    assert _listed(uow_factory, branch, text) == expected


def test_client_search_by_lower_case_resident_id(uow_factory: SqlUnitOfWorkFactory, branch: Branch) -> None:
    x_id = next(c.resident_id for c in branch.clients.values() if c.resident_id.endswith("X"))
    assert len(_listed(uow_factory, branch, x_id.lower())) == 1


def test_client_search_puts_own_clients_first(uow_factory: SqlUnitOfWorkFactory, branch: Branch) -> None:
    # Own clients by name, then the others: by name for Chinese text (code point order: 张 < 李 < 王 < 赵 < 钱;
    # 九 < 十), by client number for what is typed in Latin letters or digits.
    assert _listed(uow_factory, branch, "张") == [("a1", True), ("b1", False), ("n1", False)]
    assert _listed(uow_factory, branch, "zs") == [("a1", True), ("n1", False)]
    assert _listed(uow_factory, branch, "C000") == [
        ("a1", True),
        ("a2", True),
        ("a3", True),
        ("a4", True),
        ("b1", False),
        ("c1", False),
        ("n1", False),
    ]


def test_the_head_constant_is_alembics_head() -> None:
    """``HEAD`` lets a normal start skip loading Alembic; it must name the newest migration."""
    from storage.migrate import HEAD

    assert head_revision() == HEAD
