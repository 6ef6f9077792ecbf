"""User settings: a TOML file validated by pydantic, with paths from platformdirs and overrides from the environment.

``CSM_CONFIG`` names the file (default: the user config directory's ``config.toml``); ``CSM_DB_URL`` and
``CSM_LANG`` override what it says. A branch server's settings: ``db_url``, ``policy_file``, ``mouse``,
``authorized_keys`` (where ``csm admin ssh-key`` writes; default the service account's ``~/.ssh/authorized_keys``).
The file is read like the policy (``csm_tui.small_file``: a regular file of at most 1 MiB); its errors are told in
the language ``settings_language`` decides before the file is validated.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from csm_tui.config_paths import APP_NAME as APP_NAME
from csm_tui.config_paths import config_path as config_path
from csm_tui.config_paths import data_dir as data_dir
from csm_tui.config_paths import default_db_url as default_db_url
from csm_tui.config_paths import default_mouse
from csm_tui.config_paths import settings_language as settings_language
from csm_tui.i18n import error_reason, refusal, t
from csm_tui.small_file import SmallFileError, read_small_toml

BINDING_IDS = "binding_ids"  # the validation context's entry: a function giving every binding id a keymap may name
KEYMAP_CLASHES = "keymap_clashes"  # and one naming the bindings a keymap would take a key from


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
    # Binding id → keys, e.g. {"nav.queue" = "2,f2"}: remaps any key of the app.
    keymap: dict[str, str] = Field(default_factory=dict)
    # Mouse reporting: on or off; unset, it is off over SSH (it floods a slow link) and on at a local terminal.
    mouse: bool | None = None
    authorized_keys: Path | None = None
    # Where an SSH session's exports are kept (it runs as the service account): default <data dir>/exports.
    export_dir: Path | None = None

    @field_validator("keymap")
    @classmethod
    def _known_bindings(cls, keymap: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        known: Callable[[], Collection[str]] | None = (info.context or {}).get(BINDING_IDS)
        if keymap and known is not None:
            unknown = sorted(set(keymap) - set(known()))
            if unknown:
                raise refusal("config.unknown_binding", ids=", ".join(unknown))
        clashes: Callable[[Mapping[str, str]], Collection[str]] | None = (info.context or {}).get(KEYMAP_CLASHES)
        taken = clashes(keymap) if keymap and clashes is not None else ()
        if taken:
            raise refusal("config.binding_clash", keys=", ".join(taken))
        return keymap

    def mouse_on(self, environ: Mapping[str, str]) -> bool:
        return self.mouse if self.mouse is not None else default_mouse(environ)


def load_settings(
    path: Path | None = None,
    *,
    binding_ids: Callable[[], Collection[str]] | None = None,
    keymap_clashes: Callable[[Mapping[str, str]], Collection[str]] | None = None,
) -> Settings:
    """The settings in the file at ``path`` (none there: the defaults), with the environment's overrides. With
    ``binding_ids`` (every id the app's bindings have), a keymap naming any other id is refused; with
    ``keymap_clashes`` (the bindings a keymap takes a key from), a keymap taking one's key is refused."""
    path = path or config_path()
    raw: dict[str, object] = {}
    try:
        raw = read_small_toml(path)
    except SmallFileError as exc:
        if exc.key != "file_error.missing":
            raise ConfigError(path, "-", t(exc.key, **exc.params)) from None
    if os.environ.get("CSM_DB_URL"):
        raw["db_url"] = os.environ["CSM_DB_URL"]
    if os.environ.get("CSM_LANG"):
        raw["lang"] = os.environ["CSM_LANG"]
    try:
        settings = Settings.model_validate(raw, context={BINDING_IDS: binding_ids, KEYMAP_CLASHES: keymap_clashes})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(path, ".".join(str(p) for p in first["loc"]) or "-", error_reason(first)) from None
    if settings.policy_file is not None and not settings.policy_file.is_absolute():
        settings = settings.model_copy(update={"policy_file": path.parent / settings.policy_file})
    return settings
