"""A small demo branch built once per test session, copied for each test that opens it."""

from __future__ import annotations

import shutil
from pathlib import Path

from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from storage.demo import build_demo
from storage.engine import make_engine
from storage.migrate import upgrade

DEMO_CLIENTS = 240
DEMO_SEED = 7


def build_template(path: Path, frozen_at: str) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    build_demo(engine, FrozenClock(frozen_at), clients=DEMO_CLIENTS, seed=DEMO_SEED, policy=Policy())
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


def copy_of(template: Path, target: Path) -> str:
    shutil.copyfile(template, target)
    target.chmod(0o600)
    return f"sqlite:///{target}"
