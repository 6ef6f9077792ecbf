"""The workstation as the bench opens it: csm01 (the CSM timed, ``bench.database.timed_csm``) or the admin, on a
frozen clock and the default policy.

Kept apart from the demo builder so the start-up figure's child process imports only what the app imports: the
``opening`` (``csm_tui.start``) paints the checklist read thin, and signs in through ``workstation`` behind it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from csm_tui.start import Opening
from csm_tui.start import opening as reading

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from csm_tui.services.workstation import Workstation

# 10:00 in Asia/Shanghai on Friday 27 November 2026: the same data and the same "today" on every run.
FROZEN_AT = "2026-11-27T02:00:00Z"
STAFF = "csm01"  # the CSM timed: the demo gives them the same book at every size (``bench.database``)


def workstation(engine: Engine, login: str) -> Workstation:
    from csm_tui.cli import open_workstation
    from csm_tui.clock import FrozenClock
    from csm_tui.policy import Policy

    return open_workstation(engine, FrozenClock(FROZEN_AT), Policy(), login)


def opening(url: str, login: str) -> Opening:
    """The app's start as ``csm`` makes it: the first screen read thin while the app's modules load (on PostgreSQL
    in a forked child, on SQLite in a thread: ``csm_tui.start``), the sign-in (``workstation``) in a worker."""

    def sign_in() -> Workstation:
        from storage.engine import make_engine

        return workstation(make_engine(url), login)

    return reading(url, login, dt.datetime.fromisoformat(FROZEN_AT), sign_in)
