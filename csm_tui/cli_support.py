"""What every ``csm`` command shares: failing with one clear line, and opening a database."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from csm_tui.i18n import t
from storage.engine import make_engine, normalise_url, sqlite_path
from storage.migrate import DatabaseTooNew, upgrade

EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def open_database(url: str) -> Engine:
    """An engine on ``url`` with the schema upgraded to this app's head; errors become one clear line."""
    try:
        engine = make_engine(url)
        upgrade(engine)
    except DatabaseTooNew as exc:
        fail(t("cli.db_too_new", revision=exc.revision))
    except (SQLAlchemyError, OSError) as exc:
        fail(t("cli.db_unreachable", reason=type(exc).__name__))
    return engine


def open_existing_database(url: str) -> Engine:
    """Like ``open_database``, but a SQLite file that does not exist is an error, not a new empty branch; one that
    other accounts may read (copied by hand, say) is warned about with the fix."""
    path = sqlite_path(normalise_url(url))
    if path is not None and not path.exists():
        fail(t("cli.no_database", path=path))
    if path is not None and path.stat().st_mode & 0o077:
        mode = f"{path.stat().st_mode & 0o777:o}"
        click.echo(t("server_security.db_file_readable", path=path, mode=mode), err=True)
    return open_database(url)
