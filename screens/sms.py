"""SMS to send by hand today: follow-ups, and the 回访 of clients who opted out of calls. Space marks one sent, with
the text as sent (optional), which the phrase check reads like every note before it is saved."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from csm_tui.i18n import label, t
from csm_tui.services.calls.outcomes import Receipt
from csm_tui.services.calls.queue import sms_due
from csm_tui.services.rows import SmsRow
from csm_tui.services.workstation import Workstation
from screens.background import in_background
from screens.dialogs import SmsSentDialog
from widgets.empty_note import EmptyNote, show_empty_notes
from widgets.key_bar import KeyBar
from widgets.table import KeyTable


class SmsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "sent", "key.sent", id="sms.sent"),
        Binding("escape", "dismiss", "key.back", id="sms.back"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__()
        self.ws = ws
        self.rows: list[SmsRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("sms.title"), id="screen-title", classes="screen-title")
        yield EmptyNote("sms", "empty.sms")
        yield KeyTable(id="sms", enter_opens_row=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_columns(t("queue.due"), t("queue.client"), t("clients.mobile"), t("queue.reason"))
        self.load()

    def load(self) -> None:
        in_background(self, lambda: sms_due(self.ws), self._show, group="load", load=True)

    def _show(self, rows: list[SmsRow]) -> None:
        self.rows = rows
        table = self.query_one(KeyTable)
        table.clear()
        today = self.ws.time.today()
        for row in rows:
            due = t("queue.overdue") if row.due_on < today else t("queue.today")
            table.add_row(due, row.client_name, row.masked_mobile, label(row.kind))
        self.query_one("#screen-title", Static).update(f"{t('sms.title')} · {t('sms.count', count=len(rows))}")
        show_empty_notes(self)
        table.focus()

    def action_sent(self) -> None:
        table = self.query_one(KeyTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.app.push_screen(SmsSentDialog(self.ws, self.rows[table.cursor_row]), self._marked)

    def _marked(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.notify(t("sms.marked"), timeout=2)
            self.load()
