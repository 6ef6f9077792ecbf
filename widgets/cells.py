"""Table cells that read well in a column: figures right-aligned, a queue reason's detail, a checklist item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from rich.text import Text

from csm_tui.domain.enums import QueueReason
from csm_tui.i18n import current_language, t
from csm_tui.policy import ChecklistItem
from csm_tui.services.rows import Candidate


def figure(text: str) -> Text:
    return Text(text, justify="right")


def reason_detail(candidate: Candidate, local: Callable[[dt.datetime], str]) -> str:
    """What goes with a queue reason: the holding that matures, the assessment's end, the meeting, the note."""
    match candidate.reason:
        case QueueReason.MATURITY if candidate.product:
            return f"{candidate.product} {candidate.on.isoformat() if candidate.on else ''}"
        case QueueReason.ASSESSMENT:
            return t("queue.valid_until", date=candidate.on.isoformat()) if candidate.on else t("card.no_assessment")
        case QueueReason.APPOINTMENT_CONFIRM if candidate.due_at is not None:
            return t("queue.meeting_at", time=local(candidate.due_at))
    return candidate.note


def item_text(item: ChecklistItem) -> str:
    """A checklist item's text: shipped items read from the catalogs, items the branch adds carry their own."""
    if item.text:
        return item.text.get(current_language(), item.text["zh_CN"])
    return t(f"checklist.items.{item.code}")
