"""The branch's data state, the admin's home: the date the bank's data is as of, the last imports, and a check of
the audit chain and of the triggers that guard the records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from csm_tui.domain.enums import Role
from csm_tui.services.ports import AccessDenied, AuditCheck
from csm_tui.services.workstation import Workstation

LAST_IMPORTS = 8  # how many of the newest imports the admin sees


@dataclass(frozen=True)
class ImportLine:
    """One import as the audit log recorded it."""

    at: dt.datetime
    kind: str  # what was imported: clients, balances, holdings, staff, …
    file: str
    rows: int
    rejected: int
    as_of: str  # the data date the file carried ("" if none)


@dataclass(frozen=True)
class DataState:
    as_of: dt.date | None
    imports: tuple[ImportLine, ...]
    audit: AuditCheck
    uncovered_years: tuple[int, ...]  # years whose public holidays the installed calendar lacks


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def load(ws: Workstation) -> DataState:
    """The admin's only (everyone else is told it is a permission they lack)."""
    if ws.staff.role is not Role.ADMIN:
        raise AccessDenied("data_state")
    with ws.uow() as tx:
        as_of = tx.views.data_as_of()
        events = tx.audit.last_of("import", LAST_IMPORTS)
        check = tx.audit.check()
    imports = tuple(
        ImportLine(
            at=e.at, kind=e.entity, file=str(e.detail.get("file", "")), rows=_int(e.detail.get("rows")),
            rejected=_int(e.detail.get("rejected")), as_of=str(e.detail.get("as_of") or ""),
        )
        for e in events
    )  # fmt: skip
    years = tuple(ws.policy.calendar.uncovered_years(ws.time.today()))
    return DataState(as_of, imports, check, years)
