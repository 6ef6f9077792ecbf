"""The daily checklist: the branch's template, ticked by hand or from the day's data, per staff member and day.

Today's list is the signed-in staff member's to tick, annotate and sum up; earlier days are read-only, and a
supervisor reads the team's lists. Automatic items are counted afresh each time a list is loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from csm_tui.domain.enums import ChecklistMeasure, Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import ChecklistMark, DaySummary, Leave, Staff
from csm_tui.policy import ChecklistItem
from csm_tui.services.checklist.item_states import ChecklistLine, ItemState, item_states
from csm_tui.services.checklist.shelf_reads import products_read, shelf_items
from csm_tui.services.days import day_window
from csm_tui.services.leave import LeaveEntry, away_on
from csm_tui.services.phrase_check import PhraseHit, PhrasesConfirmed, record_confirmed, screen
from csm_tui.services.ports import AccessDenied, UnitOfWork
from csm_tui.services.rows import ChecklistCounts, DayFigures, DayWindow, Progress
from csm_tui.services.workstation import Workstation

NOTE_MAX = 500
SUMMARY_MAX = 2000


@dataclass(frozen=True, slots=True)
class DayList:
    staff: Staff
    day: dt.date
    items: tuple[ItemState, ...]
    summary: DaySummary | None
    figures: DayFigures
    editable: bool  # today's own list
    leave: Leave | None = None  # on leave that day: no call target

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.items if i.done)


@dataclass(frozen=True, slots=True)
class TeamRow:
    staff: Staff
    done: int
    total: int
    behind: tuple[ChecklistLine, ...]  # the items not done
    calls: Progress
    leave: LeaveEntry | None = None  # on leave that day, and who covers


def summary_figures(figures: DayFigures) -> dict[str, int]:
    """The day's figures a summary keeps: calls, contacts, sales, 回访 made, meetings."""
    return {
        "calls": figures.calls,
        "contacts": figures.contacts,
        "sales": figures.sales,
        "service_callbacks": figures.service_callbacks_done,
        "meetings": figures.meetings,
    }


def _states(
    ws: Workstation, tx: UnitOfWork, staff: Staff, window: DayWindow, counts: ChecklistCounts, *, away: bool = False
) -> tuple[tuple[ItemState, ...], DaySummary | None]:
    """The items of the staff member's role as they stand; ``away``: on leave that day, so the call target is
    zero."""
    staff_id = staff.id
    marks = {m.item: (m.ticked, m.note) for m in tx.checklists.marks(staff_id, window.day)}
    summary = tx.checklists.summary(staff_id, window.day)

    def products() -> Progress:
        rows = shelf_items(tx.views.shelf(staff_id, window), window, ws.policy.checklist.new_product_days)
        return products_read(rows, window)

    states = item_states(
        ws.policy.checklist.for_role(staff.role), counts, marks,
        summary_written=summary is not None and bool(summary.text.strip()),
        call_target=0 if away else ws.policy.calls.daily_target, products=products,
    )  # fmt: skip
    return states, summary


def load_list(ws: Workstation, day: dt.date | None = None, staff: Staff | None = None) -> DayList:
    """A staff member's list for ``day`` (today by default); someone else's only for their supervisor or an admin."""
    today = ws.time.today()
    day = min(day or today, today)
    staff = staff or ws.staff
    window = day_window(ws, day)
    with ws.uow() as tx:
        counts = tx.views.checklist_counts([staff.id], window).get(staff.id, {})
        leave = tx.leave.on_day([staff.id], day).get(staff.id)
        items, summary = _states(ws, tx, staff, window, counts, away=leave is not None)
        figures = tx.views.day_figures(staff.id, window.start, window.end)
    return DayList(staff, day, items, summary, figures, editable=staff.id == ws.staff.id and day == today, leave=leave)


def team_lists(ws: Workstation, day: dt.date) -> list[TeamRow]:
    """How far each member of the supervisor's team (every CSM, for an admin) is with the day's list."""
    if ws.staff.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise AccessDenied("checklist")
    window = day_window(ws, min(day, ws.time.today()))
    with ws.uow() as tx:
        team = tx.staff.team(ws.staff.id) if ws.staff.role is Role.SUPERVISOR else tx.staff.with_role(Role.CSM)
        team = [s for s in team if s.active and s.role is Role.CSM]  # the lobby's staff have no call target
        all_counts = tx.views.checklist_counts([s.id for s in team], window)
        away = away_on(tx, [s.id for s in team], window.day)
        rows = []
        for member in team:
            items, _ = _states(ws, tx, member, window, all_counts.get(member.id, {}), away=member.id in away)
            calls = next((i.progress for i in items if i.item.measure is ChecklistMeasure.CALLS), None)
            rows.append(
                TeamRow(
                    staff=member,
                    done=sum(1 for i in items if i.done),
                    total=len(items),
                    behind=tuple(i.item for i in items if not i.done),
                    calls=calls or Progress(0, ws.policy.calls.daily_target),
                    leave=away.get(member.id),
                )
            )
    return rows


def _item(ws: Workstation, code: str) -> ChecklistItem:
    item = next((i for i in ws.policy.checklist.for_role(ws.staff.role) if i.code == code), None)
    if item is None:
        raise DomainError("checklist_no_item")
    return item


def set_ticked(ws: Workstation, code: str, ticked: bool) -> ChecklistMark:
    """Tick or untick an item of today's own list that is ticked by hand."""
    if _item(ws, code).measure is not None:
        raise DomainError("checklist_automatic")
    return _mark(ws, code, ticked=ticked)


def set_note(ws: Workstation, code: str, note: str, confirmed: PhrasesConfirmed | None = None) -> ChecklistMark:
    """A checklist item's note; refused while it holds a forbidden phrase ``confirmed`` does not keep."""
    _item(ws, code)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DomainError("text_too_long", max=NOTE_MAX)
    hits = screen(ws, {"note": note}, confirmed, entity="staff", entity_id=str(ws.staff.id))
    return _mark(ws, code, note=note, hits=hits, confirmed=confirmed)


def _mark(
    ws: Workstation, code: str, *, ticked: bool | None = None, note: str | None = None,
    hits: list[PhraseHit] | None = None, confirmed: PhrasesConfirmed | None = None,
) -> ChecklistMark:  # fmt: skip
    with ws.uow(write=True) as tx:
        mark = tx.checklists.set_mark(
            ws.staff.id, ws.time.today(), code, ws.time.now().datetime, ticked=ticked, note=note
        )
        record_confirmed(tx, hits or [], confirmed, entity="staff", entity_id=str(ws.staff.id))
        tx.commit()
    return mark


def save_summary(ws: Workstation, text: str, confirmed: PhrasesConfirmed | None = None) -> DaySummary:
    """Today's summary: the text, and the day's figures as they stand now; refused while it holds a forbidden
    phrase that ``confirmed`` does not keep (``phrase_check``)."""
    text = text.strip()
    if not text:
        raise DomainError("summary_empty")
    if len(text) > SUMMARY_MAX:
        raise DomainError("text_too_long", max=SUMMARY_MAX)
    today = ws.time.today()
    start, end = ws.time.day_bounds(today)
    hits = screen(ws, {"summary": text}, confirmed, entity="staff", entity_id=str(ws.staff.id))
    with ws.uow(write=True) as tx:
        figures = tx.views.day_figures(ws.staff.id, start, end)
        summary = DaySummary(text=text, figures=summary_figures(figures), saved_at=ws.time.now().datetime)
        tx.checklists.save_summary(ws.staff.id, today, summary)
        record_confirmed(tx, hits, confirmed, entity="staff", entity_id=str(ws.staff.id))
        tx.commit()
    return summary
