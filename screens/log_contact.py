"""Logging a contact by hand: a call made outside a session, a visit, an SMS, a letter, a WeChat message or an
email, with its outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select

from csm_tui.domain.enums import Channel, Disposition
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import label, t
from csm_tui.services.calls import Outcome, Receipt, record
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog
from widgets.text_fields import BoundedInput

# What a hand-logged contact can end in (the time-bound outcomes are booked from the call session).
LOGGED_OUTCOMES = (
    Disposition.INFORMED,
    Disposition.INTERESTED,
    Disposition.SERVICE_DONE,
    Disposition.POLITE_DECLINE,
    Disposition.FIRM_DECLINE,
    Disposition.DO_NOT_CALL,
)


class LogContactDialog(SavingDialog[Receipt]):
    def __init__(self, ws: Workstation, client_id: int, client_name: str) -> None:
        super().__init__()
        self.ws = ws
        self.client_id = client_id
        self.client_name = client_name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("log.title", client=self.client_name), classes="screen-title")
            yield Select[Channel]([(label(c), c) for c in Channel], prompt=t("log.channel"), id="channel")
            yield Select[Disposition]([(label(d), d) for d in LOGGED_OUTCOMES], prompt=t("log.outcome"), id="outcome")
            yield BoundedInput(placeholder=t("outcome.satisfaction"), restrict="[1-5]", max_length=1, id="satisfaction")
            yield BoundedInput(placeholder=t("outcome.feedback"), max_length=2000, id="feedback")
            yield BoundedInput(placeholder=t("outcome.note"), max_length=2000, id="note")
            yield from self.footer()

    def _selected(self, widget_id: str) -> Any:
        value = self.query_one(f"#{widget_id}", Select).value
        return None if value is Select.BLANK else value

    def build(self) -> Callable[[], Receipt]:
        channel, disposition = self._selected("channel"), self._selected("outcome")
        if channel is None or disposition is None:
            raise DomainError("choose_channel_and_outcome")
        satisfaction = self.query_one("#satisfaction", Input).value
        outcome = Outcome(
            disposition=disposition,
            channel=channel,
            note=self.query_one("#note", Input).value.strip(),
            feedback=self.query_one("#feedback", Input).value.strip(),
            satisfaction=int(satisfaction) if satisfaction else None,
            confirmed=self.confirmed(),
        )
        started = self.ws.time.now().datetime
        return lambda: record(self.ws, self.client_id, outcome, started_at=started)
