"""Exporting a CSM's own lists: the task list and the contact records, to XLSX or CSV.

Only the signed-in staff member's own rows; client identities (ID and mobile numbers) arrive masked from the query
and there is no way to ask for them unmasked. Every export is audited (what, how many rows, which file name). The
task list's columns are the task import's, so an exported list imports back unchanged (``csm import tasks``).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

from csm_tui.i18n import label, t
from csm_tui.services.file_exports import export_target, write_export
from csm_tui.services.imports.columns import header_of
from csm_tui.services.rows import ContactExportRow, TaskExportRow
from csm_tui.services.tabular import TableFormat
from csm_tui.services.task_notes import said_note
from csm_tui.services.workstation import Workstation

CONTACT_DAYS = 90  # the contact records of the last three months, unless asked otherwise


class ExportKind(StrEnum):
    TASKS = "tasks"
    CONTACTS = "contacts"


def default_path(ws: Workstation, kind: ExportKind, folder: Path, fmt: TableFormat = TableFormat.XLSX) -> Path:
    """``tasks-csm01-2026-11-27.xlsx`` in ``folder``."""
    return folder / f"{kind.value}-{ws.staff.login}-{ws.time.today().isoformat()}.{fmt.value}"


def _local(ws: Workstation, at: dt.datetime | None) -> str:
    return "" if at is None else ws.time.local(at).isoformat()


def _task_table(ws: Workstation, rows: list[TaskExportRow]) -> tuple[list[str], list[list[object]]]:
    headers = [
        header_of("client"), t("export_column.client_name"), t("export_column.masked_id"),
        t("export_column.masked_mobile"), header_of("staff"), header_of("kind"), header_of("due_on"),
        header_of("due_at"), header_of("status"), header_of("origin"), header_of("origin_id"), header_of("note"),
        header_of("created_at"), header_of("closed_at"),
    ]  # fmt: skip
    body: list[list[object]] = [
        [
            r.client_number,
            r.client_name,
            r.masked_id,
            r.masked_mobile,
            r.staff_login,
            label(r.kind),
            r.due_on,
            _local(ws, r.due_at),
            label(r.status),
            label(r.origin),
            r.origin_id,
            said_note(r.note),  # a skip's reason in the user's words (read back as its code on import)
            _local(ws, r.created_at),
            _local(ws, r.closed_at),
        ]
        for r in rows
    ]
    return headers, body


def _contact_table(ws: Workstation, rows: list[ContactExportRow]) -> tuple[list[str], list[list[object]]]:
    headers = [
        header_of("client"), t("export_column.client_name"), t("export_column.masked_mobile"),
        t("export_column.started_at"), t("export_column.channel"), t("export_column.duration_s"),
        t("export_column.disposition"), t("export_column.satisfaction"), t("export_column.feedback"),
        header_of("note"),
    ]  # fmt: skip
    body: list[list[object]] = [
        [
            r.client_number,
            r.client_name,
            r.masked_mobile,
            ws.time.local(r.started_at).format("YYYY-MM-DD HH:mm"),
            label(r.channel),
            r.duration_s,
            label(r.disposition),
            r.satisfaction,
            r.feedback,
            r.note,
        ]
        for r in rows
    ]
    return headers, body


def export_list(
    ws: Workstation,
    kind: ExportKind,
    path: Path,
    *,
    fmt: TableFormat | None = None,
    open_only: bool = True,
    days: int = CONTACT_DAYS,
) -> int:
    """Write the signed-in staff member's own list to ``path`` (see ``export_target``); returns the number of rows.

    Raises ``DomainError`` when the file cannot be written (nothing is exported then)."""
    staff_id = ws.staff.id
    target = export_target(ws, path)
    with ws.uow(write=True) as tx:
        if kind is ExportKind.TASKS:
            headers, rows = _task_table(ws, tx.views.task_export(staff_id, open_only))
        else:
            since, _ = ws.time.day_bounds(ws.time.today() - dt.timedelta(days=days))
            headers, rows = _contact_table(ws, tx.views.contact_export(staff_id, since))
        return write_export(tx, kind.value, headers, rows, target, fmt)
