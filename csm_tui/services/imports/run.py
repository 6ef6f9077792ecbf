"""Importing a file of the bank's data: read, validate every row, compare with the database, write what changed.

One file is one transaction: its good rows go in together, or (if the database fails) none do. A bad row is
reported with its line, column and reason in ``FILE.errors.csv`` beside the file and nothing of it is kept; rows
sharing a key (a client number, a product code, a client's day) are all refused as duplicates, since which one is
right cannot be known. Re-importing a file changes nothing. Only an admin imports.

Balances (one row per client, or per client account, per day; accounts add up to the client's day) extend the
clients' daily balances; each client in the file gets its point balance and 3-month daily average as of the
branch's data date, which moves forward to the file's last day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from csm_tui.domain.enums import Role
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import explain, t
from csm_tui.policy import AssignWithin, NewClients
from csm_tui.services.clients import average_window
from csm_tui.services.imports.assign import LeastLoaded
from csm_tui.services.imports.balances import ONE_DAY, assets, merge
from csm_tui.services.imports.cells import RowError
from csm_tui.services.imports.columns import COLUMNS, ImportKind, header_of, match_headers
from csm_tui.services.imports.model import Assets, Existing, Span, Update
from csm_tui.services.imports.records import BUILDERS, NEW_SUPERVISOR, Key, Lookups, Values
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.tabular import Table, read_table, write_table
from csm_tui.services.workstation import Workstation

Progress = Callable[[int, int], None]  # done, total
SECRET = frozenset({"resident_id", "mobile"})  # never copied into a report
SHOWN_PROBLEMS = 200  # kept in the report for the screen; the error file has them all
PROGRESS_EVERY = 2_000


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the whole file
    column: str
    reason: str
    value: str = ""


@dataclass
class ImportReport:
    kind: ImportKind
    path: Path
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    refused: str = ""  # why the whole file was refused (nothing imported)
    encoding: str = ""
    as_of: dt.date | None = None  # balances: the branch's data date after the import
    assigned: Counter[str] = field(default_factory=Counter)  # new clients given by the policy's rule, by CSM login
    unassigned: int = 0  # new clients the rule found no CSM for
    ignored: list[str] = field(default_factory=list)  # the file's headers no column of the kind matched
    errors_path: Path | None = None
    problems: list[Problem] = field(default_factory=list)


def summary(report: ImportReport) -> str:
    """What an import did (or, dry, would do), in one line of the user's language."""
    text = t(
        "import.summary", kind=t(f"import.kind.{report.kind.value}"), rows=report.rows, new=report.new,
        updated=report.updated, unchanged=report.unchanged, rejected=report.rejected, duplicates=report.duplicates,
    )  # fmt: skip
    if report.as_of is not None:
        text += " " + t("import.as_of", day=report.as_of.isoformat())
    if report.assigned:
        detail = "、".join(f"{login} {count}" for login, count in sorted(report.assigned.items()))
        text += " " + t("import_assign.assigned", count=report.assigned.total(), detail=detail)
    if report.unassigned:
        text += " " + t("import_assign.unassigned", count=report.unassigned)
    if report.ignored:
        text += " " + t("import_check.ignored", columns="、".join(report.ignored))
    return t("import.dry_run", summary=text) if report.dry_run else text


def errors_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.errors.csv")


def require_admin(ws: Workstation) -> None:
    if ws.staff.role is not Role.ADMIN:
        raise AccessDenied("import")


def import_file(
    ws: Workstation,
    kind: ImportKind,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` (or, with ``dry_run``, only say what it would change); the report says what happened."""
    require_admin(ws)
    report = ImportReport(kind, path, dry_run)
    try:
        table = read_table(path, encoding)
        columns = match_headers(kind, table.headers, mapping)
    except DomainError as exc:
        report.refused = explain(exc)
        report.problems = [Problem(None, "", report.refused)]
        _write_errors(report, report.problems)
        return report
    report.encoding = table.encoding
    report.rows = len(table.rows)
    report.ignored = [h for i, h in enumerate(table.headers) if h and i not in columns.values()]
    job = _Job(ws, kind, table, columns, report, progress or (lambda _done, _total: None))
    with ws.uow(write=not dry_run) as tx:
        job.run(tx)
        if not dry_run:
            tx.audit.record(
                "import", kind.value, "", file=path.name, sha256=table.digest, rows=report.rows, new=report.new,
                updated=report.updated, unchanged=report.unchanged, rejected=report.rejected,
                as_of=report.as_of.isoformat() if report.as_of else None, assigned=report.assigned.total(),
            )  # fmt: skip
            tx.commit()
    _write_errors(report, job.problems)
    return report


def _write_errors(report: ImportReport, problems: list[Problem]) -> None:
    """The error file beside the input, every problem in line order; a stale one from an earlier run goes."""
    target = errors_path(report.path)
    report.problems = problems[:SHOWN_PROBLEMS]
    if not problems:
        with contextlib.suppress(OSError):  # a read-only folder holds no error file of ours
            target.unlink(missing_ok=True)
        return
    headers = [t("import_report.line"), t("import_report.column"), t("import_report.reason"), t("import_report.value")]
    ordered = sorted(problems, key=lambda p: (p.line or 0, p.column))
    rows = [("" if p.line is None else p.line, p.column, p.reason, p.value) for p in ordered]
    try:
        write_table(headers, rows, target)
    except OSError:
        return  # the input's folder is read-only: the report still lists the problems
    report.errors_path = target


class _Job:
    """One file's import inside one unit of work."""

    def __init__(
        self,
        ws: Workstation,
        kind: ImportKind,
        table: Table,
        columns: dict[str, int],
        report: ImportReport,
        progress: Progress,
    ) -> None:
        self.ws, self.kind, self.table, self.columns, self.report = ws, kind, table, columns, report
        self.total = max(1, 2 * len(table.rows))
        self.done = 0
        self._progress = progress
        self.problems: list[Problem] = []
        self.bad_lines: set[int] = set()
        self.duplicate_lines: set[int] = set()

    def advance(self, rows: int) -> None:
        before = self.done // PROGRESS_EVERY
        self.done = min(self.total, self.done + rows)
        if self.done // PROGRESS_EVERY != before or self.done == self.total:
            self._progress(self.done, self.total)

    def refuse(self, line: int, field: str, reason: str, cells: list[str] | None = None) -> None:
        index = self.columns.get(field)
        column = self.table.headers[index] if index is not None else header_of(field) if field else ""
        value = ""
        if cells is not None and index is not None and index < len(cells) and field not in SECRET:
            value = cells[index][:100]
        self.problems.append(Problem(line, column, reason, value))
        self.bad_lines.add(line)

    def run(self, tx: UnitOfWork) -> None:
        store = tx.imports
        lookups = Lookups(
            tz=self.ws.policy.calendar.tz,
            now=self.ws.time.now().datetime,
            today=self.ws.time.today(),
            staff=store.staff(),
            outlets=store.codes("outlets"),
            clients=store.codes("clients") if self.kind is not ImportKind.CLIENTS else {},
            products=store.codes("products") if self.kind is ImportKind.HOLDINGS else {},
            file_logins=self._file_logins(),
        )
        records = self.validate(lookups)
        if self.kind is ImportKind.BALANCES:
            self.balances(tx, records)
        else:
            self.rows(tx, records)
        self.report.rejected = len(self.bad_lines)
        self.report.duplicates = len(self.duplicate_lines)
        self._progress(self.total, self.total)

    def validate(self, lookups: Lookups) -> dict[Key, tuple[int, Values]]:
        """Each row through its kind's builder; then every row sharing a key with another is refused."""
        build = BUILDERS[self.kind]
        required = [c.field for c in COLUMNS[self.kind] if c.required]
        built: list[tuple[int, Key, Values]] = []
        for line, cells in self.table.rows:
            row = {f: cells[i] if i < len(cells) else "" for f, i in self.columns.items()}
            blank = next((f for f in required if not row[f]), None)
            try:
                if blank is not None:
                    raise RowError(blank, t("import_error.required"))
                key, values = build(row, lookups)
            except RowError as exc:
                self.refuse(line, exc.field, exc.reason, cells)
            else:
                built.append((line, key, values))
            self.advance(1)
        lines: dict[Key, list[int]] = defaultdict(list)
        for line, key, _values in built:
            lines[key].append(line)
        if self.kind is ImportKind.CLIENTS:
            self._same_resident_id(built)
        records: dict[Key, tuple[int, Values]] = {}
        key_field = COLUMNS[self.kind][0].field
        for line, key, values in built:
            if line in self.bad_lines:
                continue
            if len(lines[key]) > 1:
                self.duplicate_lines.add(line)
                others = ", ".join(str(n) for n in lines[key] if n != line)
                self.refuse(line, key_field, t("import_error.duplicate", lines=others))
            else:
                records[key] = (line, values)
        return records

    def _same_resident_id(self, built: list[tuple[int, Key, Values]]) -> None:
        by_id: dict[str, set[Key]] = defaultdict(set)
        for _line, key, values in built:
            by_id[values["resident_id"]].add(key)
        for line, _key, values in built:
            if len(by_id[values["resident_id"]]) > 1:
                self.duplicate_lines.add(line)
                self.refuse(line, "resident_id", t("import_error.duplicate_id"))

    def _file_logins(self) -> frozenset[str]:
        index = self.columns.get("login") if self.kind is ImportKind.STAFF else None
        if index is None:
            return frozenset()
        return frozenset(cells[index] for _line, cells in self.table.rows if index < len(cells) and cells[index])

    def rows(self, tx: UnitOfWork, records: dict[Key, tuple[int, Values]]) -> None:
        existing = tx.imports.existing(self.kind)
        if self.kind is ImportKind.CLIENTS:
            records = self._free_resident_ids(records, existing)
        waves = self._staff_waves(records) if self.kind is ImportKind.STAFF else [records]
        staff: dict[str, int] = {}
        for wave in waves:
            ready = {key: (line, _with_supervisor(values, staff)) for key, (line, values) in wave.items()}
            inserts, updates = plan(ready, existing)
            if self.kind is ImportKind.CLIENTS:
                self._assign(tx, inserts, updates)
            self.report.new += len(inserts)
            self.report.updated += len(updates)
            self.report.unchanged += len(ready) - len(inserts) - len(updates)
            if not self.report.dry_run:
                tx.imports.write(self.kind, inserts, updates, self.advance)
                staff = {login: ref.id for login, ref in tx.imports.staff().items()}

    def _assign(self, tx: UnitOfWork, inserts: list[Values], updates: list[Update]) -> None:
        """New clients the file gives no manager go to a CSM by the policy's rule. A CSM's load counts the clients
        the file gives and takes by its manager column, and those given by the rule before."""
        rule = self.ws.policy.assignment
        unmanaged = [values for values in inserts if values.get("manager_id") is None]
        if rule.new_clients is NewClients.UNASSIGNED or not unmanaged:
            return
        loads = Counter(tx.imports.loads())
        moves = [(None, v.get("manager_id")) for v in inserts] + [
            u.changes.get("manager_id", (None, None)) for u in updates
        ]
        for old, new in moves:
            if old is not None:
                loads[old] -= 1
            if new is not None:
                loads[new] += 1
        chooser = LeastLoaded(tx.imports.staff(), loads, by_outlet=rule.within is AssignWithin.OUTLET)
        for values in unmanaged:
            chosen = chooser.choose(values.get("outlet_id", self.ws.staff.outlet_id))
            if chosen is None:
                self.report.unassigned += 1
                continue
            login, ref = chosen
            values["manager_id"] = ref.id
            values.setdefault("outlet_id", ref.outlet_id)
            self.report.assigned[login] += 1

    def _staff_waves(self, records: dict[Key, tuple[int, Values]]) -> list[dict[Key, tuple[int, Values]]]:
        """A staff file's rows in the order they can be written: a row whose supervisor is new in the file comes
        after the supervisor's. A row whose new supervisor is refused (or waits, in a circle, on this row) is
        refused too."""
        kept = dict(records)
        refused = True
        while refused:
            refused = False
            for key, (line, values) in list(kept.items()):
                login = values.get(NEW_SUPERVISOR)
                if login is not None and (login not in kept or kept[login][1].get("active") is False):
                    self.refuse(line, "supervisor", t("import_error.unknown_staff", value=login))
                    del kept[key]
                    refused = True
        waves = []
        while kept:
            wave = {k: v for k, v in kept.items() if v[1].get(NEW_SUPERVISOR) not in kept}
            if not wave:
                for line, values in kept.values():
                    self.refuse(line, "supervisor", t("import_check.supervisor_cycle", value=values[NEW_SUPERVISOR]))
                break
            waves.append(wave)
            kept = {k: v for k, v in kept.items() if k not in wave}
        return waves

    def _free_resident_ids(
        self, records: dict[Key, tuple[int, Values]], existing: dict[Any, Existing]
    ) -> dict[Key, tuple[int, Values]]:
        """Refuse a row whose ID number is already another client's."""
        owner = {e.values["resident_id"]: number for number, e in existing.items()}
        kept = {}
        for key, (line, values) in records.items():
            if owner.get(values["resident_id"], key) != key:
                self.refuse(line, "resident_id", t("import_error.id_taken"))
            else:
                kept[key] = (line, values)
        return kept

    def balances(self, tx: UnitOfWork, records: dict[Key, tuple[int, Values]]) -> None:
        days: dict[int, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for _line, values in records.values():
            days[values["client_id"]][values["day"]] += values["balance"]
        if not days:
            return
        if not self.report.dry_run:
            tx.imports.lock_balances()  # before anything is read: another import's days are all in, or none
        first = min(min(d) for d in days.values())
        last = max(max(d) for d in days.values())
        current = tx.views.data_as_of()
        as_of = last if current is None or last > current else current
        window = average_window(as_of)
        held = tx.imports.spans(set(days), min(window[0], first - ONE_DAY), max(last + ONE_DAY, as_of))
        delete: list[Span] = []
        insert: list[Span] = []
        figures: list[Assets] = []
        counts: Counter[str] = Counter()
        changed: dict[int, int] = {}
        for client_id, client_days in days.items():
            spans = held.get(client_id, [])
            change = merge(client_id, spans, client_days)
            counts.update(new=change.new, updated=change.updated, unchanged=change.unchanged)
            if change.updated:
                changed[client_id] = change.updated
            delete += change.delete
            insert += change.insert
            gone = {s.id for s in change.delete}
            figures.append(assets(client_id, [s for s in spans if s.id not in gone] + change.insert, window))
        self.report.new, self.report.updated = counts["new"], counts["updated"]
        self.report.unchanged = counts["unchanged"]
        self.report.as_of = as_of
        if self.report.dry_run:
            return
        tx.imports.replace_spans(delete, insert, self.advance)
        tx.imports.set_assets(figures)
        for client_id, updated_days in changed.items():
            tx.audit.record("import.update", "balance_spans", str(client_id), days=updated_days)
        if as_of != current:
            tx.meta.set("data_as_of", as_of.isoformat())


def _with_supervisor(values: Values, staff: dict[str, int]) -> Values:
    """A staff row whose supervisor is new in the file, with the supervisor's id once written (a dry run writes
    nothing: the login stands for the id no row has yet)."""
    login = values.get(NEW_SUPERVISOR)
    if login is None:
        return values
    return {**{k: v for k, v in values.items() if k != NEW_SUPERVISOR}, "supervisor_id": staff.get(login, login)}


def plan(records: dict[Key, tuple[int, Values]], existing: dict[Any, Existing]) -> tuple[list[Values], list[Update]]:
    """New rows to insert, and the changed fields of rows the database holds already (pure)."""
    inserts: list[Values] = []
    updates: list[Update] = []
    for key, (_line, values) in records.items():
        found = existing.get(key)
        if found is None:
            inserts.append(values)
            continue
        changes = {f: (found.values[f], v) for f, v in values.items() if found.values.get(f) != v}
        if changes:
            updates.append(Update(found.id, changes))
    return inserts, updates
