"""The options of ``csm`` itself (the workstation's), shared by the command line (``csm_tui.cli``) and the thin
start that reads them before the command line's modules load (``csm_tui.quick_start``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from csm_tui.i18n import LANGUAGES

F = TypeVar("F", bound=Callable[..., object])


def workstation_options(command: F) -> F:
    """``--db``, ``--staff``, ``--lang`` and ``--config``."""
    for option in reversed(
        (
            click.option(
                "--db", "db_url", metavar="URL", help="Database URL (default: SQLite in the user data directory)."
            ),
            click.option(
                "--staff", "login", envvar="CSM_STAFF", metavar="LOGIN", help="Sign in as LOGIN (demo DB or admin)."
            ),
            click.option("--lang", type=click.Choice(LANGUAGES), envvar="CSM_LANG", help="Interface language."),
            click.option(
                "--config", type=click.Path(path_type=Path), envvar="CSM_CONFIG", help="Settings file (TOML)."
            ),
        )
    ):
        command = option(command)
    return command
