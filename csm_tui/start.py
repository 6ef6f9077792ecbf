"""The thin start: the signed-in CSM's checklist read through the database driver and painted first, while SQLAlchemy,
pydantic, the policy and the other destinations load in a worker behind it (``CsmApp`` with an ``Opening``).

It applies where the first screen is the checklist and nothing about the start needs the full path to decide: the
shipped policy (no policy file), a CSM signing in as the account's own login (or on the demo branch), a database the
thin read opens as it stands (``storage.first_checklist.open_thin``). Anywhere else the first screen is None and the
app waits for the signed-in workstation before painting, as before. The sign-in itself (its rules, its audit entry)
is always the full path's, run in the worker; keys typed before it is done are kept and acted on after.

The first screen is read off the app's thread, while the app's modules load: on SQLite in a thread (the driver lets
go of the interpreter while it queries); on PostgreSQL, on Linux, in a child process forked at once, which runs on
another core. Importing psycopg takes about as long as a third of the bare app's start, and in a thread it would
hold the interpreter's lock that the app's own imports wait for. The child sends the screen back pickled through a
pipe and exits; a thread of the app's receives it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from csm_tui.first_read import FirstScreen, first_screen  # a forked child has it at once, and the app needs it
from storage.first_checklist import POSTGRES_SCHEMES, READ_TIMEOUT_S

if TYPE_CHECKING:
    from csm_tui.services.workstation import Workstation

CHILD_LIMIT_S = 2 * READ_TIMEOUT_S  # a child reading longer is stuck: it ends, and the app starts the full way
Outcome = tuple[bool, object]  # (True, the first screen or None) or (False, the exception the read raised)


@dataclass(frozen=True)
class Opening:
    """How the app opens: the first screen, being read (``opening``), painted at once (None: nothing to paint
    before the workstation), then ``sign_in`` (run in a worker; the full path, imports and sign-in rules and audit)
    gives the workstation."""

    reading: Future[FirstScreen | None]
    sign_in: Callable[[], Workstation]

    @property
    def first(self) -> FirstScreen | None:
        return self.reading.result()


def opening(url: str, login: str | None, now: dt.datetime, sign_in: Callable[[], Workstation]) -> Opening:
    """The first screen being read apart from the app's thread (see the module), and how to sign in."""
    reading: Future[FirstScreen | None] = Future()

    def read() -> Outcome:
        try:
            return True, first_screen(url, login, now)
        except BaseException as exc:  # first_screen gives None for what it expects; anything else is told
            return False, exc

    if _forks(url):
        pid, pipe = _read_in_child(read)
        receive = _receiver(reading, lambda: _from_child(pid, pipe))
    else:
        receive = _receiver(reading, read)
    threading.Thread(target=receive, name="first-screen", daemon=True).start()
    return Opening(reading, sign_in)


def _forks(url: str) -> bool:
    """PostgreSQL, on Linux, from a process with no other thread (a fork copies only the thread calling it: a lock
    another thread held would stay held in the child)."""
    postgres = url.partition("://")[0] in POSTGRES_SCHEMES
    return postgres and sys.platform == "linux" and threading.active_count() == 1


def _read_in_child(read: Callable[[], Outcome]) -> tuple[int, int]:
    """A child process running ``read``, its outcome pickled into a pipe; the child's pid and the pipe's end."""
    out, into = os.pipe()
    pid = os.fork()
    if pid:
        os.close(into)
        return pid, out
    try:  # the child: never returns into the app, nor outlives it by more than ``CHILD_LIMIT_S``
        signal.alarm(CHILD_LIMIT_S)
        os.close(out)
        ok, value = read()
        try:
            told = pickle.dumps((ok, value))
        except Exception:
            told = pickle.dumps((False, RuntimeError(repr(value))))
        with os.fdopen(into, "wb") as pipe:
            pipe.write(told)
    finally:
        os._exit(0)


def _from_child(pid: int, out: int) -> Outcome:
    """What the child read; a child that ended without telling it whole read nothing (the full start then meets
    whatever stopped it)."""
    try:
        with os.fdopen(out, "rb") as pipe:
            told = pipe.read()
    finally:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    try:
        outcome: Outcome = pickle.loads(told)
    except Exception:
        return True, None
    return outcome


def _receiver(reading: Future[FirstScreen | None], outcome: Callable[[], Outcome]) -> Callable[[], None]:
    def receive() -> None:
        try:
            ok, value = outcome()
        except BaseException as exc:
            ok, value = False, exc
        if not ok:
            reading.set_exception(value if isinstance(value, BaseException) else RuntimeError(repr(value)))
        else:
            reading.set_result(cast("FirstScreen | None", value))

    return receive


class SignInRefused(Exception):
    """The sign-in behind the first frame was refused (``message``, as the command line would have said it): the
    app ends with it and ``code``."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
