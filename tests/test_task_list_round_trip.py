"""A CSM's exported task list imports back as it was: in either language, from CSV or XLSX, notes with their
whitespace, creation times to the microsecond (tasks created in the same second stay apart)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from csm_tui.domain.enums import TaskKind, TaskOrigin, TaskStatus
from csm_tui.domain.models import NewTask
from csm_tui.i18n import LANGUAGES, catalog, current_language, set_language
from csm_tui.services.imports.columns import COLUMNS, ImportKind, match_headers
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.imports.run import import_file
from storage.engine import make_engine
from storage.orm import ClientRow, ContactRow, StaffRow, TaskRow
from tests.test_exports import TASK_FIELDS, desk

_names = itertools.count()
NOTE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"), include_characters="\t\n "), max_size=40
)
TASK = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([TaskKind.FOLLOW_UP, TaskKind.CALLBACK, TaskKind.MATURITY]),
        "status": st.sampled_from(list(TaskStatus)),
        "origin": st.sampled_from(list(TaskOrigin)),
        "note": NOTE,
        "micro": st.integers(0, 999_999),
        "second": st.integers(0, 2),
    }
)


WHITESPACE = [
    {"kind": TaskKind.CALLBACK, "status": TaskStatus.OPEN, "origin": TaskOrigin.MANUAL, "note": "\t 回电 ", "micro": 1,
     "second": 0},
    {"kind": TaskKind.CALLBACK, "status": TaskStatus.DONE, "origin": TaskOrigin.CONTACT, "note": "x\n", "micro": 2,
     "second": 0},
]  # fmt: skip


@pytest.fixture
def language() -> Iterator[None]:
    before = current_language()
    yield
    set_language(before)


def _forget_tasks(session: Session, staff_id: int) -> None:
    mine = select(TaskRow.id).where(TaskRow.staff_id == staff_id)
    session.execute(update(ContactRow).where(ContactRow.task_id.in_(mine)).values(task_id=None))
    session.execute(delete(TaskRow).where(TaskRow.staff_id == staff_id))


def _tasks(url: str, staff_id: int) -> list[tuple[object, ...]]:
    with Session(make_engine(url)) as session:
        rows = session.execute(select(*TASK_FIELDS).where(TaskRow.staff_id == staff_id))
        return sorted((tuple(r) for r in rows), key=repr)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_exported_column_of_the_task_list_is_taken_for_another_column(lang: str, language: None) -> None:
    """The export's own columns (the client's name, the masked numbers) never read as one of the import's."""
    set_language(lang)
    exported = ("client_name", "masked_id", "masked_mobile")
    headers = [catalog(lang)[f"import_column.{c.field}"] for c in COLUMNS[ImportKind.TASKS]]
    headers += [catalog(lang)[f"export_column.{key}"] for key in exported]
    assert set(match_headers(ImportKind.TASKS, headers)) == {c.field for c in COLUMNS[ImportKind.TASKS]}


@settings(max_examples=20)
@example(tasks=WHITESPACE, lang="en", fmt="csv")
@example(tasks=WHITESPACE, lang="zh_CN", fmt="xlsx")
@given(
    tasks=st.lists(TASK, min_size=1, max_size=6, unique_by=lambda d: (d["kind"], d["second"], d["micro"])),
    lang=st.sampled_from(LANGUAGES),
    fmt=st.sampled_from(["csv", "xlsx"]),
)
def test_a_generated_task_list_exported_imports_back_unchanged(
    demo_url: str, tmp_path: Path, language: None, tasks: list[dict[str, object]], lang: str, fmt: str
) -> None:
    set_language(lang)
    engine = make_engine(demo_url)
    with Session(engine) as session, session.begin():
        staff_id = session.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        clients = session.scalars(select(ClientRow.id).where(ClientRow.manager_id == staff_id).limit(2)).all()
        _forget_tasks(session, staff_id)
        created = dt.datetime(2026, 11, 27, 1, 30, tzinfo=dt.UTC)
        for index, item in enumerate(tasks):
            closed = item["status"] is not TaskStatus.OPEN
            at = created.replace(second=int(item["second"]), microsecond=int(item["micro"]))  # type: ignore[call-overload]
            task = NewTask(
                client_id=clients[index % 2], staff_id=staff_id, kind=item["kind"], due_on=dt.date(2026, 11, 30),
                status=item["status"], origin=item["origin"], note=item["note"], created_at=at,
                closed_at=at + dt.timedelta(hours=1) if closed else None,
            )  # type: ignore[arg-type]  # fmt: skip
            session.add(TaskRow(**task.model_dump(exclude={"id"})))
    before = _tasks(demo_url, staff_id)
    path = tmp_path / f"tasks-{next(_names)}.{fmt}"
    assert export_list(desk(demo_url, "csm01"), ExportKind.TASKS, path, open_only=False) == len(tasks)
    with Session(engine) as session, session.begin():
        _forget_tasks(session, staff_id)
    report = import_file(desk(demo_url, "admin"), ImportKind.TASKS, path)
    assert (report.refused, report.rejected, report.duplicates) == ("", 0, 0), report.problems
    assert _tasks(demo_url, staff_id) == before
    engine.dispose()
