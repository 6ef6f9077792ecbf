"""Units of work opened for reading: nothing they run is written, by the repositories or by SQL run straight on their
session; on PostgreSQL they run READ ONLY and end in COMMIT, so the statements psycopg prepares on a connection
survive from one read to the next, each run still planned for its own values; a read that fails leaves the next one
working."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, insert, select, text

from csm_tui.domain.models import NewOutlet
from csm_tui.services.ports import StorageFailure
from storage.engine import make_engine
from storage.orm import OutletRow
from storage.uow import SqlUnitOfWorkFactory

READS = 8  # psycopg prepares a statement on its sixth run on a connection, after five


def _outlets(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(OutletRow)) or 0)


def test_sql_run_straight_on_a_read_unit_s_session_writes_nothing(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    write = insert(OutletRow).values(code="B09", name="x")
    if engine.dialect.name == "postgresql":  # refused by the server itself: the transaction is READ ONLY
        with pytest.raises(StorageFailure), uow_factory() as uow:
            uow.session.execute(write)
    else:  # rolled back with the unit
        with uow_factory() as uow:
            uow.session.execute(write)
    assert _outlets(engine) == 0


def _prepared(engine: Engine) -> dict[str, tuple[int, int]]:
    """The statements prepared on the connection the pool hands out next: their generic and custom plans so far."""
    with engine.connect() as conn:
        # never a plan made once for any values, whatever PostgreSQL would judge after five runs
        assert conn.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        rows = conn.execute(text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"))
        return {r.statement: (r.generic_plans, r.custom_plans) for r in rows}


def test_a_read_s_statement_stays_prepared_across_read_units_and_is_planned_for_each_run(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    with uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B01", name="x"))
        uow.commit()
    for _ in range(READS):
        with uow_factory() as uow:  # a read with a value: planned for it each time (one without is planned once)
            assert uow.session.scalars(select(OutletRow.code).where(OutletRow.code == "B01")).all() == ["B01"]
    outlets = {s: plans for s, plans in _prepared(engine).items() if "FROM outlets" in s}
    assert outlets, "the outlets' read was not kept prepared"
    ((generic, custom),) = outlets.values()
    assert generic == 0
    assert custom >= READS - 5  # every run since it was prepared, one unit after another


def test_a_read_that_fails_leaves_the_next_read_working(uow_factory: SqlUnitOfWorkFactory, engine: Engine) -> None:
    with uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B01", name="x"))
        uow.commit()
    for _ in range(READS):
        with uow_factory() as uow:
            uow.outlets.list()
    with pytest.raises(StorageFailure), uow_factory() as uow:
        uow.session.execute(text("SELECT code FROM no_such_table"))
    for _ in range(READS):
        with uow_factory() as uow:
            assert [o.code for o in uow.outlets.list()] == ["B01"]


def test_a_row_changed_in_a_read_unit_is_not_written_and_the_unit_ends_quietly(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    with uow_factory(write=True) as uow:
        outlet = uow.outlets.add(NewOutlet(code="B01", name="总行"))
        uow.commit()
    with uow_factory() as uow:
        row = uow.session.get(OutletRow, outlet.id)
        assert row is not None
        row.name = "改了"  # changed in memory only: a read unit flushes nothing
    with engine.connect() as conn:
        assert conn.scalar(select(OutletRow.name)) == "总行"


def test_a_write_after_reads_on_the_same_connection_is_written(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    """A read unit's READ ONLY stays with that unit: the pool hands the connection on with the server's default."""
    for _ in range(READS):
        with uow_factory() as uow:
            uow.outlets.list()
    with uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B01", name="x"))
        uow.commit()
    assert _outlets(engine) == 1


def test_a_table_altered_under_a_prepared_read_fails_that_read_once_and_the_next_works(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    """A column's type changed by another session (a migration while apps run) no longer matches the prepared
    statement: PostgreSQL refuses it once, as a storage failure, and the rollback drops psycopg's prepared ones."""
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    with uow_factory(write=True) as uow:
        uow.outlets.add(NewOutlet(code="B01", name="x"))
        uow.commit()
    read = select(OutletRow.name).where(OutletRow.code == "B01")
    for _ in range(READS):
        with uow_factory() as uow:
            uow.session.scalars(read).all()
    other = make_engine(engine.url.render_as_string(hide_password=False))  # another app's, a migration's
    with other.begin() as conn:
        conn.execute(text("ALTER TABLE outlets ALTER COLUMN name TYPE text"))
    other.dispose()
    with pytest.raises(StorageFailure), uow_factory() as uow:
        uow.session.scalars(read).all()
    with uow_factory() as uow:
        assert uow.session.scalars(read).all() == ["x"]
