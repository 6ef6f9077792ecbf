"""Fixtures of the selling tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from csm_tui.clock import FrozenClock
from tests.support.selling_branch import Branch, build_branch


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    """The selling branch (``support/selling_branch``), per backend."""
    return build_branch(engine, clock)
