"""User settings: a TOML file validated by pydantic, with paths from platformdirs and overrides from the environment.

``CSM_CONFIG`` names the file (default: the user config directory's ``config.toml``); ``CSM_DB_URL`` and
``CSM_LANG`` override what it says. A branch server's settings: ``db_url``, ``policy_file``, ``mouse``,
``authorized_keys`` (where ``csm admin ssh-key`` writes; default the service account's ``~/.ssh/authorized_keys``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

APP_NAME = "csm-tui"


class ConfigError(Exception):
    def __init__(self, path: Path, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    db_url: str | None = None
    lang: Literal["zh_CN", "en"] = "zh_CN"
    policy_file: Path | None = None
    # Binding id → keys, e.g. {"nav.queue" = "2,f3"}: remaps any key of the app.
    keymap: dict[str, str] = Field(default_factory=dict)
    # Mouse reporting: on or off; unset, it is off over SSH (it floods a slow link) and on at a local terminal.
    mouse: bool | None = None
    authorized_keys: Path | None = None
    # Where an SSH session's exports are kept (it runs as the service account): default <data dir>/exports.
    export_dir: Path | None = None

    def mouse_on(self, environ: Mapping[str, str]) -> bool:
        if self.mouse is not None:
            return self.mouse
        return not (environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME)


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'csm.db'}"


def config_path() -> Path:
    env = os.environ.get("CSM_CONFIG")
    return Path(env) if env else platformdirs.user_config_path(APP_NAME) / "config.toml"


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    raw: dict[str, object] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(path, "-", str(exc)) from None
    if os.environ.get("CSM_DB_URL"):
        raw["db_url"] = os.environ["CSM_DB_URL"]
    if os.environ.get("CSM_LANG"):
        raw["lang"] = os.environ["CSM_LANG"]
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(path, ".".join(str(p) for p in first["loc"]) or "-", first["msg"]) from None
    if settings.policy_file is not None and not settings.policy_file.is_absolute():
        settings = settings.model_copy(update={"policy_file": path.parent / settings.policy_file})
    return settings
