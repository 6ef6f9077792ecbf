"""The end of a session whose staff member was deactivated or removed since signing in: the reason, and a way out.

Nothing else can be done from here: every unit of work refuses such a session, and the app stops all its actions."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from csm_tui.i18n import t
from widgets.key_bar import KeyBar


class SessionEndedScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,q", "close", "key.quit", id="session_ended.quit"),
    ]
    DEFAULT_CSS = """
    SessionEndedScreen { align: center middle; }
    SessionEndedScreen > Vertical { width: 60; height: auto; border: thick $error; background: $surface; padding: 1 2; }
    SessionEndedScreen KeyBar { height: 2; }  /* over the whole key bar of the screen below: none of its keys works */
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("session.ended_title"), classes="screen-title")
            yield Static(t("session.ended"), id="session-ended")
            yield Static(t("session.ended_hint"), classes="hint")
        yield KeyBar()  # only the keys that still work: leaving

    def action_close(self) -> None:
        self.app.exit()
