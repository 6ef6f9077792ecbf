"""No tipping off, from the hostile side: on the demo branch (every kind of data: queues, events, prospects, scores,
leave, referrals), csm01 files suspicion reports on a client of hers, one decided by her supervisor, one kept with a
phrase the check found. Then every staff member of every role — the author and her supervisor (the reviewer)
included — goes through every read model and export the app has, and nothing of the reports comes out: not their
text, the decision's reason, what was seen, the phrase's reason, nor that a report exists. While they read, no SQL
statement names the reports' table; and no other table of the database holds a word of the reports (the audit log's
details decoded, where SQLite escapes the words)."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event, select, text

from csm_tui.clock import FrozenClock
from csm_tui.domain.enums import AmlSign, AmlStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Staff
from csm_tui.i18n import t
from csm_tui.policy import Measure
from csm_tui.services.calls.appointments import agenda
from csm_tui.services.calls.preparation import prepare
from csm_tui.services.calls.queue import sms_due, today_queue
from csm_tui.services.checklist.day_list import load_list, team_lists
from csm_tui.services.checklist.shelf import load_shelf
from csm_tui.services.clients import aml, client_detail, households, referrals
from csm_tui.services.clients.finding import clients_in_focus, find_clients, look_up_number, lookup_alerts
from csm_tui.services.events import day, prospects, results
from csm_tui.services.imports import data_state
from csm_tui.services.imports.exports import ExportKind, export_list
from csm_tui.services.leave import away_today, upcoming
from csm_tui.services.phrase_check import ForbiddenPhrases, PhrasesConfirmed
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import ClientFocus
from csm_tui.services.scoreboard.quarter_scores import Quarter, csm_view, records, team_table
from csm_tui.services.scoreboard.team_export import export_team
from csm_tui.services.selling.assessments_due import assessments_due
from csm_tui.services.selling.attempts import context
from csm_tui.services.tabular import TableFormat
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from storage.orm import Base
from storage.uow import SqlUnitOfWorkFactory
from tests.support.branch import workstation
from tests.support.clock import FROZEN_AT

TZ = "Asia/Shanghai"
SEEN = "夜里十一点带三个陌生人来开卡代办转账"  # the report's words
REASON = "已报送人行反洗钱监测中心编号甲乙丙"  # the reviewer's reason
PHRASE_TEXT = "客户说这笔钱稳赚，来自境外亲属分拆汇入"
PHRASE_REASON = "客户原话照录地下钱庄线索"  # the CSM's reason to keep a phrase the check found
WORDS = (SEEN, REASON, PHRASE_TEXT, PHRASE_REASON, "境外亲属分拆", "地下钱庄")
LOGINS = ("csm01", "csm02", "csm03", "sup01", "sup02", "admin", "wm01", "lobby01", "teller01")
# Every module that writes an export (through ``file_exports.write_export``): each is exercised below.
EXPORTERS = {
    "csm_tui/services/imports/exports.py",
    "csm_tui/services/scoreboard/team_export.py",
    "csm_tui/services/events/results.py",
}


class Demo:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.factory = SqlUnitOfWorkFactory(self.engine, FrozenClock(FROZEN_AT))
        with self.factory() as tx:
            self.staff: dict[str, Staff] = {}
            for login in LOGINS:
                found = tx.staff.by_login(login)
                assert found is not None, login
                self.staff[login] = found
            row = tx.views.clients(self.staff["csm01"].id, "", 1)[0]
            self.client_id, self.client_name = row.id, row.name
            self.mobile = tx.clients.get(row.id).mobile

    def ws(self, login: str) -> Workstation:
        return workstation(self.factory, self.staff[login])


@pytest.fixture
def demo(demo_url: str) -> Iterator[Demo]:
    branch = Demo(demo_url)
    author, reviewer = branch.ws("csm01"), branch.ws("sup01")
    already = len(aml.to_review(reviewer))  # the demo's own reports
    decided = aml.file_report(author, branch.client_id, (AmlSign.THIRD_PARTY, AmlSign.BEHAVIOUR), SEEN)
    aml.decide(reviewer, decided.id, AmlStatus.REPORTED, REASON)
    with pytest.raises(ForbiddenPhrases):
        aml.file_report(author, branch.client_id, (AmlSign.UNCLEAR_FUNDS,), PHRASE_TEXT)
    confirmed = PhrasesConfirmed(frozenset({"稳赚"}), PHRASE_REASON)
    aml.file_report(author, branch.client_id, (AmlSign.UNCLEAR_FUNDS,), PHRASE_TEXT, confirmed)
    assert len(aml.to_review(reviewer)) == already + 2  # the reports are there, for their reviewer
    yield branch
    branch.engine.dispose()


def traces() -> tuple[str, ...]:
    """What would betray a report: its words, and what was seen and its state in either language."""
    found = list(WORDS)
    for sign in AmlSign:
        found += [sign.value, t(f"aml_sign.{sign.value}")]
    return (*found, "aml", t("aml.title"), t("aml_status.reported"), t("aml_status.open"))


def read_models(demo: Demo, ws: Workstation) -> list[tuple[str, Callable[[], Any]]]:
    """Every read of the app a staff member may ask for (the screens read through these), on the report's client
    where one is named."""
    client, today = demo.client_id, ws.time.today()
    quarter = Quarter.of(today)
    since = ws.time.now().shift(days=-30).datetime
    author = demo.staff["csm01"].id
    events = _quiet(lambda: results.around(ws, 400, 400)) or []
    return [
        ("queue", lambda: today_queue(ws)),
        ("sms due", lambda: sms_due(ws)),
        ("client list", lambda: find_clients(ws, "")),
        ("search by name", lambda: find_clients(ws, demo.client_name)),
        ("look up by mobile", lambda: look_up_number(ws, demo.mobile)),
        ("look-up alerts", lambda: lookup_alerts(ws)),
        *[(f"focus {f}", lambda f=f: clients_in_focus(ws, f)) for f in ClientFocus],
        ("client page", lambda: client_detail.load(ws, client)),
        ("household", lambda: households.household(ws, client)),
        ("call card", lambda: prepare(ws, client)),
        ("sale context", lambda: context(ws, client)),
        ("assessments due", lambda: assessments_due(ws)),
        ("checklist", lambda: load_list(ws)),
        ("team checklists", lambda: team_lists(ws, today)),
        ("shelf", lambda: load_shelf(ws)),
        ("agenda", lambda: agenda(ws, today)),
        ("referrals", lambda: referrals.mine(ws)),
        ("walk-ins", lambda: referrals.walk_ins_since(ws, since)),
        ("walk-in search", lambda: referrals.find_walk_in(ws, demo.client_name)),
        ("scoreboard", lambda: csm_view(ws)),
        ("author's scoreboard", lambda: csm_view(ws, staff_id=author)),
        ("team scores", lambda: team_table(ws)),
        *[(f"records {m}", lambda m=m: records(ws, author, m, quarter)) for m in Measure],
        ("events", lambda: events),
        *[(f"event {e.id}", lambda e=e: results.results(ws, e.id)) for e in events],
        *[(f"door list {e.id}", lambda e=e: day.door_list(ws, e.id)) for e in events],
        ("prospects", lambda: prospects.mine(ws)),
        ("leave", lambda: upcoming(ws, ws.staff.id)),
        ("away today", lambda: away_today(ws)),
        ("data state", lambda: data_state.load(ws)),
    ]


def exports(demo: Demo, ws: Workstation, folder: Path) -> list[tuple[str, Callable[[], Any]]]:
    events = _quiet(lambda: results.around(ws, 400, 400)) or []
    return [
        *[
            (f"export {kind} {fmt}", lambda kind=kind, fmt=fmt: export_list(
                ws, kind, folder / f"{kind}-{fmt}.{fmt}", fmt=fmt, open_only=False, days=400
            ))
            for kind in ExportKind
            for fmt in TableFormat
        ],
        ("export team", lambda: export_team(ws, folder / "team.xlsx")),
        ("export team year", lambda: export_team(ws, folder / "team-year.xlsx", year=True)),
        *[
            (f"export event {e.id}", lambda e=e: results.export_results(ws, e.id, folder / f"event-{e.id}.xlsx"))
            for e in events
        ],
    ]  # fmt: skip


def _quiet(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except (AccessDenied, DomainError, LookupError):
        return None


def file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return " ".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row)
    return path.read_text(encoding="utf-8-sig")


def words_of(value: object) -> str:
    """A stored value as words: JSON text decoded (SQLite keeps the audit's details as JSON, its CJK escaped)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def test_no_read_model_or_export_of_any_role_shows_anything_of_a_report(demo: Demo, tmp_path: Path) -> None:
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(demo.engine, "before_cursor_execute", seen)
    shown: dict[str, str] = {}
    read = 0
    try:
        for login in LOGINS:
            ws = demo.ws(login)
            folder = tmp_path / login
            folder.mkdir()
            for name, call in [*read_models(demo, ws), *exports(demo, ws, folder)]:
                try:
                    shown[f"{login}: {name}"] = repr(call())
                    read += 1
                except (AccessDenied, DomainError, LookupError) as refused:  # not theirs to read
                    shown[f"{login}: {name}"] = repr(refused)
            for written in folder.iterdir():
                shown[f"{login}: {written.name}"] = file_text(written)
    finally:
        event.remove(demo.engine, "before_cursor_execute", seen)
    refused = {k for k, v in shown.items() if v.startswith(("AccessDenied", "DomainError", "LookupError"))}
    must_run = [
        *(f"csm01: {n}" for n in ("client page", "call card", "queue", "search by name", "sale context")),
        *(f"{who}: export {k} {f}" for who in ("csm01", "sup01", "admin") for k in ExportKind for f in TableFormat),
        *(f"{who}: {n}" for who in ("sup01", "admin") for n in ("client page", "team scores", "export team")),
        "admin: data state",
    ]
    assert [name for name in must_run if name in refused or name not in shown] == []
    assert read > 250, read
    assert any(name.endswith(".xlsx") for name in shown) and any(name.endswith(".csv") for name in shown)
    leaks = [(where, trace) for where, blob in shown.items() for trace in traces() if trace in blob]
    assert leaks == [], leaks[:10]
    assert [s for s in statements if "aml_reports" in s] == []


def test_no_other_table_holds_a_word_of_a_report(demo: Demo) -> None:
    """Whatever a later read model might join, the words are in the reports' table only: not in a task, a note, a
    contact, a search index nor the audit log (decoded)."""
    with demo.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "aml_reports":
                continue
            for row in conn.execute(select(table)):
                blob = " ".join(words_of(v) for v in row)
                for word in WORDS:
                    assert word not in blob, (table.name, word)
        held = conn.execute(text("SELECT text, decision_reason FROM aml_reports")).all()
        assert {SEEN, PHRASE_TEXT} <= {r.text for r in held} and REASON in {r.decision_reason for r in held}


def test_every_export_of_the_app_is_among_those_searched() -> None:
    """A new export (a module calling ``write_export``) must join the search above before it ships."""
    root = Path(__file__).resolve().parents[2]
    callers = set()
    for path in (root / "csm_tui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "write_export"
            ):
                callers.add(str(path.relative_to(root)))
    assert callers == EXPORTERS
