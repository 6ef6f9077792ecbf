"""The figures as a table on the terminal and in ``bench/results.json`` (per size), and their growth with size."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

import sqlalchemy
import textual

from bench.figures import Figure, Measured, Target

RESULTS = Path(__file__).parent / "results.json"
DEFAULT_CLIENTS, LARGE_CLIENTS, XL_CLIENTS = 60_000, 300_000, 1_000_000


def machine() -> dict[str, Any]:
    """CPU model, cores, Python and library versions, and the date the figures were taken."""
    cpu = platform.processor() or platform.machine()
    with suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "textual": textual.__version__,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def revision() -> str:
    """The commit measured, ``-dirty`` when the tree has changes (other than the results themselves); ``unknown``
    outside a git checkout."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results.json")
        return commit + ("-dirty" if changed else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parent.parent
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def value(amount: float, unit: str) -> str:
    if unit == "ms":
        return f"{amount:.1f} ms"
    if unit == "s":
        return f"{amount:.2f} s"
    if unit == "x":
        return f"{amount:.2f}×"
    return f"{amount:,.0f} {unit}"


def target(goal: Target | None, unit: str) -> str:
    if goal is None:
        return "—"
    limit = f"{goal.limit:,g}{'×' if unit == 'x' else ' ' + unit}"
    return f"{'≥' if goal.at_least else '≤'} {limit}"


def verdict(m: Measured) -> str:
    if m.error:
        return f"ERROR ({m.error})"
    if m.samples is None:
        return f"not yet measurable ({m.figure.pending})"
    return {True: "pass", False: "FAIL", None: "—"}[m.passed]


def labelled(label: str, notes: Iterable[str | None]) -> str:
    """A figure's label with what it was measured on beside it (the timed CSM's book), each different note once."""
    shown = list(dict.fromkeys(note for note in notes if note))
    return f"{label} — {'; '.join(shown)}" if shown else label


def size_notes(small: dict[str, Any], large: dict[str, Any]) -> list[str]:
    """The notes of a figure's entries at the default size and at the large one, each saying its size."""
    sized = ((DEFAULT_CLIENTS, small), (LARGE_CLIENTS, large))
    return [f"{clients:,}: {entry['note']}" for clients, entry in sized if entry.get("note")]


def table(title: str, measured: list[Measured]) -> str:
    rows = [("figure", "median", "spread (min–max)", "target", "result")]
    for m in measured:
        f, s = m.figure, m.samples
        spread = "" if s is None else f"{value(s.low, f.unit)} – {value(s.high, f.unit)}"
        median = "" if s is None else value(s.median, f.unit)
        rows.append((labelled(f.label, [m.note]), median, spread, target(f.target, f.unit), verdict(m)))
    return _render(title, rows)


def _render(title: str, rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([title, *lines])


def as_json(m: Measured) -> dict[str, Any]:
    f, s = m.figure, m.samples
    entry: dict[str, Any] = {
        "label": f.label.strip(),
        "unit": f.unit,
        "target": None if f.target is None else {"limit": f.target.limit, "at_least": f.target.at_least},
        "per_client": f.per_client,
    } | ({"note": m.note} if m.note else {})
    if m.error:
        return entry | {"error": m.error}
    if s is None:
        return entry | {"pending": f.pending}
    return entry | {
        "median": round(s.median, 4),
        "min": round(s.low, 4),
        "max": round(s.high, 4),
        "runs": len(s.values),
        "samples": [round(v, 4) for v in s.values],
        "passed": m.passed,
        "detail": m.detail,
    }


def save(path: Path, run: dict[str, Any], backends: dict[str, list[Measured]]) -> dict[str, Any]:
    """Store this run under its size, keeping the other sizes' results; returns the whole file's content."""
    results: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    sizes = results.setdefault("sizes", {})
    figures = {name: {m.figure.key: as_json(m) for m in measured} for name, measured in backends.items()}
    sizes[str(run["clients"])] = run | {"backends": figures}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return results


def growth(results: dict[str, Any], figures: list[Figure]) -> str | None:
    """How each figure grows from the default size to the large one, when both have been measured."""
    small, large = (results.get("sizes", {}).get(str(n)) for n in (DEFAULT_CLIENTS, LARGE_CLIENTS))
    if small is None or large is None:
        return None
    rows = [("figure", f"{DEFAULT_CLIENTS:,}", f"{LARGE_CLIENTS:,}", "growth", "should stay flat")]
    for backend, by_key in large["backends"].items():
        before = small["backends"].get(backend, {})
        for f in figures:
            small_entry, large_entry = before.get(f.key, {}), by_key.get(f.key, {})
            a, b = small_entry.get("median"), large_entry.get("median")
            if a and b is not None:
                label = labelled(f"{f.label.strip()} [{backend}]", size_notes(small_entry, large_entry))
                flat = "yes" if f.per_client else "no (branch-wide)"
                rows.append((label, value(a, f.unit), value(b, f.unit), f"{b / a:.2f}×", flat))
    title = f"Growth from {DEFAULT_CLIENTS:,} to {LARGE_CLIENTS:,} clients (medians)"
    if small.get("revision") != large.get("revision"):
        title += f"; beware: measured on different code, {small.get('revision')} and {large.get('revision')}"
    return _render(title, rows)
