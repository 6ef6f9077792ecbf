"""Where the thin start reads the first screen (``csm_tui.start``): on PostgreSQL in a child process, so importing
the driver never holds the app's interpreter; on SQLite in a thread. Either way the screen is the one
``first_screen`` reads, a read that fails is told, and no child is left behind.

Each case runs in a fresh interpreter, as ``csm`` starts: a process with no other thread, the only kind that forks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from storage.demo import build_demo
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.clock import FROZEN_AT
from tests.support.demo_branch import DEMO_CLIENTS, DEMO_SEED
from tests.support.postgres import PgServer

ROOT = Path(__file__).resolve().parents[2]
# The start as ``csm`` makes it, counting forks; then what the app's process holds, and the screen read in-process.
PROBE = """
import datetime as dt, json, os, sys
import csm_tui.start as start

forks = []
fork = os.fork
os.fork = lambda: forks.append(os.getpid()) or fork()
url, how, now = sys.argv[1], sys.argv[2], dt.datetime.fromisoformat(sys.argv[3])
if how == "raises":
    def broken(*args):
        raise ValueError("the read broke")
    start.first_screen = broken
elif how == "dies":
    start.first_screen = lambda *args: os._exit(3)
elif how == "garbles":
    dumps, loads = start.pickle.dumps, start.pickle.loads
    start.pickle = type("Cut", (), {"dumps": lambda value: dumps(value)[:-3], "loads": loads})
elif how == "hangs":
    import time
    start.first_screen = lambda *args: time.sleep(600)
    start.CHILD_LIMIT_S = 1
opened = start.opening(url, "csm01", now, lambda: None)
try:
    first, told = opened.first, None
except Exception as exc:
    first, told = None, f"{type(exc).__name__}: {exc}"
driver_loaded = "psycopg" in sys.modules
try:
    os.waitpid(-1, os.WNOHANG)
    children = True
except ChildProcessError:
    children = False
same = how != "reads" or first == start.first_screen(url, "csm01", now)
print(json.dumps({"forks": len(forks), "shown": first is not None, "same": same, "told": told,
                  "driver_loaded": driver_loaded, "children_left": children}))
"""


def _start(url: str, how: str = "reads") -> dict[str, object]:
    command = [sys.executable, "-c", PROBE, url, how, FROZEN_AT]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.fixture(scope="module")
def pg_demo(pg_server: PgServer) -> Iterator[str]:
    name = pg_server.create_database()
    engine = make_engine(pg_server.url(name))
    try:
        upgrade(engine)
        build_demo(engine, FrozenClock(FROZEN_AT), clients=DEMO_CLIENTS, seed=DEMO_SEED, policy=Policy())
        yield pg_server.url(name)
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def test_on_postgresql_the_first_screen_is_read_in_a_child_and_the_driver_stays_out_of_the_app(pg_demo: str) -> None:
    assert _start(pg_demo) == {
        "forks": 1, "shown": True, "same": True, "told": None, "driver_loaded": False, "children_left": False,
    }  # fmt: skip


def test_on_sqlite_the_first_screen_is_read_in_a_thread(demo_url: str) -> None:
    assert _start(demo_url) == {
        "forks": 0, "shown": True, "same": True, "told": None, "driver_loaded": False, "children_left": False,
    }  # fmt: skip


def test_a_read_failing_in_the_child_is_told_and_a_child_dying_garbling_or_stuck_leaves_the_start_to_the_full_path(
    pg_demo: str,
) -> None:
    raised = _start(pg_demo, "raises")
    assert raised["forks"] == 1 and raised["told"] == "ValueError: the read broke" and not raised["children_left"]
    for how in ("dies", "garbles", "hangs"):  # the hung child ends by itself, as it would if the app had ended
        ended = _start(pg_demo, how)
        assert ended["forks"] == 1 and not ended["shown"] and ended["told"] is None, how
        assert not ended["children_left"], how
