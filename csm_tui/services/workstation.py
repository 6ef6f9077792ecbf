"""The signed-in workstation: who is acting, through which units of work, on which clock and policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csm_tui.clock import BranchTime
from csm_tui.domain.models import Outlet, Staff
from csm_tui.policy import Policy
from csm_tui.services.ports import UnitOfWorkFactory


class UnknownStaff(Exception):
    def __init__(self, login: str) -> None:
        super().__init__(login)
        self.login = login


@dataclass(frozen=True)
class Workstation:
    uow: UnitOfWorkFactory
    staff: Staff
    outlet: Outlet | None
    time: BranchTime
    policy: Policy
    demo: bool
    # Where exports must go, by file name only: set for an SSH session, which runs as the branch server's service
    # account and must not write anywhere else it can (the database, its keys). None: any path the user names.
    exports: Path | None = None


def is_demo(uow: UnitOfWorkFactory) -> bool:
    with uow() as tx:
        return tx.meta.get("is_demo") == "1"


def find_staff(uow: UnitOfWorkFactory, login: str) -> Staff:
    with uow() as tx:
        staff = tx.staff.by_login(login)
    if staff is None or not staff.active:
        raise UnknownStaff(login)
    return staff


def sign_in(
    uow: UnitOfWorkFactory, staff: Staff, time: BranchTime, policy: Policy, demo: bool, via: str = "local"
) -> Workstation:
    """Record the sign-in (and how: ``local`` or ``ssh``) in the audit log and open the workstation for ``staff``."""
    with uow(write=True) as tx:
        tx.audit.record("signin", "staff", str(staff.id), login=staff.login, via=via)
        outlet = tx.outlets.get(staff.outlet_id) if staff.outlet_id is not None else None
        tx.commit()
    return Workstation(uow=uow, staff=staff, outlet=outlet, time=time, policy=policy, demo=demo)
