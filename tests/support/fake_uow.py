"""A unit of work in memory, for the fast service tests that need no database (as in *Architecture Patterns with
Python*): it implements the ports of ``csm_tui.services.ports`` that those services use — ``TaskRepository``,
``AuditLog``, and the ``UnitOfWork`` / ``UnitOfWorkFactory`` surface (context manager, commit, rollback, listeners).

It keeps the one promise the services rely on: what a unit of work wrote is seen by the next one only once it
committed; leaving it without ``commit()`` (or on an exception) throws its writes away. A service that reaches for a
repository this fake does not hold fails with ``AttributeError``: such a service is tested on the real databases."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from csm_tui.domain.enums import TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.models import AuditEvent, NewTask, Staff, Task
from csm_tui.services.rows import ClosedTask


@dataclass
class Store:
    """What the fake database holds: tasks by id and the audit log's events (action, entity, entity id, detail)."""

    tasks: dict[int, Task] = field(default_factory=dict)
    events: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    next_id: int = 1


class FakeTasks:
    """``TaskRepository`` over the unit of work's copy of the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, task: NewTask) -> Task:
        stored = Task(id=self._store.next_id, **task.model_dump())
        self._store.tasks[stored.id] = stored
        self._store.next_id += 1
        return stored

    def get(self, task_id: int) -> Task | None:
        return self._store.tasks.get(task_id)

    def _existing(self, task_id: int) -> Task:
        found = self._store.tasks.get(task_id)
        if found is None:
            raise LookupError(f"task {task_id}")
        return found

    def delete(self, task_id: int) -> None:
        self._store.tasks.pop(task_id, None)

    def close(self, task_id: int, status: TaskStatus, at: dt.datetime, note: str = "") -> None:
        task = self._existing(task_id)
        self._store.tasks[task_id] = task.model_copy(
            update={"status": status, "closed_at": at, "note": note or task.note}
        )

    def reopen(self, task_id: int) -> None:
        task = self._existing(task_id)
        self._store.tasks[task_id] = task.model_copy(update={"status": TaskStatus.OPEN, "closed_at": None})

    def open_for_client(self, client_id: int) -> list[Task]:
        return [t for t in self._store.tasks.values() if t.client_id == client_id and t.status is TaskStatus.OPEN]

    def closed_for_client(self, client_id: int, limit: int) -> list[ClosedTask]:
        closed = [t for t in self._store.tasks.values() if t.client_id == client_id and t.status is not TaskStatus.OPEN]
        closed.sort(key=lambda t: (t.closed_at or dt.datetime.min.replace(tzinfo=dt.UTC), t.id), reverse=True)
        return [ClosedTask(t, None) for t in closed[:limit]]

    def open_for_origin(self, origin: TaskOrigin, origin_id: int) -> list[Task]:
        return [
            t
            for t in self._store.tasks.values()
            if t.origin is origin and t.origin_id == origin_id and t.status is TaskStatus.OPEN
        ]

    def reschedule(self, task_id: int, due_on: dt.date, due_at: dt.datetime | None, note: str = "") -> None:
        task = self._existing(task_id)
        self._store.tasks[task_id] = task.model_copy(
            update={"due_on": due_on, "due_at": due_at, "note": note or task.note}
        )

    def open_calls(self, client_id: int, staff_id: int, day: dt.date | None, kinds: Iterable[TaskKind]) -> list[Task]:
        wanted = set(kinds)
        return [
            t
            for t in self.open_for_client(client_id)
            if t.staff_id == staff_id and (day is None or t.due_on <= day) and t.kind in wanted
        ]


class FakeAudit:
    """``AuditLog``: events in order; ``recent`` and ``count`` read them back."""

    def __init__(self, store: Store, actor: Staff | None, now: Callable[[], dt.datetime]) -> None:
        self._store = store
        self._actor = actor
        self._now = now

    def record(self, action: str, entity: str = "", entity_id: str = "", **detail: Any) -> None:
        detail = {"staff_id": None if self._actor is None else self._actor.id, "at": self._now(), **detail}
        self._store.events.append((action, entity, entity_id, detail))

    def recent(self, limit: int = 50) -> list[AuditEvent]:
        raise NotImplementedError("the fake keeps events as tuples: read FakeUnitOfWorkFactory.store.events")

    def count(self, action: str, staff_id: int, since: dt.datetime) -> int:
        return sum(
            1 for a, _, _, d in self._store.events if a == action and d["staff_id"] == staff_id and d["at"] >= since
        )


class FakeUnitOfWork:
    """One unit of work on a private copy of the store, written back on ``commit()``."""

    def __init__(self, factory: FakeUnitOfWorkFactory) -> None:
        self._factory = factory
        self._work = copy.deepcopy(factory.store)
        self.actor = factory.actor
        self.tasks = FakeTasks(self._work)
        self.audit = FakeAudit(self._work, factory.actor, factory.now)
        self.committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._factory.store = copy.deepcopy(self._work)
        self.committed = True
        for listener in self._factory.commit_listeners:
            listener()

    def rollback(self) -> None:
        self._work = copy.deepcopy(self._factory.store)
        self.tasks = FakeTasks(self._work)
        self.audit = FakeAudit(self._work, self._factory.actor, self._factory.now)


class FakeUnitOfWorkFactory:
    """``UnitOfWorkFactory`` acting for ``actor``; ``store`` is what has been committed so far."""

    def __init__(self, actor: Staff | None, now: Callable[[], dt.datetime]) -> None:
        self.actor = actor
        self.now = now
        self.store = Store()
        self.commit_listeners: list[Callable[[], None]] = []
        self.session_end_listeners: list[Callable[[], None]] = []

    def __call__(self, *, write: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def on_commit(self, listener: Callable[[], None]) -> None:
        self.commit_listeners.append(listener)

    def on_session_end(self, listener: Callable[[], None]) -> None:
        self.session_end_listeners.append(listener)
