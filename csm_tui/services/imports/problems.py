"""The rows an import refuses, kept on disk as they are found: a file of millions of bad rows in bounded memory.

They come back in line order for the error file (SQLite's sort doing the work), and the first few for the screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from csm_tui.services.imports.scratch import scratch_database

FLUSH = 1_000  # problems held before they go to disk
FETCH = 1_000


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the whole file
    column: str
    reason: str
    value: str = ""


class ProblemLog:
    """An import's problems; ``rejected`` and ``duplicates`` count the lines refused (a line refused for two reasons
    counts once)."""

    def __enter__(self) -> Self:
        self._stack = ExitStack()
        self._db = self._stack.enter_context(scratch_database())
        self._db.execute("CREATE TABLE problem (line INTEGER, col TEXT, reason TEXT, value TEXT, duplicate INTEGER)")
        self._pending: list[tuple[int | None, str, str, str, bool]] = []
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stack.close()

    def add(self, problem: Problem, *, duplicate: bool = False) -> None:
        self._pending.append((problem.line, problem.column, problem.reason, problem.value, duplicate))
        if len(self._pending) >= FLUSH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO problem VALUES (?, ?, ?, ?, ?)", self._pending)
        self._pending = []

    def _count(self, where: str) -> int:
        self._flush()
        return int(self._db.execute(f"SELECT count(DISTINCT line) FROM problem WHERE {where}").fetchone()[0])

    @property
    def rejected(self) -> int:
        return self._count("line IS NOT NULL")

    @property
    def duplicates(self) -> int:
        return self._count("duplicate")

    def ordered(self, limit: int = -1) -> Iterator[Problem]:
        """The problems by line (the whole file's first), then column; the first ``limit`` of them (-1: all)."""
        self._flush()
        cursor = self._db.execute(
            "SELECT line, col, reason, value FROM problem ORDER BY coalesce(line, 0), col, rowid LIMIT ?", (limit,)
        )
        for batch in iter(lambda: cursor.fetchmany(FETCH), []):
            for row in batch:
                yield Problem(*row)
