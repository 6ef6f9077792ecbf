"""Table cells that read well in a column: figures right-aligned, a queue reason's detail, a checklist item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from csm_tui.domain.enums import QueueReason
from csm_tui.i18n import current_language, label, t
from csm_tui.services.task_notes import said_note
from widgets.table import ELLIPSIS, clip_middle

if TYPE_CHECKING:  # the first screen imports this module before the policy, arrow and the services are loaded
    import arrow

    from csm_tui.services.checklist.item_states import ChecklistLine
    from csm_tui.services.rows import Candidate, Retry


def figure(text: str) -> Text:
    return Text(text, justify="right")


def reason_detail(candidate: Candidate, local: Callable[[dt.datetime], str]) -> str:
    """What goes with a queue reason: the holding that matures, the assessment's end, the meeting, the note."""
    match candidate.reason:
        case QueueReason.MATURITY if candidate.product:
            return f"{candidate.product} {candidate.on.isoformat() if candidate.on else ''}"
        case QueueReason.ASSESSMENT:
            return t("queue.valid_until", date=candidate.on.isoformat()) if candidate.on else t("card.no_assessment")
        case QueueReason.ID_EXPIRY if candidate.on is not None:
            return t("queue.id_expiry", date=candidate.on.isoformat())
        case QueueReason.APPOINTMENT_CONFIRM if candidate.due_at is not None:
            return t("queue.meeting_at", time=local(candidate.due_at))
        case QueueReason.TIER_AT_RISK if candidate.on is not None:
            falls = {"date": f"{candidate.on:%m-%d}", "threshold": yuan(candidate.threshold or Decimal(0), ROUND_UP)}
            if candidate.amount:
                return t("queue.tier_falls", amount=yuan(candidate.amount, ROUND_UP), **falls)  # still enough
            return t("queue.tier_fell", **falls)
        case QueueReason.LARGE_OUTFLOW if candidate.on is not None and candidate.amount is not None:
            return t("queue.outflow", amount=yuan(candidate.amount, ROUND_DOWN), as_of=f"{candidate.on:%m-%d}")
        case QueueReason.BIRTHDAY if candidate.on is not None:
            return t("queue.birthday", date=candidate.on.isoformat())
        case QueueReason.CALLBACK if candidate.retry is not None:
            return _retried(candidate.retry, candidate.note)
    return said_note(candidate.note)


def _retried(retry: Retry, note: str) -> str:
    """A retry after unanswered calls: the how-manyth call, what the first was for (its task and note), and the
    retry's own note (typed on the unanswered call) when it says more."""
    first = " ".join(part for part in (label(retry.kind) if retry.kind else "", said_note(retry.note)) if part)
    said = t("queue.retry_of", attempt=retry.attempt, what=first) if first else t("queue.retry", attempt=retry.attempt)
    return " · ".join(part for part in (said, said_note(note) if note != retry.note else "") if part)


def said_when(at: arrow.Arrow, today: dt.date) -> str:
    """A time (in the branch's zone) as the language says it: the time alone today; "yesterday" or the date with it
    on another day (``15:00 yesterday``, ``昨天 15:00``, ``13:00 on Nov 24``, ``11月24日 13:00``)."""
    time = at.format("HH:mm")
    if at.date() == today:
        return time
    if at.date() == today - dt.timedelta(days=1):
        return t("when.yesterday", time=time)
    return t("when.day", date=at.format(t("when.date_format")), time=time)


def yuan(amount: Decimal, rounding: str) -> str:
    """An amount in whole yuan (``¥1,092,013``), for a column too narrow for the fen: the sum to the fen is on the
    client's card, and a sum cut at the column's edge would read as another sum."""
    return f"¥{amount.quantize(Decimal(1), rounding=rounding):,}"


def item_text(item: ChecklistLine) -> str:
    """A checklist item's text: shipped items read from the catalogs, items the branch adds carry their own."""
    if item.text:
        return item.text.get(current_language(), item.text["zh_CN"])
    return t(f"checklist.items.{item.code}")


def short_path(path: str | Path, width: int) -> str:
    """A file's path in at most ``width`` terminal cells, to show on one line: the home folder as ``~``, then, if
    still too long, its folders' middle dropped with ``…`` so that the start and the file's name stay
    (``~/.local/sh…/suitability-12.html``). The full path goes wherever it can be copied or read (log, notice)."""
    text, home = str(path), str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home.rstrip("/") + "/")):
        text = "~" + text[len(home.rstrip("/")) :]
    if cell_len(text) <= width:
        return text
    name = Path(text).name
    room = width - cell_len(name) - cell_len(ELLIPSIS + "/")  # what is left for the start of the folders
    if room < 2:
        return clip_middle(Text(text), width).plain
    head = set_cell_size(text[: len(text) - len(name)], room).rstrip(" ")
    return f"{head}{ELLIPSIS}/{name}"
