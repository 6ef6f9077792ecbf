"""Exporting one's own task list or contact records: where to save it, then the file, identities masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import platformdirs
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from csm_tui.i18n import t
from csm_tui.services.exporting import ExportKind, default_path, export_list
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog


class ExportDialog(SavingDialog[tuple[int, Path]]):
    """Enter saves the list to the path shown (an XLSX in the documents folder unless changed)."""

    def __init__(self, ws: Workstation, kind: ExportKind) -> None:
        super().__init__()
        self.ws = ws
        self.kind = kind

    def compose(self) -> ComposeResult:
        suggested = default_path(self.ws, self.kind, platformdirs.user_documents_path())
        with Vertical():
            yield Label(t(f"export.{self.kind.value}"), classes="screen-title")
            yield Input(str(suggested), placeholder=t("export.path"), id="path")
            yield from self.footer()

    def build(self) -> Callable[[], tuple[int, Path]]:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            raise ValueError(t("import.no_file"))
        path = Path(text).expanduser()
        return lambda: (export_list(self.ws, self.kind, path), path)
