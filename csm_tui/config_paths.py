"""Where the settings and the data live, the language to speak before the settings are read, and the mouse by
default: free of pydantic, so ``csm`` with no settings file paints its first screen before pydantic loads
(``csm_tui.quick_start``); ``csm_tui.config`` validates a settings file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from csm_tui.i18n import DEFAULT_LANGUAGE, LANGUAGES
from csm_tui.small_file import SmallFileError, read_small_text

APP_NAME = "csm-tui"


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME)


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'csm.db'}"


def database_choice(given: str | None, configured: str | None) -> str:
    """The database a command works on: ``--db`` as given, else the settings', else the default file."""
    return given or configured or default_db_url()


def config_path() -> Path:
    env = os.environ.get("CSM_CONFIG")
    return Path(env) if env else platformdirs.user_config_path(APP_NAME) / "config.toml"


_TOP_LEVEL_LANG = re.compile(r"""^[ \t]*lang[ \t]*=[ \t]*["']([A-Za-z_]+)["']""", re.MULTILINE)


def settings_language(path: Path, environ: Mapping[str, str]) -> str:
    """The language to tell the settings' own errors in, decided before they are validated: ``CSM_LANG``, else
    the file's ``lang`` (found even in a file that is not valid TOML), else the default."""
    for lang in (environ.get("CSM_LANG"), _file_language(path)):
        if lang in LANGUAGES:
            return lang
    return DEFAULT_LANGUAGE


def _file_language(path: Path) -> str | None:
    try:
        text = read_small_text(path)
    except SmallFileError:
        return None
    try:
        lang = tomllib.loads(text).get("lang")
    except tomllib.TOMLDecodeError:
        found = _TOP_LEVEL_LANG.search(re.split(r"^[ \t]*\[", text, maxsplit=1, flags=re.MULTILINE)[0])
        return found[1] if found else None
    return lang if isinstance(lang, str) else None


def default_mouse(environ: Mapping[str, str]) -> bool:
    """The mouse unless the settings say: on at the desk, off over SSH (a remote terminal's clicks are noise)."""
    return not (environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))
