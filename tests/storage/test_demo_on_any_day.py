"""The demo builds whatever day it is opened on — a weekend, a public holiday — and every call back it draws at a
time a client named is one the CSM makes: on a working day, within the calling hours (``Cadence.call_refusal``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from csm_tui.clock import BranchTime, FrozenClock
from csm_tui.domain.enums import TaskKind
from csm_tui.policy import Policy
from storage.demo import build_demo
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.orm import TaskRow

POLICY = Policy()


@pytest.mark.parametrize(
    "now",
    ["2026-11-28T02:00:00Z", "2026-11-29T08:00:00Z", "2026-10-01T02:00:00Z", "2026-11-30T09:00:00Z"],
    ids=["saturday", "sunday", "national-day", "monday-after-hours"],
)
def test_the_demo_builds_on_any_day_with_its_timed_callbacks_in_calling_hours(tmp_path: Path, now: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    build_demo(engine, FrozenClock(now), clients=80, seed=3)
    with engine.connect() as conn:
        timed = conn.scalars(
            select(TaskRow.due_at).where(TaskRow.kind == TaskKind.CALLBACK, TaskRow.due_at.is_not(None))
        ).all()
    engine.dispose()
    calendar = POLICY.calendar
    assert timed
    for due_at in timed:
        local = BranchTime(FrozenClock(now), calendar.tz).local(due_at)
        assert calendar.is_working_day(local.date()) and calendar.work_start <= local.time() <= calendar.work_end
