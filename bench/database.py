"""The demo branch the figures run on: built once per seed and size into ``bench/cache``, copied for each run; and the
CSM the per-CSM figures are timed for, with their book.

A bigger branch has more managers, not bigger books: every size gives its CSMs about ``BOOK`` clients on average (20
CSMs at 60,000, 100 at 300,000), so the branch-wide figures (the scoreboard, imports) show what size costs. One CSM's
book is drawn by grade and by chance (csm01, a senior, drew 3,734 clients at 60,000 and 5,230 at 300,000), so the
branch is built with csm01's book about ``BOOK`` at every size (the others' drawn as ever) and the per-CSM figures
(queue, searches, the call session) are timed for csm01: the same CSM with the same book, like with like.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.desk import FROZEN_AT, STAFF
from bench.plan import TimedCsm
from bench.report import XL_CLIENTS
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import TaskStatus
from csm_tui.policy import Policy
from storage.demo import build_demo
from storage.engine import make_engine
from storage.migrate import HEAD, upgrade
from storage.orm import ClientRow, StaffRow, TaskRow

CACHE = Path(__file__).parent / "cache"
BOOK = 3000  # clients per CSM, as the product promises
XL_CSMS = 330  # a whole region (``--size xl``, 1,000,000 clients): its 330 CSMs, about 3,000 clients each


def csms_for(clients: int) -> int:
    return XL_CSMS if clients == XL_CLIENTS else max(1, clients // BOOK)


def demo_path(clients: int, seed: int, cache: Path = CACHE) -> Path:
    """By schema revision too: a branch built by an older demo lacks what later revisions keep with the figures."""
    return cache / f"demo-{seed}-{clients}-{csms_for(clients)}csm-{BOOK}book-{HEAD}.db"


def ensure_demo(clients: int, seed: int, cache: Path = CACHE) -> Path:
    """The cached demo branch for ``seed`` and ``clients``, built first when missing (built aside, then renamed)."""
    path = demo_path(clients, seed, cache)
    if path.exists():
        return path
    building = path.with_suffix(".building")
    _remove_leftovers(building)
    csms = csms_for(clients)
    print(
        f"building the demo branch: {clients:,} clients, {csms} CSMs, seed {seed} (once; cached in {path}) ...",
        flush=True,
    )
    started = time.monotonic()
    engine = make_engine(sqlite_url(building))
    try:
        upgrade(engine)
        build_demo(engine, FrozenClock(FROZEN_AT), clients=clients, seed=seed, policy=Policy(), csms=csms, book=BOOK)
    finally:
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
    building.rename(path)
    _remove_leftovers(building)  # the migration's lock file
    print(f"built in {time.monotonic() - started:.0f} s", flush=True)
    return path


def _remove_leftovers(building: Path) -> None:
    for leftover in building.parent.glob(f"{building.name}*"):
        leftover.unlink()


def working_copy(template: Path, directory: Path) -> Path:
    """A copy of the cached branch for one run (sign-ins and the app's writes never change the cache), upgraded to
    this app's schema as the app would on start, so a cache built by an older version gets the newer indexes."""
    target = directory / template.name
    shutil.copyfile(template, target)
    target.chmod(0o600)
    engine = make_engine(sqlite_url(target))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return target


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def timed_csm(engine: Engine, login: str = STAFF) -> TimedCsm:
    """The CSM the per-CSM figures are timed for, with their book and open tasks as the branch was built."""
    with engine.connect() as conn:
        staff_id = conn.scalar(select(StaffRow.id).where(StaffRow.login == login))
        book = select(func.count(ClientRow.id)).where(ClientRow.manager_id == staff_id)
        tasks = select(func.count(TaskRow.id)).where(TaskRow.staff_id == staff_id, TaskRow.status == TaskStatus.OPEN)
        return TimedCsm(login, conn.scalar(book) or 0, conn.scalar(tasks) or 0)
