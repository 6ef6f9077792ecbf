"""Suspicion reports (反洗钱可疑交易报告): the AML reviewer's list, or a CSM's own reports.

The outlet's reviewer (the policy's ``[aml] reviewer``: its supervisors, or the admin) sees the outlet's reports,
open ones first, with the one under the cursor in full below; ``d`` decides it (reported or dismissed, with a
reason), once. A CSM sees the reports they filed and how they were decided. Nobody else reaches this screen's data:
the service refuses it (and the screen says so).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from csm_tui.domain.enums import AmlStatus
from csm_tui.i18n import label, listed, t
from csm_tui.services.clients import aml
from csm_tui.services.clients.aml import AmlEntry
from csm_tui.services.workstation import Workstation
from screens.base import Destination
from screens.dialogs import AmlDecisionDialog
from widgets.table import KeyTable

COLUMNS = ("filed", "client", "author", "signs", "status")


class AmlReviewsScreen(Destination[list[AmlEntry]]):
    TITLE_KEY = "aml.title"
    LIVE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "decide", "key.aml_decide", id="aml.decide"),
        Binding("escape", "back", "key.back", id="aml.back"),
    ]
    DEFAULT_CSS = """
    AmlReviewsScreen KeyTable { height: 1fr; }
    AmlReviewsScreen #aml-detail { height: 8; border-top: solid $primary-darken-2; padding: 0 1; }
    """

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.rows: list[AmlEntry] = []
        self.reviewer = aml.is_reviewer(ws)

    def compose_body(self) -> ComposeResult:
        # The signs in short words, giving way first (in full in the pane below); dates and states whole.
        whole = (COLUMNS.index("filed"), COLUMNS.index("status"))
        yield KeyTable(id="aml-reports", stretch=COLUMNS.index("signs"), whole=whole, enter_opens_row=True)
        with VerticalScroll(id="aml-detail"):
            yield Static("", id="aml-text")

    def on_mount(self) -> None:
        self.query_one(KeyTable).focus()

    def fetch(self) -> list[AmlEntry]:
        return aml.to_review(self.ws) if self.reviewer else aml.mine(self.ws)

    def show(self, data: list[AmlEntry]) -> None:
        self.rows = data
        headers = [t(f"aml.col.{c}") for c in COLUMNS]
        rows = [
            (
                self.ws.time.local(e.report.filed_at).format("YYYY-MM-DD"),
                f"{e.client_name} {e.client_number}",
                e.author,
                listed(t(f"aml.sign_short.{s.value}") for s in e.report.signs),
                label(e.report.status),
            )
            for e in data
        ]
        self.query_one(KeyTable).show_rows(headers, rows)
        waiting = sum(1 for e in data if e.report.status is AmlStatus.OPEN)
        self.set_status(t("aml.count", count=len(data), open=waiting))
        self._detail()

    def _selected(self) -> AmlEntry | None:
        table = self.query_one(KeyTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._detail()

    def _detail(self) -> None:
        entry = self._selected()
        if entry is None:
            self.query_one("#aml-text", Static).update(t("aml.empty_review" if self.reviewer else "aml.empty"))
            return
        r = entry.report
        lines = [
            t("aml.detail_head", id=r.id, client=entry.client_name, author=entry.author),
            t("aml.detail_signs", signs=listed(label(s) for s in r.signs)),
            r.text,
        ]
        if r.status is not AmlStatus.OPEN and r.decided_at is not None:
            when = self.ws.time.local(r.decided_at).format("YYYY-MM-DD HH:mm")
            lines.append(
                t("aml.detail_decided", status=label(r.status), by=entry.decided_by, at=when, reason=r.decision_reason)
            )
        self.query_one("#aml-text", Static).update("\n".join(lines))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``d`` (decide) is the reviewer's alone: a CSM reading their own reports is not offered it."""
        if action == "decide" and not self.reviewer:
            return False
        return super().check_action(action, parameters)

    def action_decide(self) -> None:
        entry = self._selected()
        if not self.reviewer or entry is None or entry.report.status is not AmlStatus.OPEN:
            self.notify(t("aml.not_open"), severity="warning")
            return
        self.app.push_screen(AmlDecisionDialog(self.ws, entry.report.id), self._decided)

    def _decided(self, saved: object) -> None:
        if saved:
            self.notify(t("call.saved"), timeout=2)
            self.reload()
