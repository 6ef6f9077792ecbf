"""Killing the workstation in the middle of a call session loses no saved outcome and leaves no half-written one."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from stdnum.cn import ric

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Role, TaskKind
from csm_tui.domain.models import NewClient, NewTask
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import ContactRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.clock import FROZEN_AT

CLIENTS = 400
NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)

# The child saves "interested" for one client after another, as fast as it can, until it is killed.
CHILD = textwrap.dedent(
    """
    import sys
    from csm_tui.cli import open_workstation
    from csm_tui.clock import FrozenClock
    from csm_tui.domain.enums import Disposition
    from csm_tui.policy import Policy
    from csm_tui.services.calls.outcomes import Outcome, record
    from csm_tui.services.calls.queue import today_queue
    from storage.engine import make_engine

    ws = open_workstation(make_engine(sys.argv[1]), FrozenClock(sys.argv[2]), Policy(), "csm01")
    for item in today_queue(ws):
        record(ws, item.client_id, Outcome(Disposition.INTERESTED), task_id=item.main.task_id,
               started_at=ws.time.now().datetime)
        print("saved", flush=True)
    """
)


def _branch(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        build = BranchBuilder(tx)
        build.outlet("SH001", "徐汇")
        csm = build.staff("csm01", "王芳", Role.CSM)
        assert csm.id is not None
        for n in range(CLIENTS):
            body = f"110105196{n % 10}0101{n:03d}"
            client = tx.clients.add(
                NewClient(
                    number=f"C{n:05d}", name=f"客户{n}", resident_id=body + ric.calc_check_digit(body + "0"),
                    mobile=f"1390013{n:04d}", manager_id=csm.id, avg_3m=Decimal("1000.00"),
                )
            )  # fmt: skip
            assert client.id is not None
            tx.tasks.add(
                NewTask(client_id=client.id, staff_id=csm.id, kind=TaskKind.CALLBACK, due_on=NOW.date(), created_at=NOW)
            )
        tx.meta.set("is_demo", "1")
        tx.commit()
    engine.dispose()


def test_a_killed_session_keeps_every_save_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    _branch(url)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, FROZEN_AT],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        assert child.stdout is not None
        saved = 0
        deadline = time.monotonic() + 60
        while saved < 25 and time.monotonic() < deadline:
            if child.stdout.readline().startswith("saved"):
                saved += 1
        assert saved >= 25, "the child did not get going"
        child.send_signal(signal.SIGKILL)  # mid-session: quite possibly mid-transaction
    finally:
        child.kill()
        child.wait(timeout=30)

    engine = make_engine(url)
    with engine.connect() as conn:
        contacts = conn.scalar(select(func.count()).select_from(ContactRow)) or 0
        done = conn.scalar(select(func.count()).where(TaskRow.kind == TaskKind.CALLBACK, TaskRow.status == "done"))
        follow_ups = conn.execute(select(TaskRow.origin_id).where(TaskRow.kind == TaskKind.FOLLOW_UP)).scalars().all()
        contact_ids = conn.execute(select(ContactRow.id)).scalars().all()
        closed_by_contact = set(conn.execute(select(ContactRow.task_id)).scalars())
        closed = set(conn.execute(select(TaskRow.id).where(TaskRow.status == "done")).scalars())
    engine.dispose()
    assert contacts >= saved  # nothing reported saved was lost
    assert done == contacts  # every contact closed its task, and no task was closed without its contact
    assert closed == closed_by_contact
    assert sorted(follow_ups) == sorted(contact_ids)  # and each has exactly its follow-up
