"""Search finds the same clients on a PostgreSQL database created in any locale. It matches a prefix as a range of
an index, exact only in code-point order, so the columns it reads are kept in that order (``storage.orm.searched``)
whatever the database's own collation: a Chinese one with numbers ordered by value (ICU's ``zh-u-kn``, on every
server built with ICU), and the system's ``zh_CN.UTF-8`` and ``en_US.UTF-8`` where installed, as on a server set up
in the system's locale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from csm_tui.clock import FrozenClock
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.clients_branch import NOW, Branch, build_branch, names
from tests.support.postgres import PgServer

LOCALES = {
    "icu zh, numbers by value": ("i", "zh-x-icu", "LOCALE_PROVIDER icu ICU_LOCALE 'zh-u-kn' LOCALE 'C'"),
    "system zh_CN.UTF-8": ("c", "zh_CN.utf8", "LOCALE 'zh_CN.utf8'"),
    "system en_US.UTF-8": ("c", "en_US.utf8", "LOCALE 'en_US.utf8'"),
}
# What csm01 (A) types, and whom it must find: own clients by name, number, initials, mobile and card; others'
# by name, initials and client number.
SEARCHES = {
    "王": {"王小明", "王大海"},
    "张三": {"张三丰", "张三"},
    "zs": {"张三丰", "张三"},
    "C1000": {"张三丰", "王小明", "李四"},
    "C2000": {"王大海", "张三"},
    "1000": {"张三丰", "王小明", "李四"},
    "138001": {"王小明"},
    "62148301": {"李四"},
}


@pytest.fixture(scope="module", params=list(LOCALES))
def localised(request: pytest.FixtureRequest, pg_server: PgServer) -> Iterator[Branch]:
    """The client tests' small branch in a database created in the parameter's locale."""
    provider, collation, options = LOCALES[request.param]
    if collation not in pg_server.collations(provider):
        pytest.skip(f"this PostgreSQL server has no {collation} collation")
    name = pg_server.create_database(f"TEMPLATE template0 {options}")
    engine = make_engine(pg_server.url(name))
    try:
        upgrade(engine)
        yield build_branch(engine, FrozenClock(NOW))
    finally:
        engine.dispose()
        pg_server.drop_database(name)


@pytest.mark.parametrize("typed", list(SEARCHES))
def test_search_finds_each_client_by_prefix_in_a_database_of_any_locale(localised: Branch, typed: str) -> None:
    assert sorted(names(localised.ws(localised.csm_a), typed)) == sorted(SEARCHES[typed])
