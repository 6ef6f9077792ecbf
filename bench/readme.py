"""The README's performance tables, written from ``bench/results.json`` so that no figure there is one the bench did
not print: ``python -m bench --markdown``."""

from __future__ import annotations

from typing import Any

from bench.figures import Figure
from bench.report import DEFAULT_CLIENTS, LARGE_CLIENTS, XL_CLIENTS, labelled, size_notes, target, value

BACKENDS = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def markdown(results: dict[str, Any], figures: list[Figure]) -> str:
    """Per size measured: a line on where and when, then each figure's median and spread per backend, with its
    target; a miss in bold. Then how the medians grew from the default size to the large one."""
    sizes = results.get("sizes", {})
    measured = (DEFAULT_CLIENTS, LARGE_CLIENTS, XL_CLIENTS)
    parts = [_size_table(sizes[str(n)], figures) for n in measured if str(n) in sizes]
    grown = _growth_table(sizes, figures)
    return "\n\n".join([*parts, *([grown] if grown else [])]) + "\n"


def _size_table(run: dict[str, Any], figures: list[Figure]) -> str:
    backends = [b for b in BACKENDS if b in run["backends"]]
    box = run["machine"]
    where = (
        f"{run['clients']:,} clients, commit {run['revision']}, {box['date'][:10]}: {box['cpu']}, {box['cores']} "
        f"cores, Python {box['python']}, SQLite {box['sqlite']}"
        + (f", PostgreSQL {run['postgresql']}" if "postgresql" in run else "")
    )
    head = ["figure", *(f"{NAMES[b]} median (spread)" for b in backends), "target"]
    rows = [head, ["---"] * len(head)]
    for f in figures:
        entries = [run["backends"][b].get(f.key) for b in backends]
        cells = [_cell(entry, f) for entry in entries]
        if any(cells):
            label = labelled(f.label.strip(), [entry.get("note") for entry in entries if entry])
            rows.append([label, *cells, target(f.target, f.unit)])
    return where + "\n\n" + "\n".join(f"| {' | '.join(row)} |" for row in rows)


def _cell(entry: dict[str, Any] | None, f: Figure) -> str:
    if entry is None or "median" not in entry:
        return ""
    median = value(entry["median"], f.unit)
    shown = f"**{median}**" if entry.get("passed") is False else median
    return f"{shown} ({value(entry['min'], f.unit)} – {value(entry['max'], f.unit)})"


def _growth_table(sizes: dict[str, Any], figures: list[Figure]) -> str | None:
    small, large = sizes.get(str(DEFAULT_CLIENTS)), sizes.get(str(LARGE_CLIENTS))
    if small is None or large is None:
        return None
    backends = [b for b in BACKENDS if b in small["backends"] and b in large["backends"]]
    columns = (f"{DEFAULT_CLIENTS:,}", f"{LARGE_CLIENTS:,}", "growth")
    head = ["figure", *(f"{NAMES[b]} {column}" for b in backends for column in columns), "should stay flat"]
    rows = [head, ["---"] * len(head)]
    for f in figures:
        cells, notes = [], []
        for b in backends:
            before, after = small["backends"][b].get(f.key, {}), large["backends"][b].get(f.key, {})
            a, z = before.get("median"), after.get("median")
            cells += [value(a, f.unit), value(z, f.unit), f"{z / a:.2f}×"] if a and z is not None else ["", "", ""]
            notes += size_notes(before, after)
        if any(cells):
            flat = "yes (per CSM or client)" if f.per_client else "no (branch-wide)"
            rows.append([labelled(f.label.strip(), notes), *cells, flat])
    return "\n".join(f"| {' | '.join(row)} |" for row in rows)
