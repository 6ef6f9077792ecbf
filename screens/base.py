"""The shape every destination shares: data loaded off the UI thread, shown when it arrives, errors as notices."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from csm_tui import gc_pause
from csm_tui.i18n import t
from csm_tui.services.ports import StorageFailure
from csm_tui.services.workstation import Workstation
from widgets.bindings import translate_bindings
from widgets.failures import describe, describe_load
from widgets.key_bar import KeyBar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Destination(Screen[None], Generic[T]):
    """A top-level screen. Subclasses ``fetch`` (worker thread, services only) and ``show`` (UI thread)."""

    TITLE_KEY = ""
    LIVE: ClassVar[bool] = False  # reload whenever this workstation commits a write while the screen is shown

    def __init__(self, ws: Workstation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ws = ws
        translate_bindings(self)

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

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def reload(self) -> None:
        try:
            data = self.fetch()
        except StorageFailure as exc:  # named: a read-only database, a server gone, ...
            log.error("loading %s failed: %s", type(self).__name__, exc.cause)
            self.app.call_from_thread(self.notify, describe_load(exc), severity="error")
        except Exception as exc:
            # The type only: messages of database errors can carry client data.
            log.error("loading %s failed: %s", type(self).__name__, type(exc).__name__)
            self.app.call_from_thread(self.notify, t("error.load_failed"), severity="error")
        else:
            self.app.call_from_thread(self.show, data)
        finally:
            gc_pause.resume()  # the first screen is up, or could not be (see csm_tui.gc_pause)

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def save_in_background(self, job: Callable[[], object]) -> None:
        """Run a one-transaction save off the UI thread; a refusal is shown, the screen reloads on success."""
        try:
            job()
        except Exception as exc:
            log.warning("save failed: %s", type(exc).__name__)
            self.app.call_from_thread(self.notify, describe(exc), severity="error")
            return
        if not self.LIVE:
            self.app.call_from_thread(self.reload)


def load_in_background(screen: Screen[Any], fetch: Callable[[], T], show: Callable[[T], None]) -> None:
    """For a screen pushed over a destination: ``fetch`` in a worker, ``show`` on the UI thread, a failure as a
    notice in words (the log gets its type only: messages of database errors can carry client data)."""

    def load() -> None:
        try:
            data = fetch()
        except Exception as exc:
            log.warning("loading %s failed: %s", type(screen).__name__, type(exc).__name__)
            screen.app.call_from_thread(screen.notify, describe(exc), severity="error")
            return
        screen.app.call_from_thread(show, data)

    screen.run_worker(load, thread=True, exclusive=True, group="load", exit_on_error=False)
