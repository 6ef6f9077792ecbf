"""The settings of a branch server: the mouse off over SSH unless the config file says otherwise, and SSH keys
written to the service account's own home by default."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from csm_tui.config import Settings, load_settings
from csm_tui.ssh_keys import default_file

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
