"""A balances file's rows, sorted by client and day on disk: millions of rows in bounded memory.

The rows go into a scratch SQLite file (``scratch``) as they are read, and come back a client at a time in (client,
day, account, line) order, SQLite's external sort doing the work. The file goes when the stage is closed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from operator import itemgetter
from types import TracebackType
from typing import Self

from csm_tui.services.imports.scratch import scratch_database

FETCH = 10_000


Staged = tuple[int, int, str, int, int]  # client id, the day's ordinal, account, line, balance in fen (plain: fast)


class BalanceStage:
    def __enter__(self) -> Self:
        self._stack = ExitStack()
        self._db = self._stack.enter_context(scratch_database())
        self._db.execute(
            "CREATE TABLE staged (client_id INTEGER, day INTEGER, account TEXT, line INTEGER, fen INTEGER)"
        )
        self.rows = 0
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stack.close()

    def add(self, rows: list[Staged]) -> None:
        self._db.executemany("INSERT INTO staged VALUES (?, ?, ?, ?, ?)", rows)
        self.rows += len(rows)

    def kept_on(self, day: int) -> bool:
        """Whether a row of ``day`` is the only one of its client and account on it (is not a duplicate)."""
        query = "SELECT 1 FROM staged WHERE day = ? GROUP BY client_id, account HAVING count(*) = 1 LIMIT 1"
        return self._db.execute(query, (day,)).fetchone() is not None

    def by_client(self) -> Iterator[tuple[int, list[Staged]]]:
        """Each client's rows, clients in order of id, a client's rows by day, account and line."""
        cursor = self._db.execute("SELECT * FROM staged ORDER BY client_id, day, account, line")
        rows = (row for batch in iter(lambda: cursor.fetchmany(FETCH), []) for row in batch)
        for client_id, group in itertools.groupby(rows, key=itemgetter(0)):
            yield client_id, list(group)
