"""The dependency direction of the design card, checked on the source: imports point inward, with no cycles; the
bank's rules below everything; feature folders side by side; file and SQLite I/O only where named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("csm_tui", "screens", "widgets", "storage")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }


SOURCES = _sources()


def _imports() -> dict[str, set[str]]:
    """Every module of ours and the modules it imports (anywhere in it, functions included)."""
    graph: dict[str, set[str]] = {}
    for module, tree in SOURCES.items():
        found: set[str] = set()
        for node in ast.walk(tree):
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


# --- the house: rules, feature folders, I/O -----------------------------------------------------------------------

RULES_MAY_IMPORT = ("csm_tui.domain", "csm_tui.policy", "csm_tui.regulation", "csm_tui.rules")
FEATURES = ("calls", "clients", "selling", "checklist", "scoreboard", "imports", "events")
# The only modules of the core, the screens and the widgets that touch files or open SQLite, each for its one reason.
IO_ADAPTERS = {
    "csm_tui.services.tabular": "reads and writes the CSV and XLSX files of imports and exports",
    "csm_tui.services.imports.scratch": "opens the scratch SQLite files of an import's bulk",
    "csm_tui.services.imports.columns": "reads an import's mapping file",
    "csm_tui.services.imports.run": "removes a stale error file beside the input",
    "csm_tui.services.policy_audit": "reads the policy file's bytes for its digest",
    "widgets.signature_page": "writes the printable suitability record",
}
IO_SCOPE = ("csm_tui.domain", "csm_tui.rules", "csm_tui.services", "screens", "widgets")
IO_MODULES = frozenset({"sqlite3", "tempfile", "shutil", "csv", "openpyxl"})
IO_CALLS = frozenset({"open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "chmod", "unlink"})


def _does_io(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] in IO_MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in IO_MODULES:
            found.add(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                found.add("open()")
            elif isinstance(func, ast.Attribute) and func.attr in IO_CALLS:
                if func.attr == "unlink" and node.args:  # Path.unlink takes no positional argument: a repository's
                    continue  # unlink(client, relative) removes a household link, not a file
                found.add(f".{func.attr}()")
    return found


def test_rules_import_only_the_domain_the_policy_and_the_regulation() -> None:
    rules = {m for m in GRAPH if m.startswith("csm_tui.rules")}
    assert rules, "csm_tui.rules is missing"
    for module in rules:
        assert {d for d in _ours(GRAPH[module]) if not d.startswith(RULES_MAY_IMPORT)} == set(), module


def test_feature_folders_do_not_import_each_other() -> None:
    for feature in FEATURES:
        prefix = f"csm_tui.services.{feature}"
        inside = {m for m in GRAPH if m == prefix or m.startswith(prefix + ".")}
        assert inside, prefix
        for other in FEATURES:
            if other != feature:
                assert inside & _importers_of(f"csm_tui.services.{other}") == set(), (feature, other)


def test_services_are_folders_per_feature_and_a_few_shared_modules() -> None:
    top = {m.removeprefix("csm_tui.services.").split(".")[0] for m in GRAPH if m.startswith("csm_tui.services.")}
    shared = top - set(FEATURES)
    assert shared == {
        *("ports", "workstation", "days", "rows", "tabular", "file_exports", "policy_audit"),
        *("phrase_check", "forecasts", "leave", "task_notes", "uncallable"),
    }


def test_file_and_sqlite_io_only_in_the_named_adapters() -> None:
    doing_io = {m for m, tree in SOURCES.items() if m.startswith(IO_SCOPE) and _does_io(tree)}
    assert doing_io == set(IO_ADAPTERS), {m: sorted(_does_io(SOURCES[m])) for m in doing_io ^ set(IO_ADAPTERS)}
