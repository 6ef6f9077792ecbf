"""The admin's home: the branch's data state — the date the bank's data is as of, the last imports, the audit
chain's check — with the import one key away (``i``)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from csm_tui.i18n import listed, t
from csm_tui.services.imports import data_state
from csm_tui.services.imports.data_state import DataState
from csm_tui.services.workstation import Workstation
from screens.base import Destination
from widgets.cells import figure
from widgets.table import KeyTable


class DataStateScreen(Destination[DataState]):
    TITLE_KEY = "data_state.title"
    LIVE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "import", "key.import", id="data_state.import"),
        Binding("r", "recheck", "key.recheck", id="data_state.recheck"),
        Binding("escape", "back", "key.back", id="data_state.back"),
    ]
    DEFAULT_CSS = """
    DataStateScreen #data-facts { height: auto; padding: 0 1; }
    """

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="data-facts", markup=False)  # the policy's "[calendar]" is words, not a tag
        yield KeyTable(id="imports", enter_opens_row=True)

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

    def fetch(self) -> DataState:
        return data_state.load(self.ws)

    def show(self, data: DataState) -> None:
        audit = data.audit
        if audit.holds:
            chain = t("data_state.audit_holds", count=audit.entries)
        elif audit.problem:
            problem = t(f"data_state.problem.{audit.problem}")
            chain = t("data_state.audit_broken", entry=audit.broken or "—", problem=problem)
        else:
            chain = t("data_state.audit_unguarded", guards=listed(audit.missing_guards))
        lines = [
            t("data_state.as_of", as_of=data.as_of.isoformat() if data.as_of else t("data_state.never")),
            chain,
        ]
        if not data.imports:
            lines.append(t("data_state.no_imports"))
        if data.uncovered_years:
            years = listed(str(y) for y in data.uncovered_years)
            lines.append(t("app.calendar_uncovered", years=years))
        self.query_one("#data-facts", Static).update("\n".join(lines))
        headers = [t(f"data_state.col.{c}") for c in ("at", "kind", "file", "rows", "rejected", "as_of")]
        rows = [
            (
                self.ws.time.local(i.at).format("YYYY-MM-DD HH:mm"),
                t(f"import.kind.{i.kind}") if i.kind else "",
                i.file,
                figure(str(i.rows)),
                figure(str(i.rejected)),
                i.as_of,
            )
            for i in data.imports
        ]
        self.query_one(KeyTable).show_rows(headers, rows)
        self.set_status(t("data_state.status", count=len(data.imports)) if data.imports else t("data_state.never"))

    def action_import(self) -> None:
        self.app.action_import()  # type: ignore[attr-defined]

    def action_recheck(self) -> None:
        self.reload()
