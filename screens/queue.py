"""Today's call queue for the signed-in CSM."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from csm_tui.i18n import label, t, wan
from csm_tui.services.queue import today_queue
from csm_tui.services.views import QueueRow
from csm_tui.services.workstation import Workstation
from screens.base import Destination
from widgets.cells import figure
from widgets.table import KeyTable


class QueueScreen(Destination[list[QueueRow]]):
    TITLE_KEY = "nav.queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "key.filter", id="queue.filter"),
        Binding("escape", "clear_filter", "key.clear_filter", show=False, id="queue.clear_filter"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__(ws)
        self.rows: list[QueueRow] = []

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("queue.filter_hint"), id="queue-filter", classes="filter")
        yield KeyTable(id="queue")

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_columns(
            t("queue.due"), t("queue.client"), t("queue.reason"), t("queue.time"), t("queue.avg_3m")
        )
        self._hide_filter()

    def fetch(self) -> list[QueueRow]:
        return today_queue(self.ws)

    def show(self, data: list[QueueRow]) -> None:
        self.rows = data
        self._fill(self.query_one(Input).value)

    def _fill(self, text: str) -> None:
        table = self.query_one(KeyTable)
        table.clear()
        today = self.ws.time.today()
        needle = text.strip().lower()
        for row in self.rows:
            reason = label(row.kind)
            if needle and needle not in row.client_name.lower() and needle not in reason.lower():
                continue
            due = t("queue.overdue") if row.due_on < today else t("queue.today")
            at = self.ws.time.local(row.due_at).format("HH:mm") if row.due_at else ""
            table.add_row(due, row.client_name, reason, at, figure(wan(row.avg_3m)), key=str(row.task_id))
        self.set_status(t("queue.count", count=table.row_count, target=self.ws.policy.calls.daily_target))

    def _hide_filter(self) -> None:
        box = self.query_one(Input)
        box.display = False
        box.disabled = True  # out of the focus chain while hidden
        self.query_one(KeyTable).focus()

    def action_filter(self) -> None:
        box = self.query_one(Input)
        box.disabled = False
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        self.query_one(Input).value = ""
        self._hide_filter()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(KeyTable).focus()
