"""Dialogs of the call session: an outcome's details, and why a client is skipped or snoozed.

A dialog saves through the function it is given, off the UI thread; a failed save shows why and keeps every
field as typed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

import arrow
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from csm_tui.domain.enums import Channel, Disposition
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import label, t
from csm_tui.rules.cadence import NEEDS_TIME
from csm_tui.services.calls.outcomes import Outcome, SkipReason
from widgets.bindings import translate_bindings
from widgets.failures import describe
from widgets.text_fields import DATE_MAX, TIME_MAX, BoundedInput

log = logging.getLogger(__name__)
R = TypeVar("R")


def typed_time(date: str, time: str, tz: Any) -> dt.datetime:
    """A date and time typed in the branch's zone (YYYY-MM-DD, HH:MM), as an aware UTC instant."""
    try:
        local = arrow.get(f"{date.strip()} {time.strip()}", "YYYY-MM-DD HH:mm", tzinfo=tz)
    except (arrow.parser.ParserError, ValueError):
        raise DomainError("bad_time") from None
    return local.to("UTC").datetime


class SavingDialog(ModalScreen[R | None], Generic[R]):
    """A modal form: Enter saves (in a worker), Escape leaves without saving anything."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "key.cancel", id="dialog.cancel"),
    ]
    DEFAULT_CSS = """
    SavingDialog { align: center middle; }
    SavingDialog > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent; background: $surface;
                              padding: 0 1; }
    SavingDialog .error { color: $error; height: auto; }
    SavingDialog Input { margin: 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.saving = False

    @staticmethod
    def footer() -> ComposeResult:
        """Where a refused save says why, and how to save or leave."""
        yield Static("", id="dialog-error", classes="error")
        yield Static(t("dialog.hint"), classes="hint")

    def on_mount(self) -> None:
        for box in self.query(Input):  # a field keeps its name in its border once something is typed
            box.border_title = str(box.placeholder)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        if self.saving:
            return
        try:
            job = self.build()
        except (DomainError, ValueError) as exc:
            self.show_error(describe(exc) if isinstance(exc, DomainError) else str(exc))
            return
        self.saving = True
        self.show_error(t("dialog.saving"))
        self.run_save(job)

    def build(self) -> Callable[[], R]:
        """Check the fields and return the save to run; raise DomainError with what is wrong."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, group="save", exit_on_error=False)
    def run_save(self, job: Callable[[], R]) -> None:
        try:
            result = job()
        except Exception as exc:
            log.warning("save failed: %s", type(exc).__name__)
            self.app.call_from_thread(self._failed, describe(exc))
            return
        self.app.call_from_thread(self.dismiss, result)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.show_error(message)

    def show_error(self, message: str) -> None:
        self.query_one("#dialog-error", Static).update(message)


class OutcomeDialog(SavingDialog[R]):
    """The details of one outcome: the agreed time where one is needed, satisfaction for a 回访, a note."""

    def __init__(
        self, disposition: Disposition, save: Callable[[Outcome], R], tz: str, suggested: arrow.Arrow,
        channel: Channel = Channel.PHONE,
    ) -> None:  # fmt: skip
        super().__init__()
        self.disposition = disposition
        self.save = save
        self.tz = tz
        self.suggested = suggested.to(tz)
        self.channel = channel

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("outcome.title", outcome=label(self.disposition)), classes="screen-title")
            if self.disposition in NEEDS_TIME:
                yield BoundedInput(
                    self.suggested.format("YYYY-MM-DD"), placeholder="YYYY-MM-DD", max_length=DATE_MAX, id="date"
                )
                yield BoundedInput(self.suggested.format("HH:mm"), placeholder="HH:MM", max_length=TIME_MAX, id="time")
            if self.disposition is Disposition.SERVICE_DONE:
                yield BoundedInput(
                    placeholder=t("outcome.satisfaction"), restrict="[1-5]", max_length=1, id="satisfaction"
                )
                yield BoundedInput(placeholder=t("outcome.feedback"), max_length=2000, id="feedback")
            yield BoundedInput(placeholder=t("outcome.note"), max_length=2000, id="note")
            yield from self.footer()

    def _value(self, field: str) -> str:
        found = self.query(f"#{field}")
        return found.first(Input).value.strip() if found else ""

    def agreed_time(self) -> dt.datetime | None:
        if self.disposition not in NEEDS_TIME:
            return None
        return typed_time(self._value("date"), self._value("time"), self.tz)

    def build(self) -> Callable[[], R]:
        satisfaction = self._value("satisfaction")
        if self.disposition is Disposition.SERVICE_DONE and not satisfaction:
            raise DomainError("satisfaction_required")
        outcome = Outcome(
            disposition=self.disposition,
            channel=self.channel,
            note=self._value("note"),
            feedback=self._value("feedback"),
            satisfaction=int(satisfaction) if satisfaction else None,
            at=self.agreed_time(),
        )
        return lambda: self.save(outcome)


class ReasonDialog(SavingDialog[R]):
    """Why a client is skipped or snoozed: a reason by its number key, and a note."""

    def __init__(self, title: str, save: Callable[[SkipReason, str], R]) -> None:
        super().__init__()
        self.title_text = title
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="screen-title")
            for number, reason in enumerate(SkipReason, start=1):
                yield Static(f"{number}  {label(reason)}")
            yield BoundedInput(placeholder=t("skip.choose"), restrict="[1-9]", max_length=1, id="reason")
            yield BoundedInput(placeholder=t("outcome.note"), max_length=500, id="note")
            yield from self.footer()

    def build(self) -> Callable[[], R]:
        choice = self.query_one("#reason", Input).value
        reasons = list(SkipReason)
        if not choice or not 1 <= int(choice) <= len(reasons):
            raise DomainError("reason_required")
        reason = reasons[int(choice) - 1]
        note = self.query_one("#note", Input).value.strip()
        return lambda: self.save(reason, note)
