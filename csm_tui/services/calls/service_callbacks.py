"""Which calls are a 回访: the 回访's own task, or a callback booked when it went unanswered or the client was busy
(a retry of a retry too). Recording a 回访 done (with the client's satisfaction) answers one of these only."""

from __future__ import annotations

from csm_tui.domain.enums import TaskKind, TaskOrigin
from csm_tui.domain.models import Task
from csm_tui.rules.cadence import NOT_REACHED, RETRIES_FOLLOWED
from csm_tui.services.ports import UnitOfWork


def follows_service_callback(tx: UnitOfWork, task: Task | None) -> bool:
    """``task`` is a 回访, or a callback that retries one the client did not answer (or was busy for)."""
    for _ in range(RETRIES_FOLLOWED):
        if task is None:
            return False
        if task.kind is TaskKind.SERVICE_CALLBACK:
            return True
        if task.kind is not TaskKind.CALLBACK or task.origin is not TaskOrigin.CONTACT or task.origin_id is None:
            return False
        contact = tx.contacts.get(task.origin_id)
        if contact is None or contact.task_id is None or contact.disposition not in NOT_REACHED:
            return False
        task = tx.tasks.get(contact.task_id)
    return False
