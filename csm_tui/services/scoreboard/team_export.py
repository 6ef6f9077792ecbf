"""The team's scores to an XLSX or CSV file: staff names and figures only, never client data."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from csm_tui.domain.enums import Role
from csm_tui.i18n import t
from csm_tui.policy import Dimension
from csm_tui.services.file_exports import export_target, write_export
from csm_tui.services.ports import AccessDenied
from csm_tui.services.scoreboard.quarter_scores import Quarter, TeamRow, TeamTable, team_table
from csm_tui.services.workstation import Workstation

COLUMNS = ("rank", "outlet_rank", "name", "outlet", *(d.value for d in Dimension), "total", "grade", "quarters")


def cells(row: TeamRow, year: bool) -> list[Any]:
    """A row as the table and the export show it (staff names and figures only)."""
    values: list[Any] = [
        row.branch_rank, row.outlet_rank, row.csm.name, row.csm.outlet,
        *(row.subtotals.get(d) for d in Dimension), row.total, row.grade.value if row.grade else None,
    ]  # fmt: skip
    return [*values, row.quarters] if year else values


def sort_key(column: int) -> Callable[[TeamRow], tuple[bool, Any]]:
    """Rows without a figure in the column go last, whichever the direction."""

    def key(row: TeamRow) -> tuple[bool, Any]:
        value = cells(row, True)[column]
        return value is None, value if value is not None else 0

    return key


def file_name(table: TeamTable) -> str:
    """``scores-2026Q4.xlsx``, ``scores-2026Q4-year.xlsx``."""
    return f"scores-{table.quarter}{'-year' if table.year else ''}.xlsx"


def export_team(
    ws: Workstation, path: Path, *, quarter: Quarter | None = None, year: bool = False,
    rows: list[TeamRow] | None = None,
) -> tuple[int, Path]:  # fmt: skip
    """A supervisor's team table (every CSM's, for the admin) of a quarter or the year to it, in ``rows``' order
    where given (as sorted on screen), else by rank. Audited; returns the row count and where it went."""
    if ws.staff.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise AccessDenied("export")
    target = export_target(ws, path)
    table = team_table(ws, quarter, year=year)
    columns = COLUMNS if year else COLUMNS[:-1]
    headers = [t(f"team.col.{c}") for c in columns]
    body = [[float(v) if isinstance(v, Decimal) else v for v in cells(r, year)] for r in rows or table.rows]
    with ws.uow(write=True) as tx:
        return write_export(tx, "scores", headers, body, target), target
