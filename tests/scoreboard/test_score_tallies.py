"""The scoreboard's running tallies, on both backends: any sequence of writes (contacts, sales, cancellations, 回访
opened and done, assessments back-dated, products changed, clients moved between managers, contacts deleted) leaves them
equal to the full recomputation from the records, and the quarter's table read from them equal to the one read
from the records; ``csm admin scores verify`` finds a tally changed by plain SQL and mends it; imports written
past the ORM leave no drift."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text, update

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import (
    Channel,
    Disposition,
    Grade,
    ProductCategory,
    Role,
    TaskKind,
    TaskOrigin,
    TaskStatus,
)
from csm_tui.domain.models import Staff
from csm_tui.policy import Policy
from csm_tui.services.scoreboard import quarter_scores
from csm_tui.services.scoreboard.quarter_scores import Quarter
from csm_tui.services.workstation import Workstation
from storage import score_tallies
from storage.orm import (
    AssessmentRow,
    ClientRow,
    ContactRow,
    MetaRow,
    OutletRow,
    ProductRow,
    SaleRow,
    ScoreTallyRow,
    StaffRow,
    SuitabilityRow,
    TaskRow,
)
from storage.uow import SqlUnitOfWorkFactory

TZ = "Asia/Shanghai"
QUARTERS = (Quarter(2026, 3), Quarter(2026, 4))
# Instants around the third quarter's last local day and through the fourth: quarter and day boundaries in Shanghai.
BASE = dt.datetime(2026, 9, 29, 0, tzinfo=dt.UTC)
instants = st.integers(min_value=0, max_value=60 * 24).map(lambda h: BASE + dt.timedelta(hours=h, minutes=7))
CLIENTS = 4


def _staff(engine: Engine) -> dict[str, Staff]:
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        return {r.login: Staff.model_validate(r, from_attributes=True) for r in s.scalars(select(StaffRow))}


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory, engine: Engine) -> dict[str, Any]:
    """Two CSMs (a, b) and the admin; four clients; a product of each kind of 双录; an assessment per client."""
    with uow_factory(write=True) as uow:
        s = uow.session  # type: ignore[attr-defined]

        def add(row: Any) -> Any:
            s.add(row)
            s.flush()
            return row

        outlet = add(OutletRow(code="O1", name="一支行", sells_wealth=True))
        add(StaffRow(login="admin", name="管理员", role=Role.ADMIN, outlet_id=outlet.id))
        a = add(StaffRow(login="a", name="王芳", role=Role.CSM, grade=Grade.SENIOR, outlet_id=outlet.id))
        b = add(StaffRow(login="b", name="刘洋", role=Role.CSM, grade=Grade.CSM, outlet_id=outlet.id))
        add(MetaRow(key="data_as_of", value="2026-11-25"))
        clients = [
            add(ClientRow(number=f"C{n:04d}", name=f"客户{n}", resident_id=f"11010119800101{n:03d}X",
                          manager_id=(a if n % 2 else b).id, outlet_id=outlet.id, avg_3m=Decimal(40000 + n)))
            for n in range(CLIENTS)
        ]  # fmt: skip
        products = [
            add(ProductRow(code="W1", name="W1", category=ProductCategory.WEALTH, dual_recording=True)),
            add(ProductRow(code="F1", name="F1", category=ProductCategory.FUND, dual_recording=True)),
            add(ProductRow(code="I1", name="I1", category=ProductCategory.INSURANCE, dual_recording=False)),
        ]
        assessments = [
            add(AssessmentRow(client_id=c.id, staff_id=a.id, taken_at=BASE - dt.timedelta(days=30), answers={},
                              score=90, level=4, valid_until=dt.date(2026, 10, 20)))
            for c in clients
        ]  # fmt: skip
        uow.commit()
        ids = {
            "staff": [a.id, b.id], "outlet": outlet.id, "clients": [c.id for c in clients],
            "products": [p.id for p in products], "assessments": [x.id for x in assessments],
        }  # fmt: skip
    return ids


def _ws(uow_factory: SqlUnitOfWorkFactory, clock: FrozenClock, staff: Staff) -> Workstation:
    return Workstation(
        uow=uow_factory.acting_as(staff), staff=staff, outlet=None, time=BranchTime(clock, TZ), policy=Policy(),
        demo=False,
    )  # fmt: skip


# --- the writes -----------------------------------------------------------------------------------------------

staff_index = st.integers(min_value=0, max_value=1)
client_index = st.integers(min_value=0, max_value=CLIENTS - 1)
product_index = st.integers(min_value=0, max_value=2)
pick = st.integers(min_value=0, max_value=10_000)

contact = st.tuples(
    st.just("contact"), staff_index, client_index, instants, st.sampled_from([Channel.PHONE, Channel.VISIT]),
    st.sampled_from([Disposition.SERVICE_DONE, Disposition.BUSY]), st.none() | st.integers(1, 5),
)  # fmt: skip
sale = st.tuples(
    st.just("sale"), staff_index, client_index, product_index, instants, st.integers(1, 10**7),
    st.sampled_from(["record", "unrecorded", "none"]), st.booleans(),
)  # fmt: skip
writes = st.one_of(
    contact,
    sale,
    st.tuples(st.just("cancel"), pick),
    st.tuples(st.just("callback"), pick, st.sampled_from([TaskKind.SERVICE_CALLBACK, TaskKind.SMS])),
    st.tuples(st.just("close"), pick, st.none() | instants),
    st.tuples(st.just("assess"), client_index, instants),
    st.tuples(st.just("product"), product_index, st.booleans(), st.sampled_from(list(ProductCategory))),
    st.tuples(st.just("delete_contact"), pick),
    st.tuples(st.just("client"), client_index, staff_index, st.integers(0, 10**7)),
)


def _nth(s: Any, row: type, n: int) -> Any:
    rows = list(s.scalars(select(row).order_by(row.id)))  # type: ignore[attr-defined]
    return rows[n % len(rows)] if rows else None


def _apply(s: Any, ids: dict[str, Any], write: tuple[Any, ...]) -> None:
    kind, *args = write
    staff, clients, products = ids["staff"], ids["clients"], ids["products"]
    if kind == "contact":
        who, client, at, channel, disposition, satisfaction = args
        s.add(ContactRow(client_id=clients[client], staff_id=staff[who], channel=channel, started_at=at,
                         disposition=disposition, satisfaction=satisfaction))  # fmt: skip
    elif kind == "sale":
        who, client, product, at, fen, record, regular = args
        suitability = None
        if record != "none":
            row = SuitabilityRow(client_id=clients[client], staff_id=staff[who], outlet_id=ids["outlet"],
                                 product_id=products[product], amount=Decimal(fen) / 100,
                                 assessment_id=ids["assessments"][client], outcome="sold", created_at=at,
                                 recording_ref="DR" if record == "record" else "", detail={})  # fmt: skip
            s.add(row)
            s.flush()
            suitability = row.id
        s.add(SaleRow(client_id=clients[client], staff_id=staff[who], outlet_id=ids["outlet"],
                      product_id=products[product], amount=Decimal(fen) / 100, sold_at=at,
                      suitability_id=suitability, regular_plan=regular,
                      cooling_off_until=at + dt.timedelta(days=1)))  # fmt: skip
    elif kind == "cancel" and (row := _nth(s, SaleRow, args[0])) is not None and row.cancelled_at is None:
        row.cancelled_at = row.sold_at + dt.timedelta(hours=1)  # in the cooling-off period: sales are immutable else
    elif kind == "callback" and (row := _nth(s, SaleRow, args[0])) is not None:
        s.add(TaskRow(client_id=row.client_id, staff_id=row.staff_id, kind=args[1], due_on=row.sold_at.date(),
                      origin=TaskOrigin.SALE, origin_id=row.id, created_at=row.sold_at))  # fmt: skip
    elif kind == "close" and (row := _nth(s, TaskRow, args[0])) is not None:
        row.status, row.closed_at = TaskStatus.DONE, args[1]
    elif kind == "assess":
        client, at = args
        s.add(AssessmentRow(client_id=clients[client], staff_id=staff[0], taken_at=at, answers={}, score=50,
                            level=3, valid_until=(at + dt.timedelta(days=20)).date()))  # fmt: skip
    elif kind == "product":
        row = s.get(ProductRow, products[args[0]])
        row.dual_recording, row.category = args[1], args[2]
    elif kind == "delete_contact" and (row := _nth(s, ContactRow, args[0])) is not None:
        s.delete(row)
    elif kind == "client":
        row = s.get(ClientRow, clients[args[0]])
        row.manager_id, row.avg_3m = staff[args[1]], Decimal(args[2]) / 100
    s.flush()


def _table(ws: Workstation, quarter: Quarter) -> list[tuple[Any, ...]]:
    return [(r.csm.login, r.total, r.subtotals, r.branch_rank) for r in quarter_scores.team_table(ws, quarter).rows]


def _raw_tables(ws: Workstation, monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[Any, ...]]]:
    with monkeypatch.context() as m:
        m.setattr(score_tallies, "quarter_figures", lambda *_: None)
        m.setattr(score_tallies, "quarter_assets", lambda *_: None)
        return [_table(ws, q) for q in QUARTERS]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(writes, min_size=1, max_size=6), min_size=1, max_size=3))
def test_any_writes_keep_the_tallies_equal_to_the_records(
    batches: list[list[tuple[Any, ...]]],
    branch: dict[str, Any],
    uow_factory: SqlUnitOfWorkFactory,
    engine: Engine,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = _ws(uow_factory, clock, _staff(engine)["admin"])
    for q in QUARTERS:
        quarter_scores.team_table(admin, q)  # keeps the averages and the asset tallies the quarters read
    for batch in batches:  # each batch one transaction, the last one rolled back
        with uow_factory(write=True) as uow:
            for write in batch:
                _apply(uow.session, branch, write)  # type: ignore[attr-defined]
            if batch is not batches[-1]:
                uow.commit()
    with engine.connect() as conn:
        assert score_tallies.drift(conn) == []
    assert [_table(admin, q) for q in QUARTERS] == _raw_tables(admin, monkeypatch)


def test_contacts_added_then_undone_by_a_savepoint_or_changed_before_commit_leave_no_drift(
    branch: dict[str, Any], uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    """An inserted contact is tallied as a delta: one whose savepoint is rolled back, or which is changed or deleted
    later in the same transaction, is not counted twice nor left counted."""
    at = BASE + dt.timedelta(days=2)
    first = ("contact", 0, 1, at, Channel.PHONE, Disposition.SERVICE_DONE, 5)
    with uow_factory(write=True) as uow:
        s = uow.session  # type: ignore[attr-defined]
        _apply(s, branch, first)
        with pytest.raises(RuntimeError), s.begin_nested():  # a savepoint whose contact is rolled back
            _apply(s, branch, ("contact", 0, 2, at, Channel.PHONE, Disposition.SERVICE_DONE, 3))
            raise RuntimeError
        later = at + dt.timedelta(days=1)  # another day, whose buckets are worked out again from the records
        _apply(s, branch, ("contact", 1, 2, later, Channel.VISIT, Disposition.BUSY, None))
        moved = s.scalars(select(ContactRow).where(ContactRow.staff_id == branch["staff"][1])).one()
        moved.staff_id = branch["staff"][0]  # inserted, then given to A before the commit
        _apply(s, branch, ("contact", 1, 3, later, Channel.PHONE, Disposition.BUSY, None))
        uow.commit()
    with engine.connect() as conn:
        assert score_tallies.drift(conn) == []
        kept = score_tallies.stored(conn)
    a, b = branch["staff"]
    day = score_tallies.day_number(dt.date(2026, 10, 1))
    assert (kept[(a, day, "contacts")], kept[(a, day, "satisfaction_sum")]) == (1, 5)
    assert (kept[(a, day + 1, "contacts")], kept[(b, day + 1, "contacts")], kept[(b, day + 1, "calls")]) == (1, 1, 1)


def test_the_quarter_read_from_the_tallies_is_the_one_read_from_the_records(
    branch: dict[str, Any], uow_factory: SqlUnitOfWorkFactory, engine: Engine, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    a, b = branch["staff"]
    with uow_factory(write=True) as uow:
        for n, write in enumerate(
            [
                ("sale", 0, 1, 0, BASE + dt.timedelta(days=3), 5_000_000, "record", False),
                ("sale", 0, 1, 1, BASE + dt.timedelta(days=4), 2_000_000, "unrecorded", True),
                ("sale", 1, 2, 2, BASE + dt.timedelta(days=40), 300_000, "none", False),
                ("callback", 0, TaskKind.SERVICE_CALLBACK),
                ("close", 0, BASE + dt.timedelta(days=4)),
                ("callback", 1, TaskKind.SMS),
                ("contact", 0, 1, BASE + dt.timedelta(days=5), Channel.PHONE, Disposition.SERVICE_DONE, 4),
                ("client", 1, 1, 9_000_000),
            ]
        ):
            del n
            _apply(uow.session, branch, write)  # type: ignore[attr-defined]
        uow.commit()
    admin = _ws(uow_factory, clock, _staff(engine)["admin"])
    tallied = [_table(admin, q) for q in QUARTERS]
    assert tallied == _raw_tables(admin, monkeypatch)
    assert any(total for _login, total, *_ in tallied[1])
    with engine.connect() as conn:
        kept = score_tallies.stored(conn)
    assert any(m.startswith("sales:") and s == a for s, _d, m in kept)
    assert any(m.startswith("assets:") and s == b for s, _d, m in kept)


def test_tallies_at_another_offset_than_the_policys_are_not_read(
    branch: dict[str, Any], uow_factory: SqlUnitOfWorkFactory, engine: Engine, clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with uow_factory(write=True) as uow:
        _apply(uow.session, branch, ("sale", 0, 1, 0, BASE + dt.timedelta(days=3), 5_000_000, "record", False))  # type: ignore[attr-defined]
        uow.commit()
    with engine.begin() as conn:
        score_tallies.rebuild(conn, 0)  # kept at UTC: the quarter in Shanghai starts eight hours earlier
    admin = _ws(uow_factory, clock, _staff(engine)["admin"])
    with uow_factory() as uow:
        window = quarter_scores.score_window(admin, QUARTERS[1], None)
        assert score_tallies.quarter_figures(uow.session, window, branch["staff"]) is None  # type: ignore[attr-defined]
    assert [_table(admin, q) for q in QUARTERS] == _raw_tables(admin, monkeypatch)


def test_scores_verify_finds_a_tally_changed_by_plain_sql_and_mends_it(
    branch: dict[str, Any], uow_factory: SqlUnitOfWorkFactory, engine: Engine, db_url: str,
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from csm_tui.cli import main

    with uow_factory(write=True) as uow:
        _apply(uow.session, branch, ("sale", 0, 1, 0, BASE + dt.timedelta(days=3), 5_000_000, "record", False))  # type: ignore[attr-defined]
        uow.commit()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    runner = CliRunner()
    monkeypatch.setattr("csm_tui.admin_cli.owned_by_this_account", lambda _engine: True)
    monkeypatch.delenv("SUDO_USER", raising=False)
    intact = runner.invoke(main, ["admin", "scores", "verify", "--db", db_url])
    assert intact.exit_code == 0, intact.output
    with engine.begin() as conn:  # past the application: the tally no longer adds up
        conn.execute(update(ScoreTallyRow).where(ScoreTallyRow.measure == "sales:wealth").values(amount=1))
        conn.execute(text("UPDATE tasks SET status = 'done'"))  # and a record changed behind them (none here)
    found = runner.invoke(main, ["admin", "scores", "verify", "--db", db_url])
    assert found.exit_code == 1, found.output
    assert "sales:wealth" in found.output
    mended = runner.invoke(main, ["admin", "scores", "verify", "--db", db_url, "--mend"])
    assert mended.exit_code == 1, mended.output  # said, and mended
    again = runner.invoke(main, ["admin", "scores", "verify", "--db", db_url])
    assert again.exit_code == 0, again.output
    with engine.connect() as conn:
        assert score_tallies.drift(conn) == []
        actions = [a for (a,) in conn.execute(text("SELECT action FROM audit_events WHERE action = 'scores.mend'"))]
    assert actions == ["scores.mend"]


def test_imports_written_past_the_orm_leave_no_drift(
    branch: dict[str, Any], uow_factory: SqlUnitOfWorkFactory, engine: Engine, clock: FrozenClock
) -> None:
    """Tasks done, a product's 双录 and a client's manager changed by an import, and the balances' new averages,
    are written with Core statements: the tallies are worked out again in the import's transaction."""
    from csm_tui.services.imports.columns import ImportKind
    from csm_tui.services.imports.model import Assets, Update

    a, b = branch["staff"]
    with uow_factory(write=True) as uow:
        s = uow.session  # type: ignore[attr-defined]
        _apply(s, branch, ("sale", 0, 1, 0, BASE + dt.timedelta(days=3), 5_000_000, "record", False))
        _apply(s, branch, ("callback", 0, TaskKind.SERVICE_CALLBACK))
        uow.commit()
    admin_staff = _staff(engine)["admin"]
    admin = _ws(uow_factory, clock, admin_staff)
    for q in QUARTERS:
        quarter_scores.team_table(admin, q)  # the asset tallies kept
    with engine.connect() as conn:
        task_id = conn.execute(select(TaskRow.id)).scalar_one()
        before = score_tallies.stored(conn)
    done = BASE + dt.timedelta(days=4)
    client = branch["clients"][1]
    with uow_factory.acting_as(admin_staff)(write=True) as tx:
        tx.imports.write(
            ImportKind.TASKS, [], [Update(task_id, {"status": (TaskStatus.OPEN, TaskStatus.DONE),
                                                    "closed_at": (None, done)})], lambda _n: None
        )  # fmt: skip
        tx.imports.write(
            ImportKind.PRODUCTS, [], [Update(branch["products"][0], {"dual_recording": (True, False)})], lambda _n: None
        )
        tx.imports.write(ImportKind.CLIENTS, [], [Update(client, {"manager_id": (a, b)})], lambda _n: None)
        tx.imports.set_assets([Assets(client, Decimal("900000.00"), Decimal("800000.00"), dt.date(2026, 11, 25))])
        tx.imports.tally_assets()
        tx.commit()
    with engine.connect() as conn:
        assert score_tallies.drift(conn) == []
        after = score_tallies.stored(conn)
    assert after != before
    assert any(m.startswith("callbacks_done:") for _s, _d, m in after)
    assert any(m.startswith("assets:") and s == b and a != b for s, _d, m in after)
