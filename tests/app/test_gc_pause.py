"""The garbage collector is paused for start-up only: the first screen's data resumes it, commands never keep it."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from csm_tui import gc_pause
from tests.support.pilot import make_app, settle


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does, the collector is on again afterwards (and nothing stays frozen)."""
    yield
    gc_pause.resume()
    gc.unfreeze()
    gc.enable()


def test_pause_then_resume_freezes_what_start_up_made(collector: None) -> None:
    gc_pause.pause()
    assert not gc.isenabled()
    gc_pause.resume()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_resume_without_pause_changes_nothing(collector: None) -> None:
    """Textual disables the collector while it scrolls; only a pause of ours is undone by resume."""
    gc.disable()
    gc_pause.resume()
    assert not gc.isenabled()


async def test_the_first_screen_with_its_data_resumes_the_collector(demo_url: str, collector: None) -> None:
    gc_pause.pause()
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query("#checklist")
        assert gc.isenabled()


def _collector_state_in_subcommand(*args: str) -> str:
    code = (
        "import gc, sys, click\n"
        "from csm_tui import cli\n"
        "@cli.main.command('probe-gc')\n"
        "def probe() -> None:\n"
        "    click.echo('on' if gc.isenabled() else 'off')\n"
        "sys.argv = ['csm', *sys.argv[1:]]\n"
        "from csm_tui.entry import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    )
    return result.stdout.strip()


def test_a_command_runs_with_the_collector_on() -> None:
    """``csm import`` of millions of rows must not run with the collector paused."""
    assert _collector_state_in_subcommand("probe-gc") == "on"
