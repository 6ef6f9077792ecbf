"""Jobs released together in threads, for the tests that race two sessions (each on its own engine)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from csm_tui.domain.errors import DomainError


def at_once(jobs: list[Callable[[], object]]) -> list[str]:
    """Run ``jobs`` in threads released together; what each came to: "saved" or the refusal's code, sorted."""
    start = threading.Barrier(len(jobs))
    came: list[str] = []

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
            came.append("saved")
        except DomainError as exc:
            came.append(exc.code)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(came)
