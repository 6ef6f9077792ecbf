"""The client's card on its own, from the queue (Enter): what a call session shows, without the call."""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from csm_tui.i18n import t
from csm_tui.services.call_prep import CallCard, prepare
from csm_tui.services.workstation import Workstation
from widgets.bindings import translate_bindings
from widgets.client_card import ClientCard
from widgets.failures import describe

log = logging.getLogger(__name__)


class ClientCardScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "key.close", id="card.close"),
    ]
    DEFAULT_CSS = """
    ClientCardScreen { align: center middle; }
    ClientCardScreen > Vertical { width: 78; max-width: 100%; height: auto; background: $surface; }
    """

    def __init__(self, ws: Workstation, client_id: int) -> None:
        super().__init__()
        translate_bindings(self)
        self.ws = ws
        self.client_id = client_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ClientCard(t("card.loading"))
            yield Static(t("card.hint"), classes="hint")

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exit_on_error=False)
    def load(self) -> None:
        try:
            card = prepare(self.ws, self.client_id)
        except Exception as exc:
            log.error("client card failed: %s", type(exc).__name__)
            self.app.call_from_thread(self.notify, describe(exc), severity="error")
            return
        self.app.call_from_thread(self._show, card)

    def _show(self, card: CallCard) -> None:
        self.query_one(ClientCard).show_card(card, self.ws.time.today())
