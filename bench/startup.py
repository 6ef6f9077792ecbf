"""Start-up to the first screen painted with its data, and to ready for every key, against a bare Textual app started
and timed the same way (``bench.launch``)."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.figures import (
    STARTUP_BASELINE,
    STARTUP_RATIO,
    STARTUP_RATIO_PG,
    STARTUP_READY,
    STARTUP_STACK,
    STARTUP_WORKSTATION,
    Measured,
)
from bench.launch import SPAWNED_AT
from bench.plan import Bench
from bench.stats import Samples
from bench.subprocesses import ROOT, child_env

TIMEOUT_S = 120
KINDS = ("workstation", "baseline", "stack")


def startup(bench: Bench) -> list[Measured]:
    """Rounds of fresh processes, one of each kind, rotating which goes first, after one warm-up round; the ratios
    are per round, each against the bare app's first painted frame."""
    seconds: dict[str, list[float]] = {kind: [] for kind in KINDS}
    ready: list[float] = []
    for n in range(bench.plan.startups + 1):
        order = KINDS[n % 3 :] + KINDS[: n % 3]
        launched = {kind: _launch(bench, kind) for kind in order}
        if n:
            for kind in KINDS:
                seconds[kind].append(launched[kind][0])
            ready.append(launched["workstation"][1])
    baseline = seconds["baseline"]
    ratio = STARTUP_RATIO_PG if bench.url.startswith("postgresql") else STARTUP_RATIO  # its own target
    return [
        Measured(ratio, _ratios(seconds["workstation"], baseline)),
        Measured(STARTUP_READY, _ratios(ready, baseline)),
        Measured(STARTUP_WORKSTATION, Samples(tuple(seconds["workstation"]))),
        Measured(STARTUP_BASELINE, Samples(tuple(baseline))),
        Measured(STARTUP_STACK, _ratios(seconds["stack"], baseline)),
    ]


def _ratios(seconds: list[float], baseline: list[float]) -> Samples:
    return Samples(tuple(s / b for s, b in zip(seconds, baseline, strict=True)))


def _launch(bench: Bench, kind: str) -> tuple[float, float]:
    """Seconds from the spawn to the first frame with data, and to ready for every key."""
    env = child_env(bench.scratch)
    env[SPAWNED_AT] = repr(time.time())
    result = subprocess.run(
        [sys.executable, "-m", "bench.launch", kind, bench.url, bench.csm.login],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the {kind} start-up process failed:\n{result.stderr[-2000:]}")
    painted, ready = result.stdout.strip().splitlines()[-1].split()
    return float(painted), float(ready)
