"""SMS to send by hand today: follow-ups, and the 回访 of clients who opted out of calls. Space marks one sent, with
the text as sent (optional), which the phrase check reads like every note before it is saved."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from csm_tui.i18n import label, t
from csm_tui.services.calls import Receipt, mark_sms_sent
from csm_tui.services.queue import sms_due
from csm_tui.services.views import SmsRow
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog
from widgets.bindings import translate_bindings
from widgets.failures import describe
from widgets.key_bar import KeyBar
from widgets.table import KeyTable
from widgets.text_fields import BoundedInput

SMS_MAX = 500  # characters of an SMS text kept with its record (a long SMS is several of 70)

log = logging.getLogger(__name__)


class SmsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "sent", "key.sent", id="sms.sent"),
        Binding("escape", "dismiss", "key.back", id="sms.back"),
    ]

    def __init__(self, ws: Workstation) -> None:
        super().__init__()
        translate_bindings(self)
        self.ws = ws
        self.rows: list[SmsRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("sms.title"), id="screen-title", classes="screen-title")
        yield KeyTable(id="sms")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(KeyTable).add_columns(t("queue.due"), t("queue.client"), t("clients.mobile"), t("queue.reason"))
        self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self) -> None:
        try:
            rows = sms_due(self.ws)
        except Exception as exc:
            log.error("sms list failed: %s", type(exc).__name__)
            self.app.call_from_thread(self.notify, describe(exc), severity="error")
            return
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[SmsRow]) -> None:
        self.rows = rows
        table = self.query_one(KeyTable)
        table.clear()
        today = self.ws.time.today()
        for row in rows:
            due = t("queue.overdue") if row.due_on < today else t("queue.today")
            table.add_row(due, row.client_name, row.masked_mobile, label(row.kind))
        self.query_one("#screen-title", Static).update(f"{t('sms.title')} · {t('sms.count', count=len(rows))}")
        table.focus()

    def action_sent(self) -> None:
        table = self.query_one(KeyTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.app.push_screen(SmsSentDialog(self.ws, self.rows[table.cursor_row]), self._marked)

    def _marked(self, receipt: Receipt | None) -> None:
        if receipt is not None:
            self.notify(t("sms.marked"), timeout=2)
            self.load()


class SmsSentDialog(SavingDialog[Receipt]):
    """An SMS sent by hand: its text as sent (may be left empty), saved as the SMS contact's note."""

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "sms-text"}

    def __init__(self, ws: Workstation, row: SmsRow) -> None:
        super().__init__()
        self.ws = ws
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("sms.sent_title", client=self.row.client_name), classes="screen-title")
            yield BoundedInput(placeholder=t("sms.text"), max_length=SMS_MAX, id="sms-text")
            yield from self.footer()

    def build(self) -> Callable[[], Receipt]:
        text = self.query_one("#sms-text", Input).value.strip()
        confirmed = self.confirmed()
        row = self.row
        return lambda: mark_sms_sent(self.ws, row.client_id, row.task_id, text, confirmed)
