"""Work off the UI thread, guarded: every load and save of the screens runs through ``in_background``.

The unit of work runs in a worker thread; its typed result is handed to ``done`` on the UI thread. Any failure,
a refusal of the rules or a database that is read-only, gone, full or locked or a session that has ended, becomes one
line in the user's language (``widgets.failures``) handed to ``failed`` — a notice unless the screen shows it its
own way — and one log line naming the failure's type (or the database's cause), never its text: messages of
database errors can carry client data. No worker fails silently: a result that cannot be shown is logged, and
said too while the screen that asked for it is still there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from textual.app import App
from textual.dom import DOMNode
from textual.worker import Worker

from widgets.failures import describe, describe_load, kind, refused

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """Why a piece of work failed: ``message`` in the user's language; ``error`` for a screen that acts on its kind."""

    message: str
    error: Exception


def in_background(
    node: DOMNode,
    job: Callable[[], T],
    done: Callable[[T], object],
    *,
    group: str,
    failed: Callable[[Failure], object] | None = None,
    load: bool = False,
) -> Worker[None]:
    """Run ``job`` in a worker thread of ``node`` (one at a time per ``group``: a newer one replaces it) and hand
    its result to ``done`` on the UI thread, or its failure to ``failed`` (by default a notice). ``load``: the job
    only reads, so a database failure is said as one that loaded nothing rather than one that saved nothing."""
    app = node.app  # held, not looked up from the worker: the screen may be left while the work runs
    what = f"{type(node).__name__}.{group}"
    tell = failed if failed is not None else _notice(app)

    def say(failure: Failure) -> None:
        try:
            app.call_from_thread(tell, failure)
        except Exception as exc:  # not even that could be shown (the app is closing): the log has it
            log_failure(f"{what} (saying why)", exc)

    def guarded() -> None:
        try:
            result = job()
        except Exception as exc:
            log_failure(what, exc)
            say(Failure(describe_load(exc) if load else describe(exc), exc))
            return
        try:
            app.call_from_thread(done, result)
        except Exception as exc:  # the result could not be shown: a fault of the screen, or the screen has gone
            log_failure(f"{what} (showing)", exc)
            if node.is_attached:
                say(Failure(describe(exc), exc))

    return node.run_worker(guarded, name=what, group=group, thread=True, exclusive=True, exit_on_error=False)


def _notice(app: App[object]) -> Callable[[Failure], object]:
    def notice(failure: Failure) -> None:
        app.notify(failure.message, severity="error")

    return notice


def log_failure(what: str, exc: Exception) -> None:
    """One log line for a failure of ``what``: its kind only (``widgets.failures.kind``); a refusal of the rules or
    of the session is expected (a warning), anything else is an error."""
    if refused(exc):
        log.warning("%s refused: %s", what, kind(exc))
    else:
        log.error("%s failed: %s", what, kind(exc))
