"""The events folder's branch (``support/events_branch``), per backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from storage.uow import SqlUnitOfWorkFactory
from tests.support.events_branch import TZ, Branch, build_events_branch


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    return build_events_branch(engine, clock)


@pytest.fixture
def other_desk(branch: Branch, db_url: str) -> Iterator[Callable[[str], Workstation]]:
    """A second desk: ``login`` signed in on an engine of its own on the same database (the races' other session)."""
    engine = make_engine(db_url)
    factory = SqlUnitOfWorkFactory(engine, branch.clock)

    def ws(login: str) -> Workstation:
        staff = branch.staff[login]
        return Workstation(
            uow=factory.acting_as(staff), staff=staff, outlet=None, time=BranchTime(branch.clock, TZ),
            policy=Policy(), demo=False,
        )  # fmt: skip

    yield ws
    engine.dispose()
