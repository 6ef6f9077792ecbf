"""The wizard's done step names the printable record's file on one line at 80×24 (issue 18.1): the home folder as
``~`` and a long path's middle dropped with ``…`` (measured in terminal cells), its file name whole; the full path
is told in a notice and kept on the wizard (and logged).

Pilot tests drive the demo branch (Friday 27 November 2026, 10:00 in Shanghai).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from csm_tui.i18n import catalog
from screens import suitability_wizard
from tests.support.pilot import make_app, notices, settle
from tests.support.wizard import confirm_everything
from widgets.cells import short_path


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_report_path_fits_one_line_at_80_columns_and_the_full_path_is_told(
    demo_url: str, lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    folder = home / ".local" / "share" / "csm-tui" / "一个很长的文件夹名字" / "suitability-reports-of-the-branch"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(suitability_wizard, "data_dir", lambda: folder)
    app = make_app(demo_url, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await confirm_everything(pilot, "REC-2026-080")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert wizard.step == "done" and wizard.report_path is not None
        full = wizard.report_path
        assert Path(full).exists() and Path(full).parent == folder / "reports"
        line = str(wizard.query_one("#done-text").render()).splitlines()[-1]
        shown = line.removeprefix(catalog(lang)["wizard.report"].split("{path}")[0])
        assert shown.startswith("~/") and "…" in shown and shown.endswith(Path(full).name)
        assert cell_len(line) <= 80 - suitability_wizard.DONE_MARGIN  # one line: it does not wrap
        assert wizard.query_one("#done-text").size.height == 2
        assert catalog(lang)["wizard.report_full"].format(path=full) in notices(app)


def test_a_short_path_keeps_home_as_tilde_and_the_file_name_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/罗亮")
    assert short_path("/home/罗亮/r/s-1.html", 80) == "~/r/s-1.html"
    assert short_path("/home/罗亮家/s-1.html", 80) == "/home/罗亮家/s-1.html"  # another folder, not home
    cut = short_path("/home/罗亮/.local/share/csm-tui/报告/suitability-12.html", 30)
    assert cut.startswith("~/.local") and cut.endswith("…/suitability-12.html") and cell_len(cut) <= 30
