"""The call session's branch: csm01 with nine callbacks due this morning, in order, and one 回访, in a SQLite file
marked as a demo (so the app opens it for ``--staff``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Role, TaskKind
from csm_tui.domain.models import NewTask
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder, rid
from tests.support.clock import FROZEN_AT

NOW = dt.datetime(2026, 11, 27, 2, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 27)


def resident_id(n: int) -> str:
    """A valid ID number (Beijing Chaoyang, born in the 1960s), one per client."""
    return rid("110105", dt.date(1960, n + 1, 1), n)


@dataclass
class CallsBranch:
    url: str
    clients: list[int]
    tasks: list[int]


def build_calls_branch(folder: Path) -> CallsBranch:
    """csm01 with nine callbacks due this morning, in order, and one 回访; a demo database (so --staff works)."""
    url = f"sqlite:///{folder / 'calls.db'}"
    engine = make_engine(url)
    upgrade(engine)
    clients, tasks = [], []
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        build = BranchBuilder(tx, as_of=dt.date(2026, 11, 25))
        build.outlet("SH001", "徐汇")
        csm = build.staff("csm01", "王芳", Role.CSM)
        assert csm.id is not None
        for n in range(10):
            client = build.client(
                f"C{n:04d}", f"客户{n}", resident_id(n), csm, mobile=f"1380013{n:04d}", avg_3m=Decimal("60000.00"),
                outlet_id=None,
            )  # fmt: skip
            kind = TaskKind.SERVICE_CALLBACK if n == 9 else TaskKind.CALLBACK
            task = tx.tasks.add(
                NewTask(
                    client_id=client, staff_id=csm.id, kind=kind, due_on=TODAY,
                    due_at=NOW.replace(hour=1, minute=n), created_at=NOW - dt.timedelta(days=3),
                )
            )  # fmt: skip
            clients.append(client)
            tasks.append(task.id)
        tx.meta.set("is_demo", "1")
        tx.commit()
    engine.dispose()
    return CallsBranch(url, clients, [t for t in tasks if t is not None])
