"""Start-up to the first screen painted with its data, against a bare Textual app started the same way."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.figures import STARTUP_BASELINE, STARTUP_RATIO, STARTUP_WORKSTATION, Measured
from bench.launch import SPAWNED_AT
from bench.plan import Bench
from bench.stats import Samples
from bench.subprocesses import ROOT, child_env

TIMEOUT_S = 120


def startup(bench: Bench) -> list[Measured]:
    """Pairs of fresh processes, alternating which goes first, after one warm-up pair; the ratio is per pair."""
    workstation, baseline = [], []
    for n in range(bench.plan.startups + 1):
        order = ("baseline", "workstation") if n % 2 else ("workstation", "baseline")
        seconds = {kind: _launch(bench, kind) for kind in order}
        if n:
            workstation.append(seconds["workstation"])
            baseline.append(seconds["baseline"])
    ratios = tuple(w / b for w, b in zip(workstation, baseline, strict=True))
    return [
        Measured(STARTUP_RATIO, Samples(ratios)),
        Measured(STARTUP_WORKSTATION, Samples(tuple(workstation))),
        Measured(STARTUP_BASELINE, Samples(tuple(baseline))),
    ]


def _launch(bench: Bench, kind: str) -> float:
    env = child_env(bench.scratch)
    env[SPAWNED_AT] = repr(time.time())
    result = subprocess.run(
        [sys.executable, "-m", "bench.launch", kind, bench.url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the {kind} start-up process failed:\n{result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])
