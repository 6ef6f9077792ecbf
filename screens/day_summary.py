"""The day summary (班后): a short text, saved with the day's figures as they stand."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, Static, TextArea

from csm_tui.domain.models import DaySummary
from csm_tui.i18n import t
from csm_tui.services import checklist
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog
from widgets.text_fields import BoundedTextArea


class DaySummaryDialog(SavingDialog[DaySummary]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "key.save", id="summary.save", priority=True),
        Binding("f2", "save", "key.save", show=False, id="summary.save_f2", priority=True),
    ]
    DEFAULT_CSS = """
    DaySummaryDialog TextArea { height: 8; }
    """

    PHRASE_FIELDS: ClassVar[dict[str, str]] = {"summary": "text"}

    def __init__(self, ws: Workstation, figures: dict[str, int], saved: DaySummary | None) -> None:
        super().__init__()
        self.ws = ws
        self.figures = figures
        self.saved = saved

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("summary.title", day=self.ws.time.today().isoformat()), classes="screen-title")
            yield Static(" · ".join(f"{t(f'summary.{k}')} {v}" for k, v in self.figures.items()), id="figures")
            yield BoundedTextArea(
                self.saved.text if self.saved else "", max_length=checklist.SUMMARY_MAX, id="text", soft_wrap=True
            )
            yield Static("", id="dialog-error", classes="error")
            yield Static(t("summary.hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.submit()

    def build(self) -> Callable[[], DaySummary]:
        text = self.query_one("#text", TextArea).text
        confirmed = self.confirmed()
        return lambda: checklist.save_summary(self.ws, text, confirmed)
