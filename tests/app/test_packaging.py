"""The wheel carries all four packages, their data files and the ``csm`` console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_the_four_packages_with_catalogs_styles_and_migrations(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the work tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "*cache*", "build", "*.egg-info"))
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, "-w", str(tmp_path), str(source)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("csm_tui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("csm_tui", "screens", "widgets", "storage"):
        assert f"{package}/__init__.py" in names
    for data in (
        "csm_tui/i18n/zh_CN.toml",
        "csm_tui/i18n/en.toml",
        "csm_tui/app.tcss",
        "storage/migrations/env.py",
        "storage/migrations/script.py.mako",
        "storage/migrations/versions/0001_initial_schema.py",
    ):
        assert data in names
    assert not any(name.startswith("tests/") for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "csm = csm_tui.entry:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_make_run_says_what_it_is_doing_before_each_long_step() -> None:
    """``make run`` on a fresh checkout installs for about a minute: each step is announced, and pip shows progress."""
    dry = subprocess.run(["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, check=True)
    lines = dry.stdout.splitlines()
    steps = [line for line in lines if line.startswith("echo")]
    assert any("Installing" in s for s in steps) and any("demo branch" in s for s in steps)
    assert any("Opening the workstation" in s for s in steps)
    install = next(line for line in lines if "pip install" in line)
    assert "--quiet" not in install and "-q " not in install
