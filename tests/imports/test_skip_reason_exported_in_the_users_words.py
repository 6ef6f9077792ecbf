"""A skipped call's reason is kept as its code with the task and said in the user's language where a task list is
exported (issue 18.5): never the code (``[not_now]``), never the other language's words; the tasks skipped before,
whose notes begin with the code, read the same way; and the exported list imports back as it was, the reason as its
code again.

On the demo branch (Friday 27 November 2026, 10:00 in Shanghai): csm01 skips the first call of the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from csm_tui.domain.enums import SkipReason, TaskStatus
from csm_tui.i18n import LANGUAGES, catalog, current_language, set_language
from csm_tui.services.calls.outcomes import skip
from csm_tui.services.calls.queue import today_queue
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.imports.run import import_file
from storage.engine import make_engine
from storage.orm import ContactRow, StaffRow, TaskRow
from tests.support.branch import open_desk
from tests.support.files import file_text


@pytest.fixture
def language() -> Iterator[None]:
    before = current_language()
    yield
    set_language(before)


def _skipped_notes(url: str) -> list[str]:
    with Session(make_engine(url)) as session:
        query = select(TaskRow.note).join(StaffRow, StaffRow.id == TaskRow.staff_id)
        return list(session.scalars(query.where(StaffRow.login == "csm01", TaskRow.status == TaskStatus.SKIPPED)))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_skip_reason_is_exported_in_the_users_words_and_imports_back_as_its_code(
    demo_url: str, tmp_path: Path, language: None, lang: str, fmt: str
) -> None:
    set_language(lang)
    words, other = catalog(lang), catalog(next(x for x in LANGUAGES if x != lang))
    csm = open_desk(demo_url, "csm01")
    skip(csm, today_queue(csm)[0], SkipReason.NOT_NOW, "客户出差")
    before = _skipped_notes(demo_url)
    assert any(note.endswith("\n[not_now] 客户出差") for note in before)  # the code is what is kept
    path = tmp_path / f"tasks.{fmt}"
    export_list(csm, ExportKind.TASKS, path, open_only=False)
    text = file_text(path)
    said = words["skip.said_note"].format(reason=words["skip_reason.not_now"], note="客户出差")
    assert said in text and "[not_now]" not in text and other["skip_reason.not_now"] not in text
    with Session(make_engine(demo_url)) as session, session.begin():
        mine = select(TaskRow.id).join(StaffRow, StaffRow.id == TaskRow.staff_id).where(StaffRow.login == "csm01")
        session.execute(update(ContactRow).where(ContactRow.task_id.in_(mine)).values(task_id=None))
        session.execute(delete(TaskRow).where(TaskRow.id.in_(mine)))
    report = import_file(open_desk(demo_url, "admin"), ImportKind.TASKS, path)
    assert (report.refused, report.rejected) == ("", 0), report.problems
    assert sorted(_skipped_notes(demo_url)) == sorted(before)
