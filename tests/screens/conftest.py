"""Fixtures of the screen tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.day_branch import DayBranch, build_day_branch


@pytest.fixture
def day_branch(tmp_path: Path) -> DayBranch:
    """csm01's day: twelve calls due this morning (the last a 回访), wealthy clients, products to sell."""
    return build_day_branch(tmp_path)
