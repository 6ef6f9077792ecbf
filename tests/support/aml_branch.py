"""The small branch of the suspicion-report (AML) tests, on either backend: two outlets, their supervisors, two CSMs
with a client each, a teller, a lobby manager and the admin. The clock stands on Friday 27 November 2026, 10:00 in
Shanghai."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, text

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import AmlSign, Grade, Role
from csm_tui.domain.models import NewClient, NewOutlet, NewStaff, Staff
from csm_tui.policy import Policy
from csm_tui.services.clients import aml
from csm_tui.services.workstation import Workstation
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import numbered_rid, workstation

TZ = "Asia/Shanghai"
TODAY = dt.date(2026, 11, 27)
MARK = "柜台分三次存入现金每次四万九"  # what the CSM saw: it must appear nowhere but in the report
SIGNS = (AmlSign.LARGE_CASH, AmlSign.UNCLEAR_FUNDS)


@dataclass
class AmlBranch:
    engine: Engine
    factory: SqlUnitOfWorkFactory
    staff: dict[str, Staff]
    clients: dict[str, int]

    def ws(self, login: str, policy: Policy | None = None) -> Workstation:
        return workstation(self.factory, self.staff[login], policy)

    def file(self, login: str = "wang", client: str = "张伟", text: str = MARK) -> int:
        return aml.file_report(self.ws(login), self.clients[client], SIGNS, text).id


ADMIN_REVIEWS = Policy().model_copy(update={"aml": {"reviewer": "admin"}})


def build_aml_branch(engine: Engine, clock: FrozenClock) -> AmlBranch:
    """Outlet A01 (营业部): supervisor sup (张主管), CSMs wang (王芳, client 张伟) and li (李娜, client 刘洋) in her
    team, a teller and a lobby manager; outlet B01 (徐汇支行) with its supervisor supb (钱主管); the admin."""
    factory = SqlUnitOfWorkFactory(engine, clock)
    with factory(write=True) as tx:
        a = tx.outlets.add(NewOutlet(code="A01", name="营业部"))
        b = tx.outlets.add(NewOutlet(code="B01", name="徐汇支行"))
        sup = tx.staff.add(NewStaff(login="sup", name="张主管", role=Role.SUPERVISOR, outlet_id=a.id))
        other_sup = tx.staff.add(NewStaff(login="supb", name="钱主管", role=Role.SUPERVISOR, outlet_id=b.id))
        staff = {
            "sup": sup,
            "supb": other_sup,
            "admin": tx.staff.add(NewStaff(login="admin", name="管理员", role=Role.ADMIN)),
            "teller": tx.staff.add(NewStaff(login="teller", name="柜员", role=Role.TELLER, outlet_id=a.id)),
            "lobby": tx.staff.add(NewStaff(login="lobby", name="大堂", role=Role.LOBBY, outlet_id=a.id)),
        }
        for login, name in (("wang", "王芳"), ("li", "李娜")):
            staff[login] = tx.staff.add(
                NewStaff(login=login, name=name, role=Role.CSM, grade=Grade.CSM, outlet_id=a.id, supervisor_id=sup.id)
            )
        clients = {}
        for n, (name, manager) in enumerate((("张伟", "wang"), ("刘洋", "li")), start=1):
            clients[name] = tx.clients.add(
                NewClient(
                    number=f"C{n:04d}", name=name, resident_id=numbered_rid(n), mobile=f"1390000{n:04d}",
                    manager_id=staff[manager].id, outlet_id=a.id, avg_3m=Decimal("80000.00"),
                )
            ).id  # fmt: skip
        tx.commit()
    return AmlBranch(engine, factory, staff, clients)


def audit_text(engine: Engine) -> str:
    """The log as words: each entry's detail decoded (SQLite keeps it as JSON text, its CJK escaped as \\uXXXX,
    where a search for the words would find nothing whatever the entry held)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, entity, entity_id, detail FROM audit_events ORDER BY id"))
        return " ".join(
            f"{r.action} {r.entity} {r.entity_id} "
            f"{json.dumps(json.loads(r.detail) if isinstance(r.detail, str) else r.detail, ensure_ascii=False)}"
            for r in rows
        )
