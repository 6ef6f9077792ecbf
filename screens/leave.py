"""Recording leave (请假) and who covers: a CSM for themselves (``o`` on the checklist), a supervisor or the admin for
a team member (``o`` on the team's checklists). The leave already recorded and the colleagues who could cover are
read in a worker when the dialog opens; the leave service checks every rule again when it saves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from csm_tui.domain.enums import LeaveKind
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Leave, Staff
from csm_tui.i18n import label, t
from csm_tui.policy import LeaveCalls
from csm_tui.services import leave as leave_service
from csm_tui.services.workstation import Workstation
from screens.outcome import SavingDialog
from screens.score_forms import typed_date
from widgets.failures import describe_load
from widgets.text_fields import DATE_MAX, BoundedInput


@dataclass(frozen=True)
class _Known:
    recorded: list[leave_service.LeaveEntry]
    colleagues: list[Staff]


def leave_text(row: leave_service.LeaveEntry) -> str:
    """One leave in a line: its days, its kind and who covers."""
    leave = row.leave
    cover = t("leave.entry_cover", name=row.cover_name) if row.cover_name else ""
    return t(
        "leave.entry", first=leave.first_day.isoformat(), last=leave.last_day.isoformat(), kind=label(leave.kind),
        cover=cover,
    )  # fmt: skip


class LeaveDialog(SavingDialog[Leave]):
    """Leave for ``staff``: kind and days by number and date, the colleague by number (when the policy has cover)."""

    DEFAULT_CSS = """
    LeaveDialog Horizontal { height: auto; }
    LeaveDialog Horizontal Input { width: 1fr; }
    """

    def __init__(self, ws: Workstation, staff: Staff) -> None:
        super().__init__()
        self.ws = ws
        self.staff = staff
        self.colleagues: list[Staff] = []
        self.covered = ws.policy.leave.calls is LeaveCalls.COVER

    def compose(self) -> ComposeResult:
        today = self.ws.time.today().isoformat()
        kinds = "  ".join(f"{n} {label(k)}" for n, k in enumerate(LeaveKind, start=1))
        with Vertical():
            yield Label(t("leave.title", name=self.staff.name), classes="screen-title")
            yield Static(t("leave.loading"), id="leave-recorded")
            yield Static(kinds)
            yield BoundedInput(
                "1", placeholder=t("leave.kind"), restrict=f"[1-{len(LeaveKind)}]", max_length=1, id="kind"
            )
            with Horizontal():
                yield BoundedInput(today, placeholder=t("leave.first"), max_length=DATE_MAX, id="first")
                yield BoundedInput(today, placeholder=t("leave.last"), max_length=DATE_MAX, id="last")
            yield Static("" if self.covered else t("leave.waits"), id="leave-colleagues")
            cover = BoundedInput(placeholder=t("leave.cover"), restrict=r"[0-9]*", max_length=2, id="cover")
            cover.display = self.covered
            yield cover
            yield BoundedInput(placeholder=t("leave.note"), max_length=leave_service.NOTE_MAX, id="note")
            yield from self.footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#first", Input).focus()
        self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self) -> None:
        assert self.staff.id is not None
        try:
            known = _Known(
                leave_service.upcoming(self.ws, self.staff.id),
                leave_service.colleagues(self.ws, self.staff.id) if self.covered else [],
            )
        except Exception as exc:
            self.app.call_from_thread(self.show_error, describe_load(exc))
            return
        self.app.call_from_thread(self._show, known)

    def _show(self, known: _Known) -> None:
        self.colleagues = known.colleagues
        recorded = "  ".join(leave_text(row) for row in known.recorded)
        self.query_one("#leave-recorded", Static).update(
            t("leave.recorded", list=recorded) if recorded else t("leave.none_recorded")
        )
        if self.covered:
            names = "  ".join(f"{n} {s.name}" for n, s in enumerate(self.colleagues, start=1))
            self.query_one("#leave-colleagues", Static).update(
                t("leave.colleagues", list=names) if names else t("leave.no_colleagues")
            )

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def build(self) -> Callable[[], Leave]:
        choice = self.value("kind")
        if not choice:
            raise DomainError("leave_kind_required")
        kind = list(LeaveKind)[int(choice) - 1]
        first, last = typed_date(self.value("first")), typed_date(self.value("last"))
        cover_id = None
        if self.covered:
            number = self.value("cover")
            if not number.isdigit() or not 1 <= int(number) <= len(self.colleagues):
                raise DomainError("leave_cover_choice")
            cover_id = self.colleagues[int(number) - 1].id
        note = self.value("note")
        staff_id = self.staff.id
        assert staff_id is not None
        return lambda: leave_service.record_leave(self.ws, staff_id, first, last, kind, cover_id, note)
