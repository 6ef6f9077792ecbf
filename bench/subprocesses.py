"""The environment the bench's child processes run in: this interpreter, the project root, throwaway user dirs."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEPT = ("PATH", "LANG", "LC_ALL", "TZ")


def child_env(scratch: Path, **extra: str) -> dict[str, str]:
    """A clean environment: no CSM_*, PG* or TEXTUAL* overrides; home, data, config, cache and state in ``scratch``."""
    env = {k: os.environ[k] for k in KEPT if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env["HOME"] = str(scratch / "home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        env[var] = str(scratch / sub)
    for directory in ("home", "data", "config", "cache", "state"):
        (scratch / directory).mkdir(parents=True, exist_ok=True)
    env.update(extra)
    return env
