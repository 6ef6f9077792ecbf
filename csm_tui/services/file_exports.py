"""Where an export goes and how it is written and audited: shared by the exports of one's own lists
(``imports.exports``) and of the team's scores (``scoreboard.team_export``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from csm_tui.domain.errors import DomainError
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.tabular import TableFormat, staged_table
from csm_tui.services.workstation import Workstation

SUFFIXES = frozenset({".csv", ".xlsx"})


def export_target(ws: Workstation, path: Path) -> Path:
    """Where an export of ``path`` goes: a new ``.csv`` or ``.xlsx`` file, never over another; in an SSH session,
    a bare file name in the server's export folder (``Workstation.exports``)."""
    if path.suffix.lower() not in SUFFIXES:
        raise DomainError("export.suffix")
    if ws.exports is not None:
        if len(path.parts) != 1 or path.name.startswith("."):
            raise DomainError("export.name_only", folder=str(ws.exports))
        path = ws.exports / path.name
    if path.exists():
        raise DomainError("export.exists", path=str(path))
    return path


def write_export(
    tx: UnitOfWork, what: str, headers: Sequence[str], rows: Iterable[Sequence[object]], path: Path,
    fmt: TableFormat | None = None,
) -> int:  # fmt: skip
    """Write ``rows`` to ``path`` (from ``export_target``) and commit the export's audit entry; the file takes its
    name only once the entry is committed. Returns the row count."""
    fmt = fmt or TableFormat.of(path)
    try:
        with staged_table(headers, rows, path, fmt) as count:
            tx.audit.record("export", what, "", rows=count, format=fmt.value, file=path.name)
            tx.commit()
    except FileExistsError:
        raise DomainError("export.exists", path=str(path)) from None
    except OSError as exc:
        raise DomainError("export.unwritable", path=str(path), reason=exc.strerror or type(exc).__name__) from None
    return count
