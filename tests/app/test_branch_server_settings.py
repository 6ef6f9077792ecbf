"""Running on a branch server: the mouse setting over SSH, where keys are written by
default, and an audit log that never holds a full ID or phone number after a working session."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.widgets import Input

from csm_tui.config import Settings, load_settings
from csm_tui.ssh_keys import default_file
from screens.client_detail import ClientDetailScreen
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow
from tests.support.pilot import make_app, open_own_client, settle

SSH = {"SSH_CONNECTION": "10.0.0.7 51000 10.0.0.1 22"}


@pytest.mark.parametrize(
    ("setting", "environ", "expected"),
    [
        (None, {}, True),
        (None, SSH, False),
        (None, {"SSH_TTY": "/dev/pts/3"}, False),
        (True, SSH, True),
        (False, {}, False),
    ],
)
def test_mouse_reporting_is_off_over_ssh_unless_the_setting_says_otherwise(
    setting: bool | None, environ: dict[str, str], expected: bool
) -> None:
    assert Settings(mouse=setting).mouse_on(environ) is expected


def test_the_mouse_and_the_keys_file_are_settings_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('mouse = false\nauthorized_keys = "/srv/csm/keys"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.mouse is False and settings.authorized_keys == Path("/srv/csm/keys")


def test_keys_go_to_the_service_accounts_own_home_whatever_home_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/nonexistent")
    assert default_file() == Path(pwd.getpwuid(os.geteuid()).pw_dir) / ".ssh" / "authorized_keys"


async def test_after_a_session_the_audit_log_holds_no_full_id_or_phone_number(demo_url: str) -> None:
    """Sign in, open an own client, reveal the identity, change the mobile: every step is audited, masked."""
    app = make_app(demo_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_own_client(pilot)
        screen = app.screen
        assert isinstance(screen, ClientDetailScreen) and screen.detail is not None
        client_id = screen.detail.client.id
        await pilot.press("r", *"客户来电核实", "enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        mobile = app.screen.query_one("#mobile", Input)
        mobile.value = ""
        mobile.focus()
        await pilot.press(*"13912345678", "enter")
        await settle(pilot)
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        entries = conn.execute(select(AuditRow)).all()
        clients = conn.execute(select(ClientRow.resident_id, ClientRow.mobile)).all()
    engine.dispose()
    actions = {(e.action, e.entity, e.entity_id) for e in entries}
    assert {("reveal", "clients", str(client_id)), ("update", "clients", str(client_id))} <= actions
    assert any(e.action == "signin" for e in entries)
    log = json.dumps([[e.action, e.entity, e.entity_id, e.detail] for e in entries], ensure_ascii=False)
    secrets = {c.resident_id for c in clients} | {c.mobile for c in clients if c.mobile} | {"13912345678"}
    assert [s for s in secrets if s in log] == []
