"""The dependency direction of the design card, checked on the source: imports point inward, with no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("csm_tui", "screens", "widgets", "storage")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Every module of ours and the modules it imports (anywhere in it, functions included)."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            module = _module_name(path)
            found: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module)
                    found |= {f"{node.module}.{alias.name}" for alias in node.names}
            graph[module] = found
    return graph


GRAPH = _imports()


def _ours(names: set[str]) -> set[str]:
    return {n for n in names if n in GRAPH}


def _importers_of(prefix: str) -> set[str]:
    return {m for m, deps in GRAPH.items() if any(d == prefix or d.startswith(prefix + ".") for d in deps)}


def test_the_scan_sees_every_package() -> None:
    assert {m.split(".")[0] for m in GRAPH} == set(PACKAGES)


def test_domain_imports_nothing_of_ours() -> None:
    for module, deps in GRAPH.items():
        if module.startswith("csm_tui.domain"):
            assert {d for d in _ours(deps) if not d.startswith("csm_tui.domain")} == set(), module


@pytest.mark.parametrize("forbidden", ["storage", "screens", "widgets", "textual", "sqlalchemy"])
def test_services_work_through_repository_interfaces_only(forbidden: str) -> None:
    services = {m for m in GRAPH if m.startswith("csm_tui.services")}
    assert services & _importers_of(forbidden) == set()


@pytest.mark.parametrize("forbidden", ["storage", "sqlalchemy"])
def test_screens_and_widgets_never_touch_sql(forbidden: str) -> None:
    ui = {m for m in GRAPH if m.startswith(("screens", "widgets"))}
    assert ui & _importers_of(forbidden) == set()


def test_widgets_do_not_import_screens() -> None:
    assert {m for m in _importers_of("screens") if m.startswith("widgets")} == set()


def test_nothing_imports_screens_but_the_app() -> None:
    assert {m for m in _importers_of("screens") if not m.startswith("screens")} == {"csm_tui.app"}


def test_storage_does_not_reach_outward() -> None:
    storage = {m for m in GRAPH if m.startswith("storage")}
    for outward in ("screens", "widgets", "csm_tui.app", "csm_tui.cli"):
        assert storage & _importers_of(outward) == set(), outward


def test_no_import_cycles_between_modules() -> None:
    edges = {m: {d for d in _ours(deps) if d != m} for m, deps in GRAPH.items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in edges[node]:
            if state.get(dep) == 1:
                pytest.fail("import cycle: " + " → ".join([*path[path.index(dep) :], dep]))
            if dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
