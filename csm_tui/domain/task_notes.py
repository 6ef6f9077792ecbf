"""Why a call was skipped, kept with its task: a line added to the task's note (``storage``'s ``close``), the
reason's code at its head, the manager's own words after it (``[not_now] 客户出差``). A code, never words of one
language, so that each reader — the screens, an export — says it in the user's language; the form every skipped
task has had, so the tasks skipped before read the same way."""

from __future__ import annotations

import re

from csm_tui.domain.enums import SkipReason

_HEAD = re.compile(r"\[([a-z_]+)\] ?")


def skip_note(reason: SkipReason, note: str) -> str:
    """The line a skipped task's note keeps: the reason's code, then the manager's note."""
    return f"[{reason.value}] {note}".strip()


def skip_of(line: str) -> tuple[SkipReason | None, str]:
    """The skip's reason at the head of a line of a task's note and the rest of the line; (None, the line) for a
    line without one."""
    head = _HEAD.match(line)
    codes = {reason.value: reason for reason in SkipReason}
    if head is None or head.group(1) not in codes:
        return None, line
    return codes[head.group(1)], line[head.end() :]
