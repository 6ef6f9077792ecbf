"""What every ``csm`` command shares: its options, failing with one clear line, and opening a database."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from csm_tui.config import ConfigError, Settings, config_path, load_settings, settings_language
from csm_tui.config_paths import database_choice
from csm_tui.i18n import LANGUAGES, set_language, storage_cause, t

if TYPE_CHECKING:  # SQLAlchemy loads when a database is opened: ``csm`` paints its first screen before that
    from sqlalchemy import Engine

EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def load_cli_settings(config: Path | None, lang: str | None) -> Settings:
    """The settings file's settings (``config``, else the default), in the language asked for; the language is set
    first (``--lang``, else ``CSM_LANG``, else the file's own ``lang``), so a refusal of the file is told in it."""
    path = config or config_path()
    set_language(lang or settings_language(path, os.environ))
    try:
        settings = load_settings(path, binding_ids=_binding_ids, keymap_clashes=_keymap_clashes)
    except ConfigError as exc:
        fail(file_refusal("config", exc.path, exc.key, exc.reason))
    if lang:
        settings = settings.model_copy(update={"lang": lang})
    set_language(settings.lang)
    return settings


def _binding_ids() -> frozenset[str]:
    from csm_tui.app import binding_ids

    return binding_ids()


def _keymap_clashes(keymap: Mapping[str, str]) -> list[str]:
    from csm_tui.app import keymap_clashes

    return keymap_clashes(keymap)


def file_refusal(what: str, path: Path, key: str, reason: str) -> str:
    """One line naming the settings or policy file, the key when the fault is in one, and the reason."""
    if key == "-":  # the file as a whole: unreadable, too large, not TOML
        return t(f"cli.unusable_{what}", path=path, reason=reason)
    return t(f"cli.bad_{what}", path=path, key=key, reason=reason)


# The options ``csm`` itself takes that mean the same to every command: by parameter name, as written.
SHARED = {"db_url": "--db", "login": "--staff", "lang": "--lang", "config": "--config"}
_EVERYWHERE = ("lang", "config")  # every command takes these; --db and --staff only those that open a database


class SharedOptions(click.Command):
    """A command under ``csm``: ``csm --db URL cmd`` is ``csm cmd --db URL`` (and so for ``--staff``, ``--lang`` and
    ``--config``). An option given before the command is refused when the command has no use for it or gives a
    different value itself. The settings (``ctx.obj``) are loaded again when the command names its own ``--lang``
    or ``--config``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {p.name for p in self.params}
        if "lang" not in names:
            self.params.append(click.Option(["--lang"], type=click.Choice(LANGUAGES), help="Interface language."))
        if "config" not in names:
            self.params.append(
                click.Option(["--config"], type=click.Path(path_type=Path), help="Settings file (TOML).")
            )

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        root = ctx.find_root()
        given = {
            name: (root.params[name], root.get_parameter_source(name) is ParameterSource.COMMANDLINE)
            for name in SHARED
            if root is not ctx and root.params.get(name) is not None
        }
        own = {p.name for p in self.params}
        defaults = {name: value for name, (value, _) in given.items() if name in own}
        ctx.default_map = {**(ctx.default_map or {}), **defaults}
        rest = super().parse_args(ctx, args)
        for name, (value, explicit) in given.items():
            if not explicit:
                continue  # from the environment: the command's own value, if any, wins
            if name not in own:
                fail(t("cli.option_not_here", option=SHARED[name], command=ctx.command_path))
            if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE and ctx.params[name] != value:
                fail(t("cli.option_twice", option=SHARED[name], first=value, second=ctx.params[name]))
        return rest

    def invoke(self, ctx: click.Context) -> Any:
        lang, config = (ctx.params.pop(name) for name in _EVERYWHERE)
        if any(ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE for name in _EVERYWHERE):
            ctx.obj = load_cli_settings(config, lang)
        return super().invoke(ctx)


class SharedGroup(click.Group):
    """A group under ``csm``: its commands are ``SharedOptions``, its groups ``SharedGroup``."""

    command_class = SharedOptions
    group_class = type


def database_url(given: str | None, settings: Settings) -> str:
    """The database a command works on: ``--db`` as given, else the settings' (``CSM_DB_URL`` or the settings file),
    else the default file. An empty ``--db`` (an unset shell variable, say) is refused rather than taken as "not
    given", and so is a SQLite URL naming no file (an in-memory database, gone with the command and all it wrote)."""
    from storage.engine import UnusableDatabase, normalise_url, sqlite_path

    if given == "":
        fail(t("database.empty_url"))
    url = database_choice(given, settings.db_url)
    try:
        parsed = normalise_url(url)
    except UnusableDatabase as exc:
        fail(t(f"database.{exc.reason}", target=exc.target))
    if parsed.get_backend_name() == "sqlite" and sqlite_path(parsed) is None:
        fail(t("database.in_memory", target=url))
    return url


def open_database(url: str) -> Engine:
    """An engine on ``url`` with the schema upgraded to this app's head; errors become one clear line naming the URL
    or file and what to do, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.engine import UnusableDatabase, failure_cause, make_engine, note_server_read_only
    from storage.migrate import (
        DatabaseTooNew,
        ForeignDatabase,
        MissingTable,
        UnreadableNumbers,
        check_tables,
        upgrade,
    )

    try:
        engine = make_engine(url)
        upgrade(engine)
        check_tables(engine)
        note_server_read_only(engine)
    except UnusableDatabase as exc:
        fail(t(f"database.{exc.reason}", target=exc.target))
    except DatabaseTooNew as exc:
        fail(t("cli.db_too_new", revision=exc.revision))
    except ForeignDatabase:
        fail(t("database.foreign", target=_shown(url)))
    except MissingTable as exc:
        fail(t("database.missing_table", target=_shown(url), table=exc.table))
    except UnreadableNumbers as exc:
        fail(t("database.unreadable_numbers", target=_shown(url), ids=", ".join(map(str, exc.ids))))
    except (SQLAlchemyError, OSError) as exc:
        fail(t("database.unopened", target=_shown(url), reason=storage_cause(failure_cause(exc))))
    return engine


def _shown(url: str) -> str:
    """The database as a message names it: the file, or the URL without its password."""
    from storage.engine import normalise_url, sqlite_path

    parsed = normalise_url(url)
    path = sqlite_path(parsed)
    return str(path) if path is not None else parsed.render_as_string(hide_password=True)


def open_existing_database(url: str) -> Engine:
    """Like ``open_database``, but a SQLite file that does not exist is an error, not a new empty branch; one that
    other accounts may read (copied by hand, say) is warned about with the fix."""
    from storage.engine import UnusableDatabase, normalise_url, sqlite_path

    try:
        path = sqlite_path(normalise_url(url))
        mode = path.stat().st_mode if path is not None else None
    except UnusableDatabase as exc:
        fail(t(f"database.{exc.reason}", target=exc.target))
    except FileNotFoundError:
        fail(t("cli.no_database", path=path))
    except OSError:
        fail(t("database.unreadable", target=path))
    engine = open_database(url)
    if mode is not None and mode & 0o077:
        click.echo(t("server_security.db_file_readable", path=path, mode=f"{mode & 0o777:o}"), err=True)
    return engine
