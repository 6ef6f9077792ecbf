"""Issue 8: many managers on one database at once. 20 processes (spawned, each its own engine, as 20 SSH sessions
are) record 200 call outcomes each through the real service, all started together: nothing is lost, no user sees
"database is locked" (or any error), and the audit chain still verifies. On SQLite and on PostgreSQL. And two
managers editing one client: the second is told, and nothing is overwritten."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.synchronize
import queue
import sqlite3
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from textual.widgets import Input

import storage.engine
from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import Disposition, Grade, Role
from csm_tui.domain.models import NewClient, NewOutlet, NewStaff
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.services.calls.outcomes import Outcome, record
from csm_tui.services.ports import StorageFailure
from csm_tui.services.workstation import Workstation, find_staff
from screens.client_detail import ClientDetailScreen
from storage import audit
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import AuditRow, ClientRow, ContactRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import rid as branch_rid
from tests.support.clock import FROZEN_AT
from tests.support.pilot import make_app, open_own_client, settle

PROCESSES, WRITES, CLIENTS_EACH = 20, 200, 5


def resident_id(n: int) -> str:
    return branch_rid("110105", dt.date(1980, 1, 1), n)


def write_outcomes(
    url: str, login: str, client_ids: list[int], start: multiprocessing.synchronize.Barrier, results: queue.Queue
) -> None:
    """One manager's session: 200 outcomes, each its own transaction; reports (saved, errors shown to the user)."""
    engine = make_engine(url)
    clock = FrozenClock(FROZEN_AT)
    system = SqlUnitOfWorkFactory(engine, clock)
    staff = find_staff(system, login)
    ws = Workstation(system.acting_as(staff), staff, None, BranchTime(clock, "Asia/Shanghai"), Policy(), False)
    saved, errors = 0, []
    start.wait(timeout=120)
    for n in range(WRITES):
        try:
            record(
                ws,
                client_ids[n % len(client_ids)],
                Outcome(Disposition.INTERESTED, note=f"{login}/{n}"),
                started_at=clock.now().datetime,
            )
            saved += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    engine.dispose()
    results.put((login, saved, errors))


def test_twenty_processes_write_at_once_and_lose_nothing(engine: Engine, db_url: str) -> None:
    system = SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))
    desks: dict[str, list[int]] = {}
    with system(write=True) as tx:
        outlet = tx.outlets.add(NewOutlet(code="B01", name="上海分行营业部"))
        for k in range(PROCESSES):
            csm = tx.staff.add(
                NewStaff(login=f"csm{k:02d}", name=f"经理{k}", role=Role.CSM, grade=Grade.CSM, outlet_id=outlet.id)
            )
            desks[csm.login] = [
                tx.clients.add(
                    NewClient(
                        number=f"C{k:02d}{c}",
                        name=f"客户{k}{c}",
                        resident_id=resident_id(k * CLIENTS_EACH + c),
                        mobile="13800138000",
                        manager_id=csm.id,
                        outlet_id=outlet.id,
                        balance=Decimal("1000.00"),
                    )
                ).id
                or 0
                for c in range(CLIENTS_EACH)
            ]
        tx.commit()
    with engine.connect() as conn:
        audit_before = conn.scalar(select(func.count()).select_from(AuditRow)) or 0

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=write_outcomes, args=(db_url, login, ids, start, results)) for login, ids in desks.items()
    ]
    for w in workers:
        w.start()
    reports = [results.get(timeout=600) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0

    assert sorted(errors for _login, _saved, errors in reports) == [[]] * PROCESSES
    assert sum(saved for _login, saved, _errors in reports) == PROCESSES * WRITES
    with engine.connect() as conn:
        contacts = conn.execute(select(ContactRow.note)).scalars().all()
        assert sorted(contacts) == sorted(f"{login}/{n}" for login in desks for n in range(WRITES))
        # Each outcome wrote one follow-up call task (or found one already open and left it to the cadence).
        assert (conn.scalar(select(func.count()).select_from(TaskRow)) or 0) >= PROCESSES * CLIENTS_EACH
        assert audit.verify(conn) is None
        assert (conn.scalar(select(func.count()).select_from(AuditRow)) or 0) - audit_before >= PROCESSES * WRITES


# --- two managers, one client -----------------------------------------------------------------------------------


async def test_the_edit_dialog_tells_the_second_manager_and_keeps_what_they_typed(demo_url: str) -> None:
    """csm01 opens the edit dialog; meanwhile the supervisor saves a change to the same client. csm01's save is
    refused with a message, the dialog stays open with the typed address, and the supervisor's change stands."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        client = screen.detail.client
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen

        engine = make_engine(demo_url)
        system = SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))
        supervisor = find_staff(system, "sup01")
        with system.acting_as(supervisor)(write=True) as tx:
            tx.clients.update(client.id or 0, client.version, occupation="教师")
            tx.commit()

        address = dialog.query_one("#address", Input)
        address.value = ""
        address.focus()
        await pilot.press(*"上海市徐汇区漕溪北路1号", "enter")
        await settle(pilot)
        assert app.screen is dialog
        assert t("error.concurrent_edit") in str(dialog.query_one("#dialog-error").render())
        assert dialog.query_one("#address", Input).value == "上海市徐汇区漕溪北路1号"
    with engine.connect() as conn:
        stored = conn.execute(select(ClientRow).where(ClientRow.id == client.id)).one()
    engine.dispose()
    assert (stored.address, stored.occupation, stored.version) == (client.address, "教师", client.version + 1)


# --- a writer that waits longer than the busy timeout ---------------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 0.2 s busy timeout, so that a lock held longer than it is quick to test."""
    monkeypatch.setattr(storage.engine, "BUSY_TIMEOUT_MS", 200)


def _hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's long write: holds SQLite's write lock for ``seconds``."""
    locked = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    locked.wait(5)
    return thread


def test_a_write_waits_out_a_lock_held_past_the_busy_timeout(sqlite_url: str, short_busy_timeout: None) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    system = SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))
    holder = _hold_write_lock(sqlite_url.removeprefix("sqlite:///"), 0.5)
    with system(write=True) as tx:  # 0.2 s waits, tried again: the lock is gone by the third or fourth try
        tx.outlets.add(NewOutlet(code="B01", name="营业部"))
        tx.commit()
    holder.join()
    with system() as tx:
        assert [o.code for o in tx.outlets.list()] == ["B01"]
    engine.dispose()


def test_a_lock_that_never_ends_is_a_storage_failure_not_a_driver_error(
    sqlite_url: str, short_busy_timeout: None
) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    system = SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))
    holder = _hold_write_lock(sqlite_url.removeprefix("sqlite:///"), 3.0)
    with pytest.raises(StorageFailure), system(write=True):
        pass
    holder.join()
    engine.dispose()
