"""The thin start (``csm_tui.start``): the first screen read through the driver shows what the full checklist shows,
only for the active CSM signing in, and keys typed before the workstation is ready are acted on once it is."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text, update

from csm_tui.app import CsmApp
from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import Role
from csm_tui.first_read import first_screen
from csm_tui.i18n import t
from csm_tui.policy import Policy
from csm_tui.quick_start import run
from csm_tui.services.checklist import day_list
from csm_tui.services.workstation import Workstation
from csm_tui.start import SignInRefused, opening
from screens.checklist import ChecklistScreen
from screens.first_screen import FirstChecklistScreen
from storage.demo import build_demo
from storage.engine import make_engine
from storage.first_checklist import open_thin
from storage.orm import StaffRow
from storage.revision import HEAD
from tests.support.clock import FROZEN_AT
from tests.support.demo_branch import DEMO_CLIENTS, DEMO_SEED
from tests.support.pilot import settle

NOW = dt.datetime.fromisoformat(FROZEN_AT)
ROOT = Path(__file__).resolve().parents[2]


def _signed_in(url: str, login: str) -> Workstation:
    return open_workstation(make_engine(url), FrozenClock(FROZEN_AT), Policy(), login)


def _shown(items: tuple[day_list.ItemState, ...]) -> list[tuple[object, ...]]:
    return [(s.item.code, s.item.phase, s.progress, s.ticked, s.note, s.done) for s in items]


def test_the_thin_read_shows_every_csm_the_numbers_the_full_checklist_shows(engine: Engine) -> None:
    build_demo(engine, FrozenClock(FROZEN_AT), clients=DEMO_CLIENTS, seed=DEMO_SEED, policy=Policy())
    url = engine.url.render_as_string(hide_password=False)
    first_ws = _signed_in(url, "csm01")
    day_list.set_ticked(first_ws, "appearance", True)
    day_list.set_note(first_ws, "calls", "两个未接")
    day_list.save_summary(first_ws, "今天 ok")
    with first_ws.uow() as tx:
        csms = [s.login for s in tx.staff.with_role(Role.CSM) if s.active]
    assert len(csms) >= 2
    for login in csms:
        full = day_list.load_list(_signed_in(url, login))
        thin = first_screen(url, login, NOW)
        assert thin is not None, login
        assert _shown(thin.items) == _shown(full.items), login
        assert thin.day == full.day and thin.on_leave == (full.leave is not None)
        assert (thin.summary is None) == (full.summary is None)
        if full.summary is not None and thin.summary is not None:
            assert (thin.summary.text, thin.summary.figures) == (full.summary.text, dict(full.summary.figures))
    counted = first_screen(url, "csm01", NOW)
    assert counted is not None and sum(s.progress.total for s in counted.items if s.progress) > 0


def test_the_thin_read_refuses_a_deactivated_or_unknown_login_and_other_roles(demo_url: str) -> None:
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        conn.execute(update(StaffRow).where(StaffRow.login == "csm02").values(active=False))
    engine.dispose()
    assert first_screen(demo_url, "csm02", NOW) is None
    assert first_screen(demo_url, "nobody", NOW) is None
    assert first_screen(demo_url, "sup01", NOW) is None  # a supervisor's first screen is the team's day
    assert first_screen(f"{demo_url}.missing", "csm01", NOW) is None


async def test_keys_typed_before_the_workstation_is_ready_are_acted_on_once_it_is(demo_url: str) -> None:
    release = threading.Event()

    def sign_in() -> Workstation:
        release.wait(30)
        return _signed_in(demo_url, "csm01")

    app = CsmApp(opening(demo_url, "csm01", NOW, sign_in), lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstChecklistScreen) and not app.ready.is_set()
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, FirstChecklistScreen)  # kept, not lost, not acted on yet
        release.set()
        await asyncio.wait_for(app.ready.wait(), 30)
        await settle(pilot)
        assert app.current_mode == "queue"
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ChecklistScreen) and app.screen.data is not None


async def test_a_sign_in_refused_behind_the_first_frame_ends_the_app_saying_why(demo_url: str) -> None:
    def refused() -> Workstation:
        raise SignInRefused("unknown staff: csm01", 2)

    app = CsmApp(opening(demo_url, "csm01", NOW, refused), lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
    assert app.return_code == 2 and not app.ready.is_set()


async def test_a_staff_member_deactivated_as_the_app_signs_in_is_told_so_in_the_user_s_language(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def deactivated_meanwhile() -> Workstation:
        ws = _signed_in(demo_url, "csm01")
        admin = make_engine(demo_url)
        with admin.begin() as conn:  # the admin, between the sign-in and the checklist's read
            conn.execute(update(StaffRow).where(StaffRow.login == "csm01").values(active=False))
        admin.dispose()
        return ws

    app = CsmApp(opening(demo_url, "csm01", NOW, deactivated_meanwhile), lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
    assert app.return_code == 2 and not app.ready.is_set()
    assert " ".join(capsys.readouterr().err.split()) == t("session.ended")  # as the terminal is given back


def _imported_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(found.stdout.split())


def test_the_app_and_its_first_screen_load_without_sqlalchemy_pydantic_or_the_policy() -> None:
    loaded = _imported_after("import csm_tui.app, csm_tui.start, screens.first_screen, csm_tui.quick_start")
    assert "textual" in loaded
    assert not loaded & {"sqlalchemy", "pydantic", "pydantic_core", "arrow", "psycopg", "alembic"}


def test_csm_with_a_command_or_a_settings_file_is_left_to_the_full_command_line(tmp_path: Path) -> None:
    assert "textual" not in _imported_after("from csm_tui.quick_start import run\nassert not run(['demo'])")
    assert not run(["--help"]) and not run(["--version"]) and not run(["--db", ""])
    settings = tmp_path / "config.toml"
    settings.write_text('lang = "en"\n', encoding="utf-8")
    assert not run(["--config", str(settings), "--db", "sqlite:////nowhere/csm.db"])


def test_the_thin_read_leaves_a_read_only_server_or_an_older_schema_to_the_full_start(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    opened = open_thin(url)
    assert opened is not None
    opened.close()
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0014'"))
    assert open_thin(url) is None  # the full start upgrades it first
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE alembic_version SET version_num = '{HEAD}'"))
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            name = conn.execute(text("SELECT current_database()")).scalar_one()
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
            conn.commit()
        try:
            assert open_thin(url) is None  # the full start refuses the sign-in's audit entry and says so
        finally:
            with engine.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off'))
                conn.commit()
