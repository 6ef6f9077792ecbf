"""A CSM's exported task list imports back as it was: in either language, from CSV or XLSX, notes with their
whitespace, creation times to the microsecond (tasks created in the same second stay apart). An export never
carries an ID, mobile, card or account number typed into a note (``mask_text``), so such a note comes back as
exported: masked, the rest of it as typed."""

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
from csm_tui.domain.masking import mask_text
from csm_tui.domain.models import NewTask
from csm_tui.i18n import LANGUAGES, catalog, current_language, set_language
from csm_tui.services.imports.columns import COLUMNS, ImportKind, match_headers
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.imports.run import import_file
from storage.engine import make_engine
from storage.orm import ClientRow, ContactRow, StaffRow, TaskRow
from tests.support.branch import open_desk
from tests.support.files import TASK_FIELDS, file_text

_names = itertools.count()
TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"), include_characters="\t\n "), max_size=40
)
DIGITS = st.text(st.sampled_from("0123456789"), min_size=11, max_size=19)  # as long as a mobile, an ID or a card
NOTE = st.one_of(TEXT, st.builds("{}{}{}".format, TEXT, DIGITS, TEXT))
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


# Found by hypothesis: fifteen digits read as a (first-generation) resident ID, masked in the export.
ID_LIKE = [
    {"kind": TaskKind.FOLLOW_UP, "status": TaskStatus.OPEN, "origin": TaskOrigin.MANUAL, "note": "000000000000000",
     "micro": 0, "second": 0},
]  # fmt: skip

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


def _add_tasks(url: str, tasks: list[dict[str, object]]) -> int:
    """csm01's task list, just ``tasks`` (on csm01's first two clients, in turn); csm01's id."""
    with Session(make_engine(url)) as session, session.begin():
        staff_id = session.scalar(select(StaffRow.id).where(StaffRow.login == "csm01"))
        assert staff_id is not None
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
    return staff_id


def _round_trip(url: str, tmp_path: Path, staff_id: int, count: int, fmt: str) -> Path:
    """Export csm01's task list, forget it, import the file back as the admin; the file."""
    path = tmp_path / f"tasks-{next(_names)}.{fmt}"
    assert export_list(open_desk(url, "csm01"), ExportKind.TASKS, path, open_only=False) == count
    with Session(make_engine(url)) as session, session.begin():
        _forget_tasks(session, staff_id)
    report = import_file(open_desk(url, "admin"), ImportKind.TASKS, path)
    assert (report.refused, report.rejected, report.duplicates) == ("", 0, 0), report.problems
    return path


def _as_exported(tasks: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The tasks as their export reads: every number in a note masked, nothing else changed."""
    masked = [(*t[:_NOTE], _masked(t[_NOTE]), *t[_NOTE + 1 :]) for t in tasks]
    return sorted(masked, key=repr)


def _masked(note: object) -> object:
    return mask_text(note) if isinstance(note, str) else note


_NOTE = TASK_FIELDS.index(TaskRow.note)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_note_holding_an_id_like_number_is_exported_masked_and_imports_back_masked(
    demo_url: str, tmp_path: Path, language: None, fmt: str
) -> None:
    notes = ["000000000000000", "客户身份证 11010519491231002X，手机 139 1234 5678，卡号 6222020200112233445"]
    tasks = [{**ID_LIKE[0], "note": note, "micro": n} for n, note in enumerate(notes)]
    staff_id = _add_tasks(demo_url, tasks)
    path = _round_trip(demo_url, tmp_path, staff_id, len(tasks), fmt)
    exported = file_text(path)
    masked = ["000000********0000", "客户身份证 110105********002X，手机 139****5678，卡号 6222***********3445"]
    assert [mask_text(note) for note in notes] == masked
    assert all(m in exported for m in masked)
    assert not [secret for secret in ("000000000000000", "19491231", "1234 5678", "02020011223") if secret in exported]
    assert sorted(str(t[_NOTE]) for t in _tasks(demo_url, staff_id)) == sorted(masked)


@settings(max_examples=20)
@example(tasks=ID_LIKE, lang="zh_CN", fmt="csv")
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
    """Every task comes back as it was, its note as the export wrote it: any ID, mobile or card number in it masked
    (the export's confidentiality rule), the rest as typed."""
    set_language(lang)
    staff_id = _add_tasks(demo_url, tasks)
    before = _tasks(demo_url, staff_id)
    _round_trip(demo_url, tmp_path, staff_id, len(tasks), fmt)
    assert _tasks(demo_url, staff_id) == _as_exported(before)
