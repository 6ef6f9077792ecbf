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
from textual.widget import Widget
from textual.widgets import Input, Label, Static, TextArea
from textual.widgets.input import Selection
from textual.widgets.text_area import Selection as AreaSelection

from csm_tui.domain.enums import Channel, Disposition
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import label, t
from csm_tui.services.cadence import NEEDS_TIME
from csm_tui.services.calls import Outcome, SkipReason
from csm_tui.services.phrase_check import (
    REASON_MAX,
    ForbiddenPhrases,
    PhraseHit,
    PhrasesConfirmed,
    find_phrases,
)
from widgets.bindings import translate_bindings
from widgets.failures import describe
from widgets.phrase_panel import PhrasePanel
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


def _location(text: str, index: int) -> tuple[int, int]:
    """The (row, column) of ``index`` in ``text``, as a text area counts them."""
    before = text[:index]
    return before.count("\n"), len(before) - (before.rfind("\n") + 1)


class SavingDialog(ModalScreen[R | None], Generic[R]):
    """A modal form: Enter saves (in a worker), Escape leaves without saving anything.

    A save refused by the phrase check (``ForbiddenPhrases``) shows the phrases in place (``PhrasePanel``, the
    first selected in its field) with a field for the reason to keep them: the next save passes ``confirmed()``.
    ``PHRASE_FIELDS`` names the widget holding each text the service checks."""

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

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"note": "note", "feedback": "feedback"}

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)
        self.saving = False
        self.hits: list[PhraseHit] = []

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
        except ForbiddenPhrases as exc:
            self.app.call_from_thread(self._phrases_found, exc.hits, describe(exc))
            return
        except Exception as exc:
            log.warning("save failed: %s", type(exc).__name__)
            self.app.call_from_thread(self._failed, describe(exc))
            return
        self.app.call_from_thread(self.dismiss, result)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.show_error(message)

    def confirmed(self) -> PhrasesConfirmed | None:
        """The phrases the check found and shown, kept for the reason typed beside them (None before any, or while
        no reason is typed: the service then refuses again)."""
        if not self.hits:
            return None
        reason = self.query_one("#phrase-reason", Input).value.strip()
        return PhrasesConfirmed(frozenset(h.phrase for h in self.hits), reason) if reason else None

    def _text_of(self, field: str) -> str:
        found = self.query(f"#{self.PHRASE_FIELDS.get(field, field)}")
        if not found:
            return ""
        widget = found.first()
        return widget.text if isinstance(widget, TextArea) else widget.value if isinstance(widget, Input) else ""

    def _phrases_found(self, hits: list[PhraseHit], message: str) -> None:
        self.saving = False
        self.hits = hits
        self.show_error(message)
        texts = {hit.field: self._text_of(hit.field) for hit in hits}
        # Where each phrase stands in the field as typed (the service read it without outer spaces).
        phrases = {hit.phrase for hit in hits}
        shown = [h for field, text in texts.items() for h in find_phrases(text, phrases, field)] or hits
        if not self.query(PhrasePanel):
            error = self.query_one("#dialog-error", Static)
            reason = BoundedInput(placeholder=t("phrases.reason"), max_length=REASON_MAX, id="phrase-reason")
            reason.border_title = t("phrases.reason")
            if isinstance(error.parent, Widget):
                error.parent.mount(PhrasePanel(id="phrases"), reason, before=error)
        self.query_one(PhrasePanel).show_hits(shown, texts)
        self._select(shown[0])
        self.query_one("#phrase-reason", Input).focus()

    def _select(self, hit: PhraseHit) -> None:
        """The first phrase selected in its own field, where the staff member would change it."""
        found = self.query(f"#{self.PHRASE_FIELDS.get(hit.field, hit.field)}")
        if not found:
            return
        widget = found.first()
        if isinstance(widget, Input):
            widget.selection = Selection(hit.start, hit.end)
        elif isinstance(widget, TextArea):
            text = widget.text
            widget.selection = AreaSelection(_location(text, hit.start), _location(text, hit.end))

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
            confirmed=self.confirmed(),
        )
        return lambda: self.save(outcome)


class ReasonDialog(SavingDialog[R]):
    """Why a client is skipped or snoozed: a reason by its number key, and a note."""

    def __init__(self, title: str, save: Callable[[SkipReason, str, PhrasesConfirmed | None], R]) -> None:
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
        confirmed = self.confirmed()
        return lambda: self.save(reason, note, confirmed)
