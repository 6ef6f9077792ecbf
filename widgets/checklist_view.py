"""How a checklist reads on screen: its table's rows, its summary line and its status. Shared by the checklist
screen and the first frame the thin start path paints (``screens.first_screen``), so both read the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from rich.text import Text

from csm_tui.domain.enums import ChecklistMeasure
from csm_tui.i18n import label, t
from widgets.cells import item_text

if TYPE_CHECKING:
    from csm_tui.services.checklist.item_states import ItemState


class Summary(Protocol):
    """A day's summary as saved: its text and the figures kept with it."""

    @property
    def text(self) -> str: ...
    @property
    def figures(self) -> Mapping[str, int]: ...


def progress_text(state: ItemState) -> str:
    p = state.progress
    if p is None:
        return ""
    if state.item.measure is ChecklistMeasure.SUMMARY:
        return t("checklist.written") if p.complete else t("checklist.not_written")
    return f"{p.done} / {p.total}"


def headers() -> list[str]:
    return [t("checklist.phase"), "", t("checklist.item"), t("checklist.figure"), t("checklist.note")]


def rows(items: Sequence[ItemState]) -> list[tuple[str | Text, ...]]:
    """One row per item: the phase where it starts, done or not, the item, its figure and its note."""
    found: list[tuple[str | Text, ...]] = []
    phase = None
    for state in items:
        mark = Text("✓", style="bold green") if state.done else Text("·", style="dim")
        phase_text = label(state.item.phase) if state.item.phase != phase else ""
        phase = state.item.phase
        found.append((phase_text, mark, item_text(state.item), progress_text(state), state.note))
    return found


def summary_text(summary: Summary | None, editable: bool) -> str:
    if summary is None:
        return t("checklist.no_summary") if editable else ""
    figures = " · ".join(f"{t(f'summary.{k}')} {v}" for k, v in summary.figures.items())
    return t("checklist.summary_line", text=summary.text.replace("\n", " "), figures=figures)


def status_text(whose: str, day: dt.date, items: Sequence[ItemState], *, editable: bool, on_leave: bool) -> str:
    """``whose`` is empty for one's own list, else the name and a separator."""
    mode = t("checklist.today_tag") if editable else t("checklist.read_only")
    if on_leave:
        mode += f" · {t('leave.on_leave')}"
    done = sum(1 for i in items if i.done)
    return t("checklist.status", whose=whose, day=day.isoformat(), done=done, total=len(items)) + f" · {mode}"
