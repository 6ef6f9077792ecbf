"""The admin's import screen and the export dialog, driven through the real app on the demo branch."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from textual.pilot import Pilot
from textual.widgets import Button, Input, ProgressBar, Static

from csm_tui.services.ports import AccessDenied
from screens.dialogs import ExportDialog
from screens.imports import ImportScreen
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow
from tests.support.files import demo_clients_csv
from tests.support.pilot import dry_run, make_app, settle
from widgets.table import KeyTable

SnapCompare = Callable[..., bool]
SNAPSHOT_DIR = Path("/tmp/csm-import-snapshot")  # the file's path is on the screen: a fixed one


def summary_text(screen: ImportScreen) -> str:
    return str(screen.query_one("#import-summary", Static).render())


async def test_an_admin_previews_then_imports_with_a_progress_bar(demo_url: str, tmp_path: Path) -> None:
    path = demo_clients_csv(tmp_path)
    app = make_app(demo_url, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await dry_run(pilot, path)
        assert "试运行" in summary_text(screen) and "新增 2" in summary_text(screen)
        assert [r[1] for r in ([str(c) for c in screen.query_one(KeyTable).get_row_at(0)],)] == ["手机号码"]
        engine = make_engine(demo_url)
        with Session(engine) as session:
            assert session.scalar(select(ClientRow.id).where(ClientRow.number == "C9000000001")) is None
        run = screen.query_one("#run", Button)
        assert not run.disabled
        run.press()
        await settle(pilot)
        assert "新增 2" in summary_text(screen) and "试运行" not in summary_text(screen)
        bar = screen.query_one(ProgressBar)
        assert bar.total is not None and bar.progress == bar.total
        assert screen.query_one("#run", Button).disabled  # a new dry run before the next import
        with Session(engine) as session:
            assert session.scalar(select(ClientRow.manager_id).where(ClientRow.number == "C9000000001")) is not None
            assert session.scalar(select(AuditRow.action).where(AuditRow.action == "import")) == "import"
        assert (tmp_path / "clients.csv.errors.csv").exists()


async def test_a_changed_file_needs_a_new_dry_run(demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await dry_run(pilot, demo_clients_csv(tmp_path))
        assert not screen.query_one("#run", Button).disabled
        screen.query_one("#import-path", Input).value = str(tmp_path / "other.csv")
        await pilot.pause()
        assert screen.query_one("#run", Button).disabled


async def test_a_missing_file_is_a_message_not_a_traceback(demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, login="admin")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await dry_run(pilot, tmp_path / "nope.csv")
        assert "nope.csv" in summary_text(screen) and "未导入" in summary_text(screen)
        assert screen.query_one("#run", Button).disabled


async def test_a_csm_has_no_import(demo_url: str) -> None:
    app = make_app(demo_url, login="csm01")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "导入数据" not in titles and "导出我的任务清单" in titles
        app.action_import()
        await pilot.pause()
        assert not isinstance(app.screen, ImportScreen)
        with pytest.raises(AccessDenied):
            ImportScreen(app.ws)


async def test_e_on_the_queue_exports_the_task_list(demo_url: str, tmp_path: Path) -> None:
    app = make_app(demo_url, login="csm01")
    target = tmp_path / "mine.xlsx"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
    assert target.exists() and target.stat().st_size > 0


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_a_dry_run_at_80x24(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    shutil.rmtree(SNAPSHOT_DIR, ignore_errors=True)
    path = demo_clients_csv(SNAPSHOT_DIR)

    async def run_before(pilot: Pilot[None]) -> None:
        await dry_run(pilot, path, "Import data" if lang == "en" else "导入数据")

    try:
        app = make_app(demo_url, login="admin", lang=lang)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        shutil.rmtree(SNAPSHOT_DIR, ignore_errors=True)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_snapshot_of_a_dry_run_at_120x40(demo_url: str, snap_compare: SnapCompare, lang: str) -> None:
    shutil.rmtree(SNAPSHOT_DIR, ignore_errors=True)
    path = demo_clients_csv(SNAPSHOT_DIR)

    async def run_before(pilot: Pilot[None]) -> None:
        await dry_run(pilot, path, "Import data" if lang == "en" else "导入数据")

    try:
        app = make_app(demo_url, login="admin", lang=lang)
        assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
    finally:
        shutil.rmtree(SNAPSHOT_DIR, ignore_errors=True)


@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("zh_CN", (120, 40)), ("en", (120, 40))],
                         ids=["en-80x24", "zh_CN-120x40", "en-120x40"])  # fmt: skip
def test_snapshot_of_the_export_dialog_in_english_and_wide(
    demo_url: str, snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, lang: str, size: tuple[int, int]
) -> None:
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(SNAPSHOT_DIR))  # the suggested path is on the screen: a fixed one

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(make_app(demo_url, lang=lang), terminal_size=size, run_before=run_before)


def test_snapshot_of_the_export_dialog_at_80x24(
    demo_url: str, snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(SNAPSHOT_DIR))  # the suggested path is on the screen: a fixed one

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(make_app(demo_url), terminal_size=(80, 24), run_before=run_before)
