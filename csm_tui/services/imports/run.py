"""Importing a file of the bank's data: read, validate every row, compare with the database, write what changed.

One file is one transaction: its good rows go in together, or (if the database fails) none do. The file is read,
checked and (balances) staged before that transaction begins, so the database is write-locked only while the
checked rows are compared and written; what the rows were checked against (staff, outlets, clients, products) is
checked again inside it. A bad row is reported with its line, column and reason in ``FILE.errors.csv`` beside the
file (written from a stage on disk, ``problems``, in line order) and nothing of it is kept; rows
sharing a key (a client number, a product code, a client's day) are all refused as duplicates, since which one is
right cannot be known. Re-importing a file changes nothing. Only an admin imports.

Balances (one row per client, or per client account, per day; accounts add up to the client's day) extend the
clients' daily balances; each client in the file gets its point balance and 3-month daily average as of the
branch's data date, which moves forward to the file's last day.

The file is read row by row. Other kinds keep their checked rows until the file is read (a branch's clients are a
few hundred thousand at most); a balances file (six months of a branch's clients are millions of rows) goes row by
row onto a disk stage sorted by client (``staging``), then is merged and written a batch of clients at a time, so
its memory does not grow with its length.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from csm_tui.domain.enums import Role, TaskKind, TaskOrigin
from csm_tui.domain.errors import DomainError
from csm_tui.domain.masking import mask_text
from csm_tui.i18n import explain, listed, t
from csm_tui.policy import AssignWithin, NewClients
from csm_tui.rules.tiers import average_window
from csm_tui.services.imports import scratch
from csm_tui.services.imports.assign import LeastLoaded
from csm_tui.services.imports.balances import ONE_DAY, assets, merge
from csm_tui.services.imports.cell_values import RowError
from csm_tui.services.imports.columns import COLUMNS, ImportKind, header_of, match_headers
from csm_tui.services.imports.model import Assets, Existing, Span, Update
from csm_tui.services.imports.problems import Problem, ProblemLog
from csm_tui.services.imports.records import BUILDERS, NEW_SUPERVISOR, Key, Lookups, Values
from csm_tui.services.imports.staging import BalanceStage, Staged
from csm_tui.services.ports import AccessDenied, ImportStore, UnitOfWork
from csm_tui.services.rows import DATA_PREVIOUS_AS_OF
from csm_tui.services.tabular import TableStream, open_table, write_table
from csm_tui.services.workstation import Workstation

Progress = Callable[[int, int], None]  # done, total
SECRET = frozenset({"resident_id", "mobile"})  # never copied into a report
SHOWN_PROBLEMS = 200  # kept in the report for the screen; the error file has them all
PROGRESS_EVERY = 2_000  # rows read between two looks at how far through the file they are
STEPS = 1_000  # of the progress bar
STAGE_BATCH = 10_000  # balance rows put on the stage at once
CLIENTS_PER_BATCH = 1_000  # clients whose balances are merged and written at once
T = TypeVar("T")


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
        detail = listed(f"{login} {count}" for login, count in sorted(report.assigned.items()))
        text += " " + t("import_assign.assigned", count=report.assigned.total(), detail=detail)
    if report.unassigned:
        text += " " + t("import_assign.unassigned", count=report.unassigned)
    if report.ignored:
        text += " " + t("import_check.ignored", columns=listed(report.ignored))
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
        with ProblemLog() as problems, open_table(path, encoding) as table:
            columns = match_headers(kind, table.headers, mapping)
            report.encoding = table.encoding
            report.ignored = [h for i, h in enumerate(table.headers) if h and i not in columns.values()]
            meter = _Meter(progress or (lambda _done, _total: None))
            _Job(ws, kind, table, columns, report, meter, problems).run()
            with contextlib.suppress(*scratch.ERRORS):  # the import is done: a failure now loses only the list
                report.problems = list(problems.ordered(SHOWN_PROBLEMS))
                _write_errors(report, problems.ordered())
    except (DomainError, *scratch.ERRORS) as exc:  # the file cannot be read as a table (found at its start, or
        # part way), or the scratch files failed (a full temporary folder): nothing is kept
        error = exc if isinstance(exc, DomainError) else scratch.failure(exc)
        refused = ImportReport(kind, path, dry_run, encoding=report.encoding, refused=explain(error))
        refused.problems = [Problem(None, "", refused.refused)]
        _write_errors(refused, refused.problems)
        return refused
    return report


def _write_errors(report: ImportReport, problems: Iterable[Problem]) -> None:
    """The error file beside the input, the problems as given (in line order); a stale one from an earlier run goes."""
    target = errors_path(report.path)
    with contextlib.suppress(OSError):  # a read-only folder holds no error file of ours
        target.unlink(missing_ok=True)
    if not report.problems:
        return
    headers = [t("import_report.line"), t("import_report.column"), t("import_report.reason"), t("import_report.value")]
    rows = (("" if p.line is None else p.line, p.column, p.reason, p.value) for p in problems)
    try:
        write_table(headers, rows, target)
    except (OSError, *scratch.ERRORS):
        return  # the input's folder is read-only (or the scratch file failed): the report still lists the problems
    report.errors_path = target


class _Meter:
    """Progress through an import in ``STEPS``: the first half reading and checking the file, the second writing."""

    def __init__(self, show: Progress) -> None:
        self._show = show
        self._step = -1

    def reading(self, fraction: float | None) -> None:
        """How far through the file the rows read are; None: not known (the bar stays until the writing starts)."""
        if fraction is not None:
            self._to(int(fraction * STEPS / 2))

    def writing(self, total: int) -> Callable[[int], None]:
        """A counter of the rows written, out of ``total``."""
        done = 0

        def advance(rows: int) -> None:
            nonlocal done
            done += rows
            self._to(STEPS // 2 + STEPS * min(done, total) // max(1, 2 * total))

        return advance

    def finish(self) -> None:
        self._to(STEPS)

    def _to(self, step: int) -> None:
        if step > self._step:
            self._step = step
            self._show(step, STEPS)


class _Job:
    """One file's import inside one unit of work."""

    def __init__(
        self,
        ws: Workstation,
        kind: ImportKind,
        table: TableStream,
        columns: dict[str, int],
        report: ImportReport,
        meter: _Meter,
        problems: ProblemLog,
    ) -> None:
        self.ws, self.kind, self.table, self.columns, self.report = ws, kind, table, columns, report
        self.meter = meter
        self.problems = problems

    def refuse(
        self, line: int, field: str, reason: str, cells: list[str] | None = None, *, duplicate: bool = False
    ) -> None:
        index = self.columns.get(field)
        column = self.table.headers[index] if index is not None else header_of(field) if field else ""
        value = ""
        if cells is not None and index is not None and index < len(cells) and field not in SECRET:
            value = mask_text(cells[index])[:100]  # an ID or mobile typed in another column (an address) too
        self.problems.add(Problem(line, column, mask_text(reason), value), duplicate=duplicate)

    def run(self) -> None:
        """Read and check the file (balances: onto the stage) outside any write; then compare and write in one
        transaction."""
        with self.ws.uow() as tx:
            lookups = self.lookups(tx.imports)
        if self.kind is ImportKind.BALANCES:
            with BalanceStage() as stage:
                days = self._stage(stage, lookups)
                self.write(lookups, lambda tx: self.balances(tx, stage, days))
        else:
            records = self.validate(lookups)
            self.write(lookups, lambda tx: self.rows(tx, records))
        self.meter.finish()

    def lookups(self, store: ImportStore) -> Lookups:
        return Lookups(
            tz=self.ws.policy.calendar.tz,
            now=self.ws.time.now().datetime,
            today=self.ws.time.today(),
            staff=store.staff(),
            outlets=store.codes("outlets"),
            clients=store.codes("clients") if self.kind is not ImportKind.CLIENTS else {},
            products=store.codes("products") if self.kind is ImportKind.HOLDINGS else {},
            phrases=self.ws.policy.compliance.forbidden_phrases,
            resident_ids=store.resident_ids() if self.kind is ImportKind.HOUSEHOLDS else {},
            policy=self.ws.policy,
        )

    def write(self, lookups: Lookups, step: Callable[[UnitOfWork], None]) -> None:
        """``step`` (the compare and write) in one unit of work, with the audit entry; refused (``DomainError``) if
        what the rows were checked against changed while the file was read."""
        digest = self.table.digest()  # the rest of a workbook is hashed before the database is locked
        with self.ws.uow(write=not self.report.dry_run) as tx:
            if not self.report.dry_run:
                _still_holds(lookups, self.lookups(tx.imports))
            step(tx)
            self.report.rejected = self.problems.rejected
            self.report.duplicates = self.problems.duplicates
            if not self.report.dry_run:
                report = self.report
                tx.audit.record(
                    "import", self.kind.value, "", file=report.path.name, sha256=digest, rows=report.rows,
                    new=report.new, updated=report.updated, unchanged=report.unchanged, rejected=report.rejected,
                    as_of=report.as_of.isoformat() if report.as_of else None, assigned=report.assigned.total(),
                )  # fmt: skip
                tx.commit()

    def built(self, lookups: Lookups) -> Iterator[tuple[int, Key, Values]]:
        """Each row of the file as read, through its kind's builder: the good ones' line, key and values."""
        build = BUILDERS[self.kind]
        required = [c.field for c in COLUMNS[self.kind] if c.required]
        verbatim = {c.field for c in COLUMNS[self.kind] if c.verbatim}
        columns = [(f, i, f in verbatim) for f, i in self.columns.items()]
        undecodable = t("import_stream.undecodable", encoding=self.table.encoding_name)
        for line, cells, decoded in self.table.rows:
            self.report.rows += 1
            if self.report.rows % PROGRESS_EVERY == 0:
                self.meter.reading(self.table.read)
            if not decoded:
                self.refuse(line, "", undecodable)
                continue
            row = {f: "" if i >= len(cells) else cells[i] if keep else cells[i].strip() for f, i, keep in columns}
            blank = next((f for f in required if not row[f]), None)
            try:
                if blank is not None:
                    raise RowError(blank, t("import_error.required"))
                key, values = build(row, lookups)
            except RowError as exc:
                self.refuse(line, exc.field, exc.reason, cells)
            else:
                yield line, key, values
        self.meter.reading(1.0)

    def validate(self, lookups: Lookups) -> dict[Key, tuple[int, Values]]:
        """The file's good rows by key; every row sharing a key with another is refused."""
        built = list(self.built(lookups))
        lines: dict[Key, list[int]] = defaultdict(list)
        for line, key, _values in built:
            lines[key].append(line)
        refused = self._same_resident_id(built) if self.kind is ImportKind.CLIENTS else set()
        records: dict[Key, tuple[int, Values]] = {}
        key_field = COLUMNS[self.kind][0].field
        for line, key, values in built:
            if line in refused:
                continue
            if len(lines[key]) > 1:
                self.duplicate(line, key_field, [n for n in lines[key] if n != line])
            else:
                records[key] = (line, values)
        return records

    def duplicate(self, line: int, field: str, others: list[int]) -> None:
        reason = t("import_error.duplicate", lines=listed(str(n) for n in others))
        self.refuse(line, field, reason, duplicate=True)

    def _same_resident_id(self, built: list[tuple[int, Key, Values]]) -> set[int]:
        """Refuse the rows of different clients with one ID number; their lines."""
        by_id: dict[str, set[Key]] = defaultdict(set)
        for _line, key, values in built:
            by_id[values["resident_id"]].add(key)
        refused = set()
        for line, _key, values in built:
            if len(by_id[values["resident_id"]]) > 1:
                refused.add(line)
                self.refuse(line, "resident_id", t("import_error.duplicate_id"), duplicate=True)
        return refused

    def rows(self, tx: UnitOfWork, records: dict[Key, tuple[int, Values]]) -> None:
        existing = tx.imports.existing(self.kind)
        if self.kind is ImportKind.CLIENTS:
            records = self._free_resident_ids(records, existing)
            records = self._one_wode_book(tx, records, existing)
        waves = self._staff_waves(records) if self.kind is ImportKind.STAFF else [records]
        staff: dict[str, int] = {}
        advance = self.meter.writing(len(records))
        for wave in waves:
            ready = {key: (line, _with_supervisor(values, staff)) for key, (line, values) in wave.items()}
            if self.kind is ImportKind.TASKS:
                ready = self._contacted_kept(tx, self._no_event_calls(tx, ready, existing), existing)
            inserts, updates = plan(ready, existing)
            if self.kind is ImportKind.CLIENTS:
                self._assign(tx, inserts, updates)
            self.report.new += len(inserts)
            self.report.updated += len(updates)
            self.report.unchanged += len(ready) - len(inserts) - len(updates)
            if not self.report.dry_run:
                tx.imports.write(self.kind, inserts, updates, advance)
                staff = {login: ref.id for login, ref in tx.imports.staff().items()}

    def _one_wode_book(
        self, tx: UnitOfWork, records: dict[Key, tuple[int, Values]], existing: dict[Any, Existing]
    ) -> dict[Key, tuple[int, Values]]:
        """A client is in one 沃德 client manager's book at a time: a row giving a client to a 沃德 client manager
        while another holds them by an accepted 沃德 referral is refused, naming the holder. The clients so given are
        held first (``clients.lock``, in id order), as accepting a 沃德 referral holds its client: an acceptance on a
        desk meanwhile comes before the holders are read or after the import, and is then refused for the manager
        the file gave (``ReferralRepository.close``) — never a client in two 沃德 books."""
        wealth = {ref.id for ref in tx.imports.staff().values() if ref.role is Role.WEALTH_MANAGER}
        given = (existing.get(key) for key, (_line, values) in records.items() if values.get("manager_id") in wealth)
        for client_id in sorted(found.id for found in given if found is not None and not self.report.dry_run):
            tx.clients.lock(client_id)
        held = tx.imports.wode_held()
        kept: dict[Key, tuple[int, Values]] = {}
        for key, (line, values) in records.items():
            found, manager = existing.get(key), values.get("manager_id")
            holder = held.get(found.id) if found is not None and manager in wealth else None
            if holder is not None and holder[0] != manager:
                self.refuse(line, "manager", t("import_error.wode_client_held", name=holder[1]))
                continue
            kept[key] = (line, values)
        return kept

    def _no_event_calls(
        self, tx: UnitOfWork, ready: dict[Key, tuple[int, Values]], existing: dict[Any, Existing]
    ) -> dict[Key, tuple[int, Values]]:
        """An event's calls (invitation, reminder, follow-up) are the events service's, each tied to an invitation of
        its client: a task list brings or changes one only as a call of that client's invitation (a list exported
        and imported back), a follow-up only of an attendee; never one hung on another client's invitation or on
        none, which would mark an attendee followed up or answer an invitation."""
        kept: dict[Key, tuple[int, Values]] = {}
        for key, (line, values) in ready.items():
            found = existing.get(key)
            same = found is not None and all(found.values.get(f) == v for f, v in values.items())
            if not same and not self._event_call_fits(tx, values):
                self.refuse(line, "origin_id", t("import_error.event_task", value=values["kind"]))
                continue
            kept[key] = (line, values)
        return kept

    def _contacted_kept(
        self, tx: UnitOfWork, ready: dict[Key, tuple[int, Values]], existing: dict[Any, Existing]
    ) -> dict[Key, tuple[int, Values]]:
        """A task a contact names or answered keeps its origin (as the database holds it, 0024: its client and kind
        are the row's key): a row changing it is refused."""
        contacted = tx.imports.contacted_tasks()
        kept: dict[Key, tuple[int, Values]] = {}
        for key, (line, values) in ready.items():
            found = existing.get(key)
            moved = [f for f in ("origin", "origin_id") if f in values and found and found.values[f] != values[f]]
            if found is not None and moved and found.id in contacted:
                self.refuse(line, moved[0], t("import_error.task_contacted"))
                continue
            kept[key] = (line, values)
        return kept

    @staticmethod
    def _event_call_fits(tx: UnitOfWork, values: Values) -> bool:
        origin, origin_id = values.get("origin"), values.get("origin_id")
        if values["kind"] not in EVENT_CALLS and (origin is not TaskOrigin.EVENT or origin_id is None):
            return True  # no event's call
        if origin is not TaskOrigin.EVENT or origin_id is None:
            return False
        invitation = tx.events.invitation(int(origin_id))
        if invitation is None or invitation.client_id != values["client_id"]:
            return False
        return values["kind"] is not TaskKind.EVENT_FOLLOW_UP or invitation.attended_at is not None

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

    def balances(self, tx: UnitOfWork, stage: BalanceStage, days: list[int]) -> None:
        """The staged rows (sorted by client and day), a batch of clients at a time: each client's days merged into
        its spans and its assets worked out, and written."""
        while days and not stage.kept_on(days[-1]):  # a last day whose rows are all duplicates is not the file's
            days.pop()
        if not days:
            return
        if not self.report.dry_run:
            tx.imports.lock_balances()  # before anything is read: another import's days are all in, or none
        first, last = _date(days[0]), _date(days[-1])
        current = tx.views.data_as_of()
        as_of = last if current is None or last > current else current
        window = average_window(as_of)
        previous = current if current is not None and current < as_of else self._previous(tx, as_of)
        around = (min(window[0], first - ONE_DAY, previous or window[0]), max(last + ONE_DAY, as_of))
        advance = self.meter.writing(stage.rows)
        for batch in _batches(stage.by_client(), CLIENTS_PER_BATCH):
            self._merge(tx, batch, around, window, previous)
            advance(sum(len(rows) for _client, rows in batch))
        self.report.as_of = as_of
        if not self.report.dry_run:
            tx.imports.tally_assets()
        if not self.report.dry_run and as_of != current:
            tx.meta.set("data_as_of", as_of.isoformat())
            if current is not None:  # the queue's large outflows are measured since this date
                tx.meta.set(DATA_PREVIOUS_AS_OF, current.isoformat())

    @staticmethod
    def _previous(tx: UnitOfWork, as_of: dt.date) -> dt.date | None:
        """The data date before ``as_of`` as recorded (a file of the data date's own days keeps it)."""
        value = tx.meta.get(DATA_PREVIOUS_AS_OF)
        return dt.date.fromisoformat(value) if value else None

    def _stage(self, stage: BalanceStage, lookups: Lookups) -> list[int]:
        """Every good row onto the stage; the (ordinal) days they hold, in order."""
        days: set[int] = set()
        batch: list[Staged] = []
        for line, (client_id, account, _day), values in self.built(lookups):
            day = values["day"].toordinal()
            days.add(day)
            batch.append((client_id, day, account, line, int(values["balance"].scaleb(2))))
            if len(batch) == STAGE_BATCH:
                stage.add(batch)
                batch = []
        stage.add(batch)
        return sorted(days)

    def _merge(
        self,
        tx: UnitOfWork,
        batch: list[tuple[int, list[Staged]]],
        around: tuple[dt.date, dt.date],
        window: tuple[dt.date, dt.date],
        previous: dt.date | None,
    ) -> None:
        """Some clients' staged rows (by client id) into their spans, their assets, and the counts of the report."""
        held = tx.imports.spans(batch[0][0], batch[-1][0], *around)
        delete: list[Span] = []
        insert: list[Span] = []
        figures: list[Assets] = []
        changed: dict[int, int] = {}
        for client_id, rows in batch:
            days = self._client_days(rows)
            if not days:
                continue
            spans = held.get(client_id, [])
            change = merge(client_id, spans, days)
            self.report.new += change.new
            self.report.updated += change.updated
            self.report.unchanged += change.unchanged
            if change.updated:
                changed[client_id] = change.updated
            delete += change.delete
            insert += change.insert
            gone = {s.id for s in change.delete}
            figures.append(assets(client_id, [s for s in spans if s.id not in gone] + change.insert, window, previous))
        if self.report.dry_run:
            return
        tx.imports.replace_spans(delete, insert)
        tx.imports.set_assets(figures)
        for client_id, updated_days in changed.items():
            tx.audit.record("import.update", "balance_spans", str(client_id), days=updated_days)

    def _client_days(self, rows: list[Staged]) -> dict[dt.date, Decimal]:
        """A client's balance by day: its accounts added up; rows of the same account and day refused as duplicates
        (``rows`` sorted by day, account and line)."""
        fen: dict[int, int] = {}
        for (day, _account), group in itertools.groupby(rows, key=itemgetter(1, 2)):
            same = list(group)
            if len(same) > 1:
                lines = [row[3] for row in same]
                for line in lines:
                    self.duplicate(line, "client", [n for n in lines if n != line])
            else:
                fen[day] = fen.get(day, 0) + same[0][4]
        return {_date(day): Decimal(total).scaleb(-2) for day, total in fen.items()}


def _still_holds(checked: Lookups, now: Lookups) -> None:
    """Refuse the import if a staff member, outlet, client or product the rows were checked against has gone or
    changed since (new ones do not matter)."""
    for before, after in ((checked.staff, now.staff), (checked.outlets, now.outlets), (checked.clients, now.clients),
                          (checked.products, now.products)):  # fmt: skip
        if any(after.get(key) != value for key, value in before.items()):
            raise DomainError("import_scratch.changed")
    if any(now.resident_ids.get(key) != value for key, value in checked.resident_ids.items()):
        raise DomainError("import_scratch.changed")  # a birth date a family link was judged by


def _batches(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


EVENT_CALLS = frozenset({TaskKind.EVENT_INVITE, TaskKind.EVENT_REMINDER, TaskKind.EVENT_FOLLOW_UP})


@functools.lru_cache(maxsize=4096)
def _date(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


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
