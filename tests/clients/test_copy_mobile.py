"""Copy over SSH: ``y`` on a client's card puts the full mobile of one's own client on the desk's clipboard by OSC 52
(wrapped for tmux), the read audited like a reveal; another's client is refused with the reason; every other copy
is masked. The service on SQLite and PostgreSQL; the screens driven through the real app."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import catalog
from csm_tui.services.clients.copying import COPIED, COPY_REFUSED, copy_mobile
from screens.call_session import CallSession
from screens.client_detail import ClientDetailScreen
from screens.help import HelpScreen
from storage.engine import make_engine
from storage.orm import AuditRow
from tests.support.calls_branch import build_calls_branch
from tests.support.clients_branch import ZSF_MOBILE, Branch
from tests.support.pilot import make_app, notices, open_own_client, open_session, settle, table_rows
from widgets.clipboard import osc52

OSC52 = re.compile("\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07")
TMUX = re.compile("\x1bPtmux;\x1b\x1b\\]52;c;([A-Za-z0-9+/=]*)\x07\x1b\\\\")


# --- the sequence ----------------------------------------------------------------------------------------------


@given(st.text(max_size=40))
def test_osc52_carries_the_text_in_base64_bare_outside_tmux_and_wrapped_inside(text: str) -> None:
    bare = OSC52.fullmatch(osc52(text, {}))
    assert bare is not None and base64.b64decode(bare[1]).decode("utf-8") == text
    inside = osc52(text, {"TMUX": "/tmp/tmux-0/default,123,0"})
    wrapped = TMUX.match(inside)
    assert wrapped is not None and base64.b64decode(wrapped[1]).decode("utf-8") == text
    bare_too = OSC52.fullmatch(inside[wrapped.end() :])  # for tmux's set-clipboard, after the passthrough
    assert bare_too is not None and base64.b64decode(bare_too[1]).decode("utf-8") == text


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_inside_tmux_with_set_clipboard_on_the_copy_reaches_tmux_s_clipboard(tmp_path: Path) -> None:
    """README: tmux 3.3+ needs allow-passthrough on, or set-clipboard on; with the latter only a bare OSC 52 from
    the pane is taken (and passed on to the desk's terminal), the passthrough is dropped."""
    script = tmp_path / "send.py"
    script.write_text(
        "import sys\nfrom widgets.clipboard import osc52\n"
        "sys.stdout.write(osc52('13912345678', {'TMUX': 'x'}))\nsys.stdout.flush()\n"
    )
    tmux = ["tmux", "-L", f"csm-copy-{os.getpid()}", "-f", os.devnull]
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24", "sleep 30"], check=True)
    try:
        subprocess.run([*tmux, "set", "-g", "set-clipboard", "on"], check=True)
        subprocess.run([*tmux, "set", "-g", "allow-passthrough", "off"], check=False)  # tmux before 3.3 has none
        command = f"cd {Path.cwd()} && {sys.executable} {script}; sleep 30"
        subprocess.run([*tmux, "new-window", command], check=True)
        buffer = ""
        for _ in range(100):
            found = subprocess.run([*tmux, "show-buffer"], capture_output=True, text=True)
            buffer = found.stdout if found.returncode == 0 else ""
            if buffer:
                break
            time.sleep(0.1)
        assert buffer == "13912345678"
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


# --- the service: own clients only, audited --------------------------------------------------------------------


def _audit(branch: Branch, action: str) -> list[AuditRow]:
    return [r for r in branch.audit_rows() if r.action == action]


def test_copying_an_own_client_s_mobile_gives_it_in_full_and_audits_the_read(branch: Branch) -> None:
    assert copy_mobile(branch.ws(branch.csm_a), branch.zsf) == ZSF_MOBILE
    [copied] = _audit(branch, COPIED)
    assert copied.entity_id == str(branch.zsf) and copied.detail["field"] == "mobile"
    assert copied.staff_id == branch.csm_a.id
    assert ZSF_MOBILE not in str(copied.detail) and branch.chain_holds()


@pytest.mark.parametrize("who", ["csm_b", "supervisor", "admin", "teller"])
def test_another_s_client_is_refused_with_the_reason_whoever_may_see_it(branch: Branch, who: str) -> None:
    with pytest.raises(DomainError) as caught:
        copy_mobile(branch.ws(getattr(branch, who)), branch.zsf)  # A's client: a supervisor even sees it in full
    assert caught.value.code == "copy_not_own"
    assert not _audit(branch, COPIED)
    assert [r.entity_id for r in _audit(branch, COPY_REFUSED)] == [str(branch.zsf)]


def test_a_client_without_a_mobile_has_nothing_to_copy(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        tx.clients.update(branch.wxm, branch.client(branch.wxm).version, mobile=None)
        tx.commit()
    with pytest.raises(DomainError) as caught:
        copy_mobile(branch.ws(branch.csm_a), branch.wxm)
    assert caught.value.code == "copy_no_mobile" and not _audit(branch, COPIED)


# --- the screens ---------------------------------------------------------------------------------------------


def _capture(app: Any) -> list[str]:
    """What the app writes to the terminal from now on."""
    written: list[str] = []
    write = app._driver.write

    def keep(data: str) -> None:
        written.append(data)
        write(data)

    app._driver.write = keep
    return written


def _audit_actions(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = list(conn.scalars(select(AuditRow.action).order_by(AuditRow.id)))
    engine.dispose()
    return found


async def test_y_on_an_own_client_s_detail_copies_the_full_mobile_and_says_so(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,4242,0")
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        mobile = str(screen.detail.client.mobile)
        written = _capture(app)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == mobile
        assert any(catalog("zh_CN")["copy.done"].split("{")[0] in m for m in notices(app))
        assert mobile not in " ".join(notices(app))  # the message names it masked
        sequences = [TMUX.search(w) for w in written]
        assert [base64.b64decode(s[1]).decode() for s in sequences if s] == [mobile]
    assert _audit_actions(demo_url).count(COPIED) == 1


async def test_y_is_not_offered_on_another_manager_s_client_and_copies_nothing(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await pilot.press(*"C")
        await settle(pilot)
        others = [r for r in table_rows(app) if r[-1] == catalog("zh_CN")["search.other"]]
        assert others
        table = app.screen.query_one("#search-results")
        table.move_cursor(row=table_rows(app).index(others[0]))  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientDetailScreen) and app.screen.detail is None
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == ""
        offered = app.screen.active_bindings.get("y")
        assert offered is None or not offered.enabled
    assert COPIED not in _audit_actions(demo_url)


async def test_y_is_listed_in_f1_on_the_client_s_card(demo_url: str) -> None:
    app = make_app(demo_url, lang="en")
    async with app.run_test(size=(80, 40)) as pilot:
        await open_own_client(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert ["y", "Copy mobile"] in [row[:2] for row in table_rows(app)]


async def test_y_in_a_call_session_copies_the_client_on_the_card(branch_url: str) -> None:
    app = make_app(branch_url)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_session(pilot)
        screen = app.screen
        assert isinstance(screen, CallSession) and screen.card is not None
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == screen.card.mobile and app.clipboard.startswith("1380013")
    assert _audit_actions(branch_url).count(COPIED) == 1


async def test_whatever_else_is_copied_reaches_the_clipboard_masked(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        written = _capture(app)
        app.copy_to_clipboard("王芳的客户 13912345678，身份证 110105194912310021")
        assert app.clipboard == "王芳的客户 139****5678，身份证 110105********0021"
        assert "13912345678" not in base64.b64decode(OSC52.search(written[-1])[1]).decode()  # type: ignore[index]


@pytest.fixture
def branch_url(tmp_path: Any) -> str:
    return build_calls_branch(tmp_path).url
