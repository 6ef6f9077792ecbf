"""Which calls are a 回访: the 回访's own task, or a callback booked when it went unanswered or the client was busy
(a retry of a retry too). Recording a 回访 done (with the client's satisfaction) answers one of these only."""

from __future__ import annotations

from csm_tui.domain.models import Task
from csm_tui.services.ports import UnitOfWork


def follows_service_callback(tx: UnitOfWork, task: Task | None) -> bool:
    """``task`` is a 回访, or a callback that retries one the client did not answer (or was busy for)."""
    return task is not None and task.id is not None and tx.tasks.follows_service_callback(task.id)
