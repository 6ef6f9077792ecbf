"""沃德 referrals in the clients' small branch (``support/clients_branch``): a second 沃德 client manager, a referral
left open as the system writes it, a staff member at a desk of their own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from csm_tui.domain.enums import ReferralKind, Role
from csm_tui.domain.models import NewReferral, NewStaff, Referral, Staff
from csm_tui.services.workstation import Workstation
from storage.orm import StaffRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clients_branch import NOW, Branch


def second_wealth_manager(branch: Branch) -> Staff:
    with branch.system(write=True) as tx:
        staff = tx.staff.add(
            NewStaff(login="wode02", name="钱经理", role=Role.WEALTH_MANAGER, outlet_id=branch.outlet_id)
        )
        tx.commit()
    return staff


def open_referral(branch: Branch, client_id: int, to: Staff, at: dt.datetime = NOW) -> Referral:
    """A 沃德 referral left open, written as the system writes (the service keeps one open a client: a second one
    comes only by another path — an import, SQL, a desk before the rule)."""
    assert branch.csm_a.id is not None and to.id is not None
    with branch.system(write=True) as tx:
        referral = tx.referrals.add(
            NewReferral(
                client_id=client_id, kind=ReferralKind.WODE, from_staff_id=branch.csm_a.id, to_staff_id=to.id,
                created_at=at,
            )
        )  # fmt: skip
        tx.commit()
    return referral


def desk(branch: Branch, engine: Engine, staff: Staff) -> Workstation:
    """``staff`` at a desk of their own: a session on its own engine."""
    ws = branch.ws(staff)
    return Workstation(
        SqlUnitOfWorkFactory(engine, branch.clock).acting_as(staff), staff, None, ws.time, ws.policy, False
    )


def in_team(branch: Branch) -> None:
    """陈经理 (the 沃德 client manager) in 周主管's team: the supervisor who releases for them."""
    with Session(branch.engine) as session:
        session.execute(
            update(StaffRow).where(StaffRow.id == branch.wealth.id).values(supervisor_id=branch.supervisor.id)
        )
        session.commit()
