"""An event's calls (invitation, reminder, follow-up) are the events service's, each tied to an invitation of its
client: the bank's task list brings one only as a call of that client's own invitation (a follow-up: of an attendee),
so no import marks someone followed up who was not there, or hangs a call on another client's invitation or on none."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import TaskKind, TaskOrigin
from csm_tui.services.events import day, planning, results
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from tests.support.events_branch import Branch, build_events_branch, event, invitation_of, on_event_day
from tests.support.files import write_csv

HEADER = ["客户号", "客户经理工号", "任务类型", "应办日期", "状态", "来源", "来源编号", "创建时间", "关闭时间"]


@pytest.fixture
def branch(engine: Engine, clock: FrozenClock) -> Branch:
    return build_events_branch(engine, clock)


def _row(number: str, kind: TaskKind, origin_id: int | str, origin: str = TaskOrigin.EVENT.value) -> list[str]:
    return [number, "wang", kind.value, "2026-12-02", "done", origin, str(origin_id), "2026-12-01 15:00:00",
            "2026-12-01 16:00:00"]  # fmt: skip


def _event_with(branch: Branch) -> tuple[int, dict[str, str]]:
    """甲 invited and checked in, 乙 invited and absent, 丙 not invited; their client numbers."""
    for name in ("甲", "乙", "丙"):
        branch.client(name, "wang")
    event_id = event(branch, capacity=5)
    planning.invite_clients(branch.ws("sup"), event_id, [branch.clients["甲"], branch.clients["乙"]])
    on_event_day(branch)
    day.check_in(branch.ws("lobby"), event_id, invitation_of(branch, event_id, "甲"))
    with branch.factory() as tx:
        return event_id, {n: tx.clients.get(branch.clients[n]).number for n in ("甲", "乙", "丙")}


def test_an_imported_follow_up_of_an_absentee_or_on_anothers_invitation_is_refused(
    branch: Branch, tmp_path: Path
) -> None:
    event_id, numbers = _event_with(branch)
    there, absent = invitation_of(branch, event_id, "甲"), invitation_of(branch, event_id, "乙")
    rows = [
        _row(numbers["乙"], TaskKind.EVENT_FOLLOW_UP, absent),  # not there: no follow-up
        _row(numbers["丙"], TaskKind.EVENT_FOLLOW_UP, there),  # another client's invitation
        _row(numbers["丙"], TaskKind.EVENT_INVITE, "", origin="manual"),  # an event's call on no invitation
        _row(numbers["丙"], TaskKind.CALLBACK, there),  # any call hung on another client's invitation
    ]
    report = import_file(branch.ws("admin"), ImportKind.TASKS, write_csv(tmp_path / "t.csv", [HEADER, *rows]))
    assert (report.new, report.rejected) == (0, 4)
    got = results.results(branch.ws("sup"), event_id)
    assert (got.attended, got.followed_up) == (1, 0)


def test_an_attendees_follow_up_on_their_own_invitation_imports(branch: Branch, tmp_path: Path) -> None:
    event_id, numbers = _event_with(branch)
    row = _row(numbers["甲"], TaskKind.EVENT_FOLLOW_UP, invitation_of(branch, event_id, "甲"))
    report = import_file(branch.ws("admin"), ImportKind.TASKS, write_csv(tmp_path / "t.csv", [HEADER, row]))
    assert (report.new, report.rejected) == (1, 0)
