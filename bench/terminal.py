"""Bytes the real app writes to an 80×24 xterm-256color pseudo-terminal per queue cursor move and screen switch."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from bench.figures import CURSOR_BYTES, SWITCH_BYTES, Measured
from bench.plan import Bench
from bench.stats import Samples
from bench.subprocesses import ROOT, child_env

COLUMNS, LINES = 80, 24
FIRST_PAINT_S = 60.0  # the longest wait for the first screen
READY_S = 15.0  # the longest wait, after it, for the workstation's own (signed in: the subtitle comes with it)
KEY_S = 2.0  # the longest wait for a key's first output
STEP_S = 10.0  # the longest a key's output may go on
QUIET_MOVE_S, QUIET_SWITCH_S = 0.25, 0.8  # a key's output is over once the terminal has been quiet this long
SWITCH_KEYS = "13452"  # ends on the queue
ESC = "\x1b"
LEAVE_BY_ESC = "3"  # the client list opens on its search, which takes digits: a user presses Esc to go on, as here


class Terminal:
    """A child process on a pseudo-terminal of its own; always killed on exit."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.output = bytearray()  # everything the child wrote, for tests that read the screen
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        try:
            self.process = subprocess.Popen(
                argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
            )
        except BaseException:
            os.close(self.master)
            raise
        finally:
            os.close(slave)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        os.close(self.master)

    def press(self, key: str) -> None:
        os.write(self.master, key.encode())

    def drain(self, quiet: float, first: float) -> int:
        """Bytes read until nothing more arrives for ``quiet`` seconds; 0 when nothing comes within ``first``."""
        total = 0
        deadline = time.monotonic() + first + STEP_S
        wait = first
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], wait)
            if not ready:
                return total
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the child has gone and closed its side
                chunk = b""
            if not chunk:
                raise RuntimeError(f"the app exited (code {self.process.poll()})")
            total += len(chunk)
            self.output += chunk
            wait = quiet
        raise TimeoutError(f"the app was still writing after {first + STEP_S:.0f} s")


def terminal_bytes(bench: Bench) -> list[Measured]:
    """Start ``csm`` on the run's database, wait for the checklist, go to the queue, then move and switch."""
    env = child_env(bench.scratch, TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
    argv = [sys.executable, "-m", "csm_tui", "--db", bench.url, "--staff", bench.csm.login]
    keys = "2" + SWITCH_KEYS * bench.plan.switch_rounds
    with Terminal(argv, env, ROOT) as term:
        if not term.drain(QUIET_SWITCH_S, FIRST_PAINT_S):
            raise RuntimeError(f"the app drew nothing in {FIRST_PAINT_S:.0f} s")
        term.drain(QUIET_SWITCH_S, READY_S)  # the first frame is read thin; keys count once the workstation is in
        switches = [_key(term, "2", QUIET_SWITCH_S)]
        moves = [_key(term, "j", QUIET_MOVE_S) for _ in range(bench.plan.moves)]
        switches += [_switch(term, key) for key in keys[1:]]
    return [
        Measured(CURSOR_BYTES, _samples(moves), {"bytes": moves}),
        Measured(SWITCH_BYTES, _samples(switches), {"keys": keys, "bytes": switches}),
    ]


def _switch(term: Terminal, key: str) -> int:
    """A screen switch's bytes, with the Esc that leaves the client list's search where the switch lands there."""
    written = _key(term, key, QUIET_SWITCH_S)
    return written + (_key(term, ESC, QUIET_SWITCH_S) if key in LEAVE_BY_ESC else 0)


def _key(term: Terminal, key: str, quiet: float) -> int:
    term.press(key)
    return term.drain(quiet, KEY_S)


def _samples(counts: list[int]) -> Samples:
    return Samples(tuple(float(n) for n in counts))
