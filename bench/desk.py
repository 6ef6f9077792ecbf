"""The workstation as the bench opens it: csm01 on a frozen clock and the default policy.

Kept apart from the demo builder so the start-up figure's child process imports only what the app imports.
"""

from __future__ import annotations

from sqlalchemy import Engine

from csm_tui.cli import open_workstation
from csm_tui.clock import FrozenClock
from csm_tui.policy import Policy
from csm_tui.services.workstation import Workstation

# 10:00 in Asia/Shanghai on Friday 27 November 2026: the same data and the same "today" on every run.
FROZEN_AT = "2026-11-27T02:00:00Z"
STAFF = "csm01"


def workstation(engine: Engine, login: str = STAFF) -> Workstation:
    return open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), login)
