"""The events folder's branch (``support/events_branch``), per backend."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from csm_tui.clock import FrozenClock
from tests.support.events_branch import Branch, build_events_branch


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    return build_events_branch(engine, clock)
