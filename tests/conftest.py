"""Fixtures for the whole suite.

Databases: ``db_url`` runs a test once on SQLite and once on PostgreSQL, each time on a fresh, empty database.
PostgreSQL is a real server started by the test session itself (``pg_server``) from the server binaries on PATH
or under /usr/lib/postgresql/*/bin. Without them the PostgreSQL cases are skipped, unless ``CSM_REQUIRE_PG=1``
(CI), which turns the skip into a failure.

Other fixtures: ``engine`` (migrated to head), ``clock`` (frozen on a Friday morning in Shanghai), ``uow_factory``
(units of work acting for the system), ``sqlite_url`` (for SQLite-only tests), ``english`` (the app in English),
``runner`` (the ``csm`` command in the test's process) and ``commits`` (the transactions committed on ``engine``).
Every test starts and ends in the default language (``_default_language``). Every test runs with the
user data and config directories pointed at temporary ones and the ``CSM_*`` overrides removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, event

from csm_tui.clock import FrozenClock
from csm_tui.i18n import DEFAULT_LANGUAGE, set_language
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.support.aml_branch import AmlBranch, build_aml_branch
from tests.support.calls_branch import CallsBranch, build_calls_branch
from tests.support.clients_branch import Branch, build_branch
from tests.support.clock import FROZEN_AT
from tests.support.postgres import PgProcess, PgServer, pg_bindir, pg_unavailable

# Hypothesis: no deadline (a cold import or a busy machine must not fail a property), moderate example counts.
settings.register_profile(
    "csm", deadline=None, max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile("ci", parent=settings.get_profile("csm"), max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "csm"))


_ENV_REMOVED = ("CSM_DB_URL", "CSM_STAFF", "CSM_LANG", "CSM_CONFIG")


# --- environment ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never read or write the real user's data, config or cache; ignore the developer's ``CSM_*`` overrides."""
    home = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (
            ("XDG_DATA_HOME", "data"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
            ("XDG_STATE_HOME", "state"),
        ):
            (home / sub).mkdir()
            mp.setenv(var, str(home / sub))
        for var in _ENV_REMOVED:
            mp.delenv(var, raising=False)
        yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language (zh_CN), whatever the test before it chose (the app, the command
    line and ``set_language`` keep the language process-wide)."""
    set_language(DEFAULT_LANGUAGE)
    yield
    set_language(DEFAULT_LANGUAGE)


@pytest.fixture
def runner() -> CliRunner:
    """Runs the ``csm`` command in the test's process."""
    return CliRunner()


@pytest.fixture
def commits(engine: Engine) -> Iterator[list[int]]:
    """One entry per transaction committed on ``engine`` while the test runs."""
    seen: list[int] = []

    def on_commit(_conn: Any) -> None:
        seen.append(1)

    event.listen(engine, "commit", on_commit)
    yield seen
    event.remove(engine, "commit", on_commit)


@pytest.fixture
def english() -> None:
    """The test reads the app in English (``_default_language`` puts the default back after it)."""
    set_language("en")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the session, started on first use and stopped (and deleted) at the end."""
    bindir = pg_bindir()
    if bindir is None:
        where = os.environ.get("CSM_PG_BINDIR") or "on PATH or in /usr/lib/postgresql/*/bin"
        pg_unavailable(f"no initdb/pg_ctl/postgres {where}")
    try:
        process = PgProcess(bindir)
    except RuntimeError as exc:
        pg_unavailable(str(exc))
    try:
        server = process.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        process.stop()
        pg_unavailable(f"could not start the server from {bindir}: {exc}")
    try:
        yield server
    finally:
        process.stop()


# --- databases -----------------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database in a new temporary file (not yet created: make_engine creates it, mode 0600)."""
    return f"sqlite:///{tmp_path}/t.db"


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test, on each backend in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/t.db"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url``, migrated to the head revision."""
    eng = make_engine(db_url)
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """2026-11-27T02:00:00Z: 10:00 on a Friday in Asia/Shanghai."""
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def uow_factory(engine: Engine, clock: FrozenClock) -> SqlUnitOfWorkFactory:
    """Units of work acting for the system (no staff member); ``.acting_as(staff)`` for a person."""
    return SqlUnitOfWorkFactory(engine, clock)


# --- a demo branch for the app's tests -------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo branch, built once per session on the frozen clock."""
    from tests.support.demo_branch import build_template

    return build_template(tmp_path_factory.mktemp("demo") / "template.db", FROZEN_AT)


@pytest.fixture
def demo_url(demo_template: Path) -> Iterator[str]:
    """A private copy of the demo branch for one test."""
    from tests.support.demo_branch import copy_of

    target = Path(tempfile.mkdtemp(prefix="csm-demo-")) / "demo.db"
    yield copy_of(demo_template, target)
    shutil.rmtree(target.parent, ignore_errors=True)


# --- the branches of the feature tests (built by tests/support) ----------------------------------------------


@pytest.fixture
def aml_branch(engine: Engine, clock: FrozenClock) -> AmlBranch:
    """Two outlets, their supervisors, two CSMs with a client each, a teller, a lobby manager and the admin, for the
    suspicion-report tests (``tests.support.aml_branch``), per backend."""
    return build_aml_branch(engine, clock)


@pytest.fixture
def calls_branch(tmp_path: Path) -> CallsBranch:
    """csm01 with nine callbacks due this morning and one 回访, in a demo-marked SQLite file."""
    return build_calls_branch(tmp_path)


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    """The client tests' small branch (``support/clients_branch``), per backend. A module or folder whose tests
    need another branch defines its own ``branch`` fixture, which takes precedence for its tests."""
    return build_branch(engine, clock)


@pytest.fixture(scope="module")
def grown(pg_server: PgServer) -> Iterator[Engine]:
    """The demo branch grown on PostgreSQL for the plan tests (``tests.support.grown_branch``), once per module."""
    from tests.support.grown_branch import grown_branch

    yield from grown_branch(pg_server)
