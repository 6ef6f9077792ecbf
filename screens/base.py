"""The shape every destination shares: data loaded off the UI thread, shown when it arrives, errors as notices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from csm_tui import gc_pause
from csm_tui.domain import roles
from csm_tui.domain.values import mask_mobile
from csm_tui.i18n import t
from csm_tui.services.clients.copying import copy_mobile
from csm_tui.services.workstation import Workstation
from screens.background import Failure, in_background
from widgets.clipboard import send
from widgets.empty_note import show_empty_notes
from widgets.key_bar import KeyBar

T = TypeVar("T")

# The screens' keys that are a kind of work only some roles may do (``roles.WORK_ROLES``), by action: an action is the
# same work on every screen that has it (``b`` sells on the queue as on a client's page). Every other action is the
# screen's own work (``offered_action``'s ``default``).
ACTION_WORK = {
    "sell": "new_sale",
    "wizard": "new_sale",
    "book": "agenda",
    "agenda": "agenda",
    "capacity": "capacity",
    "aml_report": "aml_report",
    "introduce": "introduce",
    "prospect_calls": "prospects",
    "release": "release_wode",
}


def offered_action(ws: Workstation, action: str, default: str) -> bool:
    """The signed-in role is offered the screen's ``action`` (its work by ``ACTION_WORK``, else ``default``): what
    it is not offered a screen's ``check_action`` hides from the key bar and F1, and the key does nothing."""
    return roles.offered(ws.staff.role, ACTION_WORK.get(action, default))


class Destination(Screen[None], Generic[T]):
    """A top-level screen. Subclasses ``fetch`` (worker thread, services only) and ``show`` (UI thread)."""

    TITLE_KEY = ""
    LIVE: ClassVar[bool] = False  # reload whenever this workstation commits a write while the screen is shown

    def __init__(self, ws: Workstation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ws = ws

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t(self.TITLE_KEY), id="screen-title", classes="screen-title")
        yield from self.compose_body()
        yield KeyBar()

    def set_status(self, text: str) -> None:
        """The line under the header: this destination's name and what it shows now."""
        self.query_one("#screen-title", Static).update(f"{t(self.TITLE_KEY)} · {text}")

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        """Fresh figures each time the destination is shown, the first time included."""
        if self.LIVE:
            changed = self.app.data_changed  # type: ignore[attr-defined]
            changed.unsubscribe(self)  # a screen out of sight may have been dropped; never subscribed twice
            changed.subscribe(self, self._data_changed)
        self.reload()

    def _data_changed(self, _: None) -> None:
        if self.is_current:
            self.reload()

    def action_back(self) -> None:
        """Escape on a destination pushed over another (the agenda, the shelf, a list opened from the checklist)."""
        self.dismiss(None)

    def fetch(self) -> T:
        raise NotImplementedError

    def show(self, data: T) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        in_background(self, self.fetch, self._arrived, group="load", failed=self._not_loaded, load=True)

    def _arrived(self, data: T) -> None:
        try:
            self.show(data)
            show_empty_notes(self)
        finally:
            gc_pause.resume()  # the first screen is up, or could not be (see csm_tui.gc_pause)

    def _not_loaded(self, failure: Failure) -> None:
        self.notify(failure.message, severity="error")
        gc_pause.resume()

    def save_in_background(self, job: Callable[[], object]) -> None:
        """Run a one-transaction save off the UI thread; a refusal is shown, the screen reloads on success."""
        in_background(self, job, self._saved, group="save")

    def _saved(self, _: object) -> None:
        if not self.LIVE:
            self.reload()


def copy_client_mobile(screen: Screen[Any], ws: Workstation, client_id: int) -> None:
    """``y`` on a client's card: the full mobile of one's own client to the clipboard (read and audited off the UI
    thread), then "copied"; anyone else's client refused with the reason."""

    def copied(number: str) -> None:
        send(screen.app, number)
        screen.notify(t("copy.done", number=mask_mobile(number)), timeout=3)

    in_background(screen, lambda: copy_mobile(ws, client_id), copied, group="copy")
