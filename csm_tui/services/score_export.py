"""The team's scores to an XLSX file: staff names and figures only, never client data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from csm_tui.domain.enums import Role
from csm_tui.services.ports import AccessDenied
from csm_tui.services.workstation import Workstation


def write_xlsx(path: Path, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    """One sheet: a header row, then the rows as given."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    path.chmod(0o600)
    return path


def export_scores(
    ws: Workstation, path: Path, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]
) -> Path:
    """A supervisor's or the admin's score table, written and the export recorded in the audit log."""
    if ws.staff.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise AccessDenied("export")
    written = write_xlsx(path, title, headers, rows)
    with ws.uow(write=True) as tx:
        tx.audit.record("scores.export", "scores", title, path=str(written), rows=len(rows))
        tx.commit()
    return written
