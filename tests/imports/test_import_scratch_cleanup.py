"""An import's scratch folder goes when the import ends, however it ends: by itself, by an error, or killed (then the
next import removes it, and never the folder of an import still running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from csm_tui.services.imports import scratch
from csm_tui.services.imports.scratch import PREFIX, scratch_database

HOLD = """
import sys, time
from csm_tui.services.imports.scratch import scratch_database
with scratch_database() as db:
    db.execute("CREATE TABLE t (x)")
    db.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(10_000)])
    print(db.execute("PRAGMA database_list").fetchone()[2], flush=True)
    time.sleep(120)
"""


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    yield tmp_path


def folders(where: Path) -> set[str]:
    return {p.name for p in where.glob(f"{PREFIX}*")}


def an_import(where: Path) -> tuple[subprocess.Popen[str], Path]:
    """An import running in another process, holding its scratch database; and that database's folder."""
    process = subprocess.Popen([sys.executable, "-c", HOLD], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stdout is not None
    folder = Path(process.stdout.readline().strip()).parent
    assert folder.parent == where and (folder / "scratch.db").exists()
    return process, folder


def test_a_scratch_folder_goes_when_the_import_ends_or_fails(temp_dir: Path) -> None:
    with scratch_database() as db:
        db.execute("CREATE TABLE t (x)")
        assert len(folders(temp_dir)) == 1
    assert folders(temp_dir) == set()
    with pytest.raises(RuntimeError), scratch_database():
        raise RuntimeError("the import failed")
    assert folders(temp_dir) == set()


def test_a_killed_imports_folder_is_removed_by_the_next_import_and_a_running_ones_is_kept(temp_dir: Path) -> None:
    killed, killed_folder = an_import(temp_dir)
    running, running_folder = an_import(temp_dir)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        assert killed_folder.exists()  # nothing of it could clean up
        with scratch_database():
            assert not killed_folder.exists()
            assert running_folder.exists() and (running_folder / "scratch.db").exists()
    finally:
        running.kill()
        running.wait(10)
    scratch.sweep()
    assert folders(temp_dir) == set()


def test_a_folder_being_made_is_left_alone_and_an_old_unmarked_one_removed(temp_dir: Path) -> None:
    unmarked = temp_dir / f"{PREFIX}new"
    unmarked.mkdir()  # an import making its folder this moment (no marker yet)
    other = temp_dir / "csm-other"
    other.mkdir()
    scratch.sweep()
    assert unmarked.exists() and other.exists()
    old = time.time() - scratch.UNMARKED_GRACE_S - 5
    os.utime(unmarked, (old, old))  # left by an import from before markers
    scratch.sweep()
    assert not unmarked.exists() and other.exists()
