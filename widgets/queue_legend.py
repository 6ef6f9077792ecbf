"""What the call queue's words mean, for F1 on the queue and in the call session: each reason a client is in the
queue, the "+N" beside it and the words of the due column."""

from __future__ import annotations

from csm_tui.domain.enums import QueueReason
from csm_tui.i18n import label, t


def queue_legend() -> list[tuple[str, str]]:
    """(word as shown, what it means), every queue reason first, in the queue's order of priority."""
    rows = [(label(reason), t(f"queue_help.{reason.value}")) for reason in QueueReason]
    rows += [
        ("+1", t("queue_help.also")),
        (t("queue.overdue"), t("queue_help.overdue")),
        (t("queue.today"), t("queue_help.today")),
        ("HH:mm", t("queue_help.at")),
    ]
    return rows
