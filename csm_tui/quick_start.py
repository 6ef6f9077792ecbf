"""``csm`` with no command on a desk with no settings file: the workstation opened the thin way (``csm_tui.start``).

The command line's options are read as ``csm`` reads them (``cli_options``); anything else (a command, ``--help``,
a settings file to validate, a start the thin read leaves to the full path) returns False and the full command
line runs as before. Otherwise the app paints the checklist read thin, and its worker runs what ``csm`` runs
before opening the workstation (``cli.signed_in``: the settings and policy validated, the database opened and
checked, the sign-in and its audit entry) on the same database and login.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from csm_tui.cli_options import workstation_options
from csm_tui.config_paths import config_path, database_choice, default_mouse, settings_language
from csm_tui.i18n import set_language

if TYPE_CHECKING:
    from csm_tui.services.workstation import Workstation

Options = tuple[str | None, str | None, str | None, Path | None]


@click.command(add_help_option=False)
@workstation_options
def _plain(db_url: str | None, login: str | None, lang: str | None, config: Path | None) -> Options:
    return db_url, login, lang, config


def _options(argv: list[str]) -> Options | None:
    try:
        found: Options = _plain.main(argv, prog_name="csm", standalone_mode=False)
    except click.ClickException:
        return None  # a command, --help, --version, a bad option: the full command line's
    return found


def run(argv: list[str]) -> bool:
    """Open the workstation the thin way and return True once it is closed; False when it does not apply."""
    options = _options(argv)
    if options is None:
        return False
    db_url, login, lang, config = options
    path = config or config_path()
    if db_url == "" or path.exists():
        return False  # an empty --db is refused, a settings file validated, by the full command line
    language = lang or settings_language(path, os.environ)
    url = database_choice(db_url, os.environ.get("CSM_DB_URL"))  # no settings file: the environment's, else ours
    set_language(language)

    from csm_tui.start import SignInRefused, opening

    def sign_in() -> Workstation:
        from csm_tui.cli import signed_in
        from csm_tui.cli_support import load_cli_settings

        told = io.StringIO()  # a refusal (``cli_support.fail``) is told once the app has given the terminal back
        try:
            with contextlib.redirect_stderr(told):
                return signed_in(load_cli_settings(config, lang), url, login)
        except SystemExit as exc:
            raise SignInRefused(told.getvalue().strip(), exc.code if isinstance(exc.code, int) else 2) from None

    started = opening(url, login, dt.datetime.now(dt.UTC), sign_in)  # read while the app's modules load
    from csm_tui.app import CsmApp

    if started.first is None:
        return False
    app = CsmApp(started, lang=language)
    app.run(mouse=default_mouse(os.environ))
    if app.return_code:
        sys.exit(app.return_code)
    return True
