"""Importing a file, for admins: what it holds, where it is, a dry run first, then the import with a progress bar.

The import button stays disabled until a dry run of the same kind, file and mapping has shown what would change;
the work runs in a worker thread that reports progress to the bar; the first problems are listed, all of them are in
the error file beside the input. An import goes on when the admin leaves the screen: its outcome then comes as a
notification, wherever they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Button, Header, Input, ProgressBar, Select, Static

from csm_tui.i18n import t
from csm_tui.services.imports.columns import ImportKind, load_mapping
from csm_tui.services.imports.run import ImportReport, import_file, require_admin, summary
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from widgets.key_bar import KeyBar
from widgets.table import KeyTable
from widgets.text_fields import PATH_MAX, BoundedInput

Request = tuple[ImportKind, str, str]  # kind, file, mapping file


class ImportScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "key.back", id="import.back"),
    ]
    DEFAULT_CSS = """
    ImportScreen #import-form { height: auto; }
    ImportScreen #import-kind { width: 24; }
    ImportScreen #import-path { width: 1fr; }
    ImportScreen #import-mapping { width: 1fr; }
    ImportScreen #import-buttons { height: auto; }
    ImportScreen #import-buttons Button { margin: 0 1; min-width: 12; }
    ImportScreen ProgressBar { padding: 0 1; }
    ImportScreen #import-summary { padding: 0 1; height: auto; }
    """

    def __init__(self, ws: Workstation) -> None:
        require_admin(ws)  # the palette offers this screen to admins only; the service refuses anyone else too
        super().__init__()
        self.ws = ws
        self.previewed: Request | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("import.title"), id="screen-title", classes="screen-title")
        with Horizontal(id="import-form"):
            kinds = [(t(f"import.kind.{k.value}"), k) for k in ImportKind]
            yield Select[ImportKind](kinds, value=ImportKind.CLIENTS, allow_blank=False, id="import-kind")
            yield BoundedInput(placeholder=t("import.path"), max_length=PATH_MAX, id="import-path")
        yield BoundedInput(placeholder=t("import.mapping"), max_length=PATH_MAX, id="import-mapping")
        with Horizontal(id="import-buttons"):
            yield Button(t("import.preview"), id="preview", variant="primary")
            yield Button(t("import.run"), id="run", variant="warning", disabled=True)
        yield ProgressBar(total=1, show_eta=False, id="import-progress")
        yield Static("", id="import-summary")
        yield KeyTable(id="import-problems", enter_opens_row=True)
        yield KeyBar()

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.border_title = str(box.placeholder)
        self.query_one("#import-path", Input).focus()

    def request(self) -> Request:
        kind = self.query_one("#import-kind", Select).value
        assert isinstance(kind, ImportKind)
        path = self.query_one("#import-path", Input).value.strip()
        mapping = self.query_one("#import-mapping", Input).value.strip()
        return kind, path, mapping

    @on(Input.Changed)
    @on(Select.Changed)
    def _inputs_changed(self) -> None:
        """A changed kind or file needs a new dry run before it may be imported."""
        self.query_one("#run", Button).disabled = self.busy or self.previewed != self.request()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start(dry_run=True)

    @on(Button.Pressed, "#preview")
    def _preview(self) -> None:
        self.start(dry_run=True)

    @on(Button.Pressed, "#run")
    def _run(self) -> None:
        self.start(dry_run=False)

    def start(self, *, dry_run: bool) -> None:
        if self.busy:
            return
        request = self.request()
        if not request[1]:
            self.query_one("#import-summary", Static).update(t("import.no_file"))
            return
        if not dry_run and request != self.previewed:
            return
        self.busy = True
        for button in self.query(Button):
            button.disabled = True
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#import-summary", Static).update(t("import.running"))

        app = self.app  # the worker holds the app, not the screen: the admin may leave it while the import runs

        def progress(done: int, total: int) -> None:  # called in the worker: the bar is updated on the UI thread
            app.call_from_thread(bar.update, total=total, progress=done)

        kind, file, mapping_file = request

        def run() -> ImportReport:
            mapping = load_mapping(Path(mapping_file).expanduser()) if mapping_file else None
            path = Path(file).expanduser()
            return import_file(self.ws, kind, path, mapping=mapping, dry_run=dry_run, progress=progress)

        in_background(
            self,
            run,
            lambda report: self._finished(app, request, report, ""),
            group="import",
            failed=lambda failure: self._finished(app, request, None, failure.message),
        )

    def _finished(self, app: App[object], request: Request, report: ImportReport | None, failure: str) -> None:
        self.busy = False
        text = failure
        if report is not None:
            text = t("import.refused", reason=report.refused) if report.refused else summary(report)
            if report.errors_path is not None:
                text += "\n" + t("import.errors_at", path=report.errors_path)
        if report is not None and not report.dry_run and not report.refused:
            app.refresh_subtitle()  # type: ignore[attr-defined]  # the branch's data date may have moved
        if not self.is_attached:  # the admin left the screen: told where they are
            severity: SeverityLevel = "information"
            if report is None or report.refused:
                severity = "error"
            elif report.rejected:
                severity = "warning"
            app.notify(text, severity=severity, timeout=30)
            return
        if report is not None:
            self.previewed = request if report.dry_run and not report.refused else None
            self.query_one(KeyTable).show_rows(
                [t("import_report.line"), t("import_report.column"), t("import_report.reason")],
                [("" if p.line is None else str(p.line), p.column, p.reason) for p in report.problems],
            )
        else:
            self.previewed = None
        self.query_one("#import-summary", Static).update(text)
        self.query_one("#preview", Button).disabled = False
        self._inputs_changed()
