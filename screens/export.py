"""Exporting one's own task list or contact records: where to save it, then the file, identities masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import platformdirs
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from csm_tui.i18n import t
from csm_tui.services.file_exports import export_target
from csm_tui.services.imports.exports import ExportKind, default_path, export_list
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog
from widgets.text_fields import PATH_MAX, BoundedInput


class ExportDialog(SavingDialog[tuple[int, Path]]):
    """Enter saves the list to the path shown (an XLSX in the documents folder unless changed)."""

    def __init__(self, ws: Workstation, kind: ExportKind) -> None:
        super().__init__()
        self.ws = ws
        self.kind = kind

    def compose(self) -> ComposeResult:
        over_ssh = self.ws.exports is not None  # a bare name, kept in the server's export folder
        suggested = default_path(self.ws, self.kind, Path() if over_ssh else platformdirs.user_documents_path())
        with Vertical():
            yield Label(t(f"export.{self.kind.value}"), classes="screen-title")
            if over_ssh:
                yield Static(t("export.server_folder", folder=str(self.ws.exports)))
            yield BoundedInput(str(suggested), placeholder=t("export.path"), max_length=PATH_MAX, id="path")
            yield from self.footer()

    def build(self) -> Callable[[], tuple[int, Path]]:
        text = self.query_one("#path", Input).value.strip()
        if not text:
            raise ValueError(t("import.no_file"))
        typed = Path(text).expanduser()
        target = export_target(self.ws, typed)  # a refusal shows in the dialog before anything runs
        return lambda: (export_list(self.ws, self.kind, typed), target)
