"""A CSM's day: csm01 (certified to sell wealth products and funds) with twelve calls due this morning, in order —
eleven callbacks and one 回访 last — clients of ¥500,000 each and the selling branch's products, in a SQLite file
marked as a demo (so the app opens it for ``--staff``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import QualificationKind, Role, TaskKind
from csm_tui.domain.models import NewTask, Qualification
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import BranchBuilder
from tests.support.calls_branch import NOW, TODAY, resident_id
from tests.support.clock import FROZEN_AT
from tests.support.selling_branch import PRODUCTS

CALLS = 12


@dataclass
class DayBranch:
    url: str
    clients: list[int]
    tasks: list[int]


def build_day_branch(folder: Path) -> DayBranch:
    url = f"sqlite:///{folder / 'day.db'}"
    engine = make_engine(url)
    upgrade(engine)
    clients, tasks = [], []
    with SqlUnitOfWorkFactory(engine, FrozenClock(FROZEN_AT))(write=True) as tx:
        build = BranchBuilder(tx, as_of=TODAY - dt.timedelta(days=2))
        build.outlet("SH001", "徐汇", sells_wealth=True)
        licences = tuple(
            Qualification(kind=kind, number=f"Q-{kind.value}", obtained_on=dt.date(2020, 3, 1))
            for kind in (QualificationKind.WEALTH_BASIC, QualificationKind.FUND)
        )
        csm = build.staff("csm01", "王芳", Role.CSM, qualifications=licences)
        assert csm.id is not None
        for product in PRODUCTS:
            tx.products.add(product)
        for n in range(CALLS):
            client = build.client(
                f"C{n:04d}", f"客户{n}", resident_id(n), csm, mobile=f"1380013{n:04d}",
                balance=Decimal("500000.00"), avg_3m=Decimal("500000.00"),
            )  # fmt: skip
            kind = TaskKind.SERVICE_CALLBACK if n == CALLS - 1 else TaskKind.CALLBACK
            task = tx.tasks.add(
                NewTask(
                    client_id=client, staff_id=csm.id, kind=kind, due_on=TODAY,
                    due_at=NOW.replace(hour=1, minute=n), created_at=NOW - dt.timedelta(days=3),
                )
            )  # fmt: skip
            clients.append(client)
            assert task.id is not None
            tasks.append(task.id)
        tx.meta.set("is_demo", "1")
        tx.commit()
    engine.dispose()
    return DayBranch(url, clients, tasks)
