"""Fixtures of the app-wide tests."""

from __future__ import annotations

import pytest

from storage.uow import SqlUnitOfWorkFactory
from tests.support.roles_branch import Branch, build_branch


@pytest.fixture
def branch(uow_factory: SqlUnitOfWorkFactory) -> Branch:
    """The roles branch (``support/roles_branch``), per backend: who may do what on a branch server."""
    return build_branch(uow_factory)
