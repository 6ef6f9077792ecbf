"""One bench run: the figures on SQLite (and on PostgreSQL when there is one), printed and saved."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import figures as fig
from bench.database import ensure_demo, sqlite_url, timed_csm, working_copy
from bench.figures import Measured
from bench.imports import import_rate
from bench.painted import call_session_painted
from bench.plan import Bench, Plan
from bench.postgres import URL_VARIABLE, bindir, load_demo, server_version, throwaway_server
from bench.probe import Probe
from bench.report import growth, machine, revision, save, table
from bench.service_calls import (
    client_detail_open,
    client_search,
    outcome_save,
    queue_build,
    scoreboard,
    session_open,
)
from bench.startup import startup
from bench.terminal import terminal_bytes
from storage.engine import make_engine

IMPORT = Probe((fig.IMPORT_RATE,), import_rate)
SQLITE_PROBES = [
    Probe(
        (fig.STARTUP_RATIO, fig.STARTUP_READY, fig.STARTUP_WORKSTATION, fig.STARTUP_BASELINE, fig.STARTUP_STACK),
        startup,
    ),
    Probe((fig.QUEUE_BUILD,), queue_build),
    Probe((fig.OUTCOME_SAVE,), outcome_save),
    Probe((fig.SESSION_OPEN,), session_open),
    Probe((fig.SESSION_PAINTED, fig.OUTCOME_PAINTED), call_session_painted),
    Probe(tuple(fig.SEARCH.values()), client_search),
    Probe((fig.CLIENT_DETAIL,), client_detail_open),
    Probe((fig.SCOREBOARD,), scoreboard),
    IMPORT,
    Probe((fig.CURSOR_BYTES, fig.SWITCH_BYTES), terminal_bytes),
]
PG_PROBES = [probe for probe in SQLITE_PROBES if probe is not IMPORT]  # issue #9 asks the import rate on SQLite
FIGURES = [figure for probe in SQLITE_PROBES for figure in probe.figures]


def run(
    clients: int,
    seed: int,
    plan: Plan,
    cache: Path,
    results: Path,
    pg: bool,
    only: frozenset[str] = frozenset(),
    *,
    sqlite: bool = True,
) -> None:
    """Measure, print the tables and save them to ``results``; with ``only`` (figure keys), measure just the probes
    giving those figures and print them without saving (a partial run must not replace the full one). Without
    ``sqlite``, on PostgreSQL alone (the branch loaded straight into the server)."""
    template = ensure_demo(clients, seed, cache) if sqlite else None
    info: dict[str, Any] = {"clients": clients, "seed": seed, "revision": revision(), "machine": machine()}
    backends: dict[str, list[Measured]] = {}
    sqlite_probes, pg_probes = _chosen(SQLITE_PROBES, only), _chosen(PG_PROBES, only)
    with tempfile.TemporaryDirectory(prefix="csm-bench-") as scratch:
        if template is not None:
            url = sqlite_url(working_copy(template, Path(scratch)))
            backends["sqlite"] = _measure(sqlite_probes, url, plan, Path(scratch), cache)
        with _postgres(pg and bool(pg_probes)) as pg_url:
            if pg_url is not None and pg_probes:
                engine = make_engine(pg_url)
                try:
                    load_demo(engine, clients, seed)
                    info["postgresql"] = server_version(engine)
                finally:
                    engine.dispose()
                backends["postgresql"] = _measure(pg_probes, pg_url, plan, Path(scratch), cache)
    print()
    for backend, measured in backends.items():
        print(table(f"{backend}, {clients:,} clients, seed {seed}", measured), end="\n\n")
    if only:
        print(f"a partial run (--only): {results} not written", end="\n\n")
    else:
        grown = growth(save(results, info, backends), FIGURES)
        if grown is not None:
            print(grown, end="\n\n")
        print(f"results written to {results}")
    box = info["machine"]
    print(f"machine: {box['cpu']}, {box['cores']} cores, Python {box['python']}, SQLite {box['sqlite']}")
    if "postgresql" in info:
        print(f"PostgreSQL {info['postgresql']}")


def _chosen(probes: list[Probe], only: frozenset[str]) -> list[Probe]:
    """The probes giving any of the figures in ``only``; all of them when it is empty."""
    return [probe for probe in probes if not only or any(figure.key in only for figure in probe.figures)]


def _measure(probes: list[Probe], url: str, plan: Plan, scratch: Path, cache: Path) -> list[Measured]:
    engine = make_engine(url)
    measured: list[Measured] = []
    try:
        bench = Bench(url, engine, plan, scratch, cache, timed_csm(engine))  # before any probe writes
        for probe in probes:
            measured += probe.run(bench)
    finally:
        engine.dispose()
    return measured


@contextmanager
def _postgres(wanted: bool) -> Iterator[str | None]:
    """The URL in ``CSM_BENCH_PG_URL``; else, with ``--pg``, a throwaway server when its binaries are installed."""
    if os.environ.get(URL_VARIABLE):
        yield os.environ[URL_VARIABLE]
        return
    binaries = bindir() if wanted else None
    if wanted and binaries is None:
        print("--pg: no PostgreSQL server binaries found; figures on SQLite only", flush=True)
    if binaries is None:
        yield None
        return
    with throwaway_server(binaries) as url:
        yield url
