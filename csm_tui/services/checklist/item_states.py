"""A checklist's items as they stand, from the day's counts and marks: shared by the full list (``day_list``) and
the first screen's thin read (``csm_tui.start``), so both show the same figures. Free of the policy and the
database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from csm_tui.domain.enums import ChecklistMeasure, ChecklistPhase
from csm_tui.services.rows import ChecklistCounts, Progress


class ChecklistLine(Protocol):
    """An item of the template: the policy's ``ChecklistItem``, or the shipped ``policy_defaults.TemplateItem``."""

    @property
    def code(self) -> str: ...
    @property
    def phase(self) -> ChecklistPhase: ...
    @property
    def measure(self) -> ChecklistMeasure | None: ...
    @property
    def text(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class ItemState:
    item: ChecklistLine
    progress: Progress | None  # automatic items only
    ticked: bool  # items ticked by hand
    note: str

    @property
    def done(self) -> bool:
        return self.progress.complete if self.progress is not None else self.ticked


def item_states(
    items: Iterable[ChecklistLine], counts: ChecklistCounts, marks: Mapping[str, tuple[bool, str]], *,
    summary_written: bool, call_target: int, products: Callable[[], Progress],
) -> tuple[ItemState, ...]:  # fmt: skip
    """Each item with its figure: ``marks`` are (ticked, note) by item code; ``call_target`` is zero for someone on
    leave; ``products`` counts the products read (asked only when the list has that item)."""
    states = []
    for item in items:
        ticked, note = marks.get(item.code, (False, ""))
        progress = None
        match item.measure:
            case None:
                pass
            case ChecklistMeasure.CALLS:
                progress = Progress(counts.get(item.measure, Progress(0, 0)).done, call_target)
            case ChecklistMeasure.PRODUCTS_READ:
                progress = products()
            case ChecklistMeasure.SUMMARY:
                progress = Progress(int(summary_written), 1)
            case measure:
                progress = counts.get(measure, Progress(0, 0))
        states.append(ItemState(item, progress, ticked=ticked, note=note))
    return tuple(states)
