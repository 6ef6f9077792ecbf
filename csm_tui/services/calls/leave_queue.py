"""The call queue around a leave: the covered CSM's due calls in the colleague's queue, nothing for the one away, and
the backlog spread over the working days after the return.

Spreading keeps the queue to what a day can take: every call fixed with the client that day (``FIXED_REASONS``: a
callback the client asked for, a 回访 inside its window, tomorrow's meeting to confirm) is shown, and of the rest only
as many as the daily target leaves room for after the day's calls, highest priority first (the queue's own order, so
what was overdue longest within a reason comes first). The rest wait for the next working days, which take them the
same way until the backlog is gone; then the queue is as on any day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol, TypeVar

from csm_tui.domain.enums import FIXED_REASONS, QueueReason
from csm_tui.services.leave import LeaveEntry, covered_today
from csm_tui.services.ports import UnitOfWork
from csm_tui.services.rows import Candidate, QueueSources, QueueWindow
from csm_tui.services.workstation import Workstation


class _Item(Protocol):
    @property
    def reason(self) -> QueueReason: ...
    @property
    def main(self) -> Candidate: ...


Item = TypeVar("Item", bound=_Item)


@dataclass(frozen=True)
class LeaveDay:
    """What a leave changes in the signed-in CSM's queue today."""

    away: bool = False  # on leave today: the queue is empty (the calls are covered or wait)
    backlog_until: dt.date | None = None  # the last day of the latest leave that has ended
    covered: tuple[tuple[LeaveEntry, QueueSources], ...] = ()  # colleagues covered today, with their due calls


def leave_day(tx: UnitOfWork, ws: Workstation, w: QueueWindow, own: QueueSources) -> LeaveDay:
    """From the CSM's own queue sources (``own``), which say the last day of their latest leave begun by today and
    whether a leave names them as cover today: only then are the colleagues' leave and due calls read."""
    last_day = own.leave_until
    if last_day is not None and last_day >= w.today:
        return LeaveDay(away=True)
    if not own.covering:
        return LeaveDay(backlog_until=last_day)
    covered = tuple((row, tx.views.covered_queue_sources(row.leave.staff_id, w)) for row in covered_today(tx, ws))
    return LeaveDay(backlog_until=last_day, covered=covered)


def spread_backlog(items: list[Item], target: int, calls_today: int, backlog_until: dt.date | None) -> list[Item]:
    """Today's share of a backlog left by a leave that ended on ``backlog_until`` (pure: ``items`` in the queue's
    order). While any call that is not fixed was due by that day, at most ``target - calls_today`` such calls are
    shown, besides every fixed one; otherwise ``items`` as they are."""
    if backlog_until is None or not any(
        i.reason not in FIXED_REASONS and i.main.due_on <= backlog_until for i in items
    ):
        return items
    room = max(0, target - calls_today)
    shown = []
    for item in items:
        if item.reason in FIXED_REASONS:
            shown.append(item)
        elif room > 0:
            shown.append(item)
            room -= 1
    return shown
