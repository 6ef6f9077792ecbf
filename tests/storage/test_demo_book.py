"""The demo's ``book``: csm01 manages about that many clients whatever the branch's size (the bench times csm01, so
every size compares the same CSM with the same book); without one, csm01's book is drawn like every other CSM's."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select

from csm_tui.clock import FrozenClock
from storage.demo import build_demo
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import ClientRow, MetaRow, StaffRow

NOW = "2026-11-27T02:00:00Z"
BOOK = 100


def _branch(path: Path, clients: int, csms: int, book: int | None) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    build_demo(engine, FrozenClock(NOW), clients=clients, seed=5, csms=csms, book=book)
    return engine


def _books(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        logins = dict(conn.execute(select(StaffRow.id, StaffRow.login)).all())
        managers = Counter(conn.scalars(select(ClientRow.manager_id)))
    return {logins[staff]: count for staff, count in managers.items() if staff is not None}


def test_csm01_manages_about_the_book_asked_at_every_size(tmp_path: Path) -> None:
    drawn = _branch(tmp_path / "drawn.db", 400, 4, None)
    small = _branch(tmp_path / "small.db", 400, 4, BOOK)
    large = _branch(tmp_path / "large.db", 1200, 12, BOOK)

    for branch in (small, large):
        books = _books(branch)
        managed = sum(books.values())
        share = BOOK / managed
        within = 3 * math.sqrt(managed * share * (1 - share))  # each client drawn: three standard deviations
        assert abs(books["csm01"] - BOOK) <= within, books
    assert _books(drawn)["csm01"] > 1.3 * BOOK  # a senior's load as drawn, a bigger book than the others'
    with small.connect() as conn:
        assert conn.scalar(select(MetaRow.value).where(MetaRow.key == "demo_book")) == str(BOOK)
    with drawn.connect() as conn:  # the demo as ``csm demo`` builds it keeps no book
        assert conn.scalar(select(MetaRow.value).where(MetaRow.key == "demo_book")) is None
    for branch in (drawn, small, large):
        branch.dispose()


def test_a_book_for_the_only_csm_or_beyond_the_branch_leaves_the_draw_as_it_is(tmp_path: Path) -> None:
    alone = _branch(tmp_path / "alone.db", 120, 1, BOOK)
    beyond = _branch(tmp_path / "beyond.db", 120, 3, 10 * BOOK)
    drawn = _branch(tmp_path / "drawn.db", 120, 3, None)
    assert list(_books(alone)) == ["csm01"]
    assert _books(beyond) == _books(drawn)
    for branch in (alone, beyond, drawn):
        branch.dispose()
