"""No session outlives a sign-in: every unit of work reads the acting staff member's role and active status afresh,
so a staff member deactivated (by the admin's staff import) or removed while signed in can neither save nor reveal
anything, and a changed role counts from the next action on. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from csm_tui.domain.enums import Disposition, Role
from csm_tui.domain.models import NewStaff
from csm_tui.services.calls import outcomes
from csm_tui.services.checklist import day_list
from csm_tui.services.clients import client_detail
from csm_tui.services.clients.client_detail import ClientDetail
from csm_tui.services.clients.finding import find_clients
from csm_tui.services.imports.columns import ImportKind
from csm_tui.services.imports.run import import_file
from csm_tui.services.ports import AccessDenied, SessionEnded
from csm_tui.services.scoreboard import appraisal_entries, quarter_scores, team_export
from storage.orm import AuditRow, ContactRow
from tests.support.clients_branch import NOW, Branch


def import_staff(branch: Branch, tmp_path: Path, *rows: list[str]) -> None:
    """The admin's staff import, as the bank's HR file comes: login, name, role, grade, active."""
    path = tmp_path / "staff.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["工号", "员工姓名", "岗位", "级别", "在职"], *rows])
    report = import_file(branch.ws(branch.admin), ImportKind.STAFF, path)
    assert report.rejected == 0, report


def test_a_deactivated_staff_member_s_open_session_saves_and_reveals_nothing(
    branch: Branch,
    tmp_path: Path,
) -> None:
    ws = branch.ws(branch.csm_a)  # signed in and working
    outcomes.record(ws, branch.zsf, outcomes.Outcome(Disposition.NO_ANSWER), started_at=NOW)
    ended: list[str] = []
    ws.uow.on_session_end(lambda: ended.append("ended"))

    import_staff(branch, tmp_path, ["csm01", "王芳", "csm", "csm", "离职"])

    contacts, reveals = branch.count(ContactRow), branch.count(AuditRow, action="reveal")
    with pytest.raises(SessionEnded):
        outcomes.record(ws, branch.zsf, outcomes.Outcome(Disposition.NO_ANSWER), started_at=NOW)
    with pytest.raises(SessionEnded):
        client_detail.reveal(ws, branch.zsf, "客户来电核实身份")
    with pytest.raises(SessionEnded):
        client_detail.load(ws, branch.zsf)
    with pytest.raises(SessionEnded):
        find_clients(ws, "张")
    assert (branch.count(ContactRow), branch.count(AuditRow, action="reveal")) == (contacts, reveals)
    assert ended == ["ended"] * 4  # the app is told each time (it ends the session at the first)


def test_a_removed_staff_member_s_open_session_ends(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        temp = tx.staff.add(NewStaff(login="temp01", name="临时工", role=Role.TELLER, outlet_id=branch.outlet_id))
        tx.commit()
    ws = branch.ws(temp)
    assert [r.own for r in find_clients(ws, "王")] == [False, False]
    assert temp.id is not None
    with branch.system.acting_as(branch.admin)(write=True) as tx:
        tx.staff.delete(temp.id)
        tx.commit()
    with pytest.raises(SessionEnded):
        find_clients(ws, "王")
    with pytest.raises(SessionEnded):
        client_detail.reveal(ws, branch.zl, "客户来电核实身份")


def test_a_supervisor_demoted_to_csm_loses_the_team_at_the_next_action(branch: Branch, tmp_path: Path) -> None:
    ws = branch.ws(branch.supervisor)  # the role read at sign-in: supervisor
    assert isinstance(client_detail.load(ws, branch.zsf), ClientDetail)  # a team member's client, in full
    assert client_detail.reveal(ws, branch.zsf, "复核")[0]

    import_staff(branch, tmp_path, ["sup01", "周主管", "csm", "csm", "在职"])

    assert not isinstance(client_detail.load(ws, branch.zsf), ClientDetail)  # now the masked summary
    with pytest.raises(AccessDenied):
        client_detail.reveal(ws, branch.zsf, "复核")
    with pytest.raises(AccessDenied):
        outcomes.record(ws, branch.zsf, outcomes.Outcome(Disposition.NO_ANSWER), started_at=NOW)


def test_an_admin_demoted_while_signed_in_can_no_longer_import(branch: Branch, tmp_path: Path) -> None:
    ws = branch.ws(branch.admin)  # signed in as the admin
    import_staff(branch, tmp_path, [branch.admin.login, branch.admin.name, "csm", "csm", "在职"])  # now a CSM

    path = tmp_path / "restore.csv"
    path.write_text(f"工号,员工姓名,岗位,级别,在职\n{branch.admin.login},{branch.admin.name},admin,,在职\n", "utf-8")
    for dry_run in (True, False):  # not even a dry run: it reads every client's numbers
        with pytest.raises(AccessDenied):
            import_file(ws, ImportKind.STAFF, path, dry_run=dry_run)
    with branch.system() as tx:
        assert tx.staff.by_login(branch.admin.login).role is Role.CSM  # type: ignore[union-attr]


def test_a_supervisor_demoted_while_signed_in_records_no_appraisal(branch: Branch, tmp_path: Path) -> None:
    ws = branch.ws(branch.supervisor)  # the role read at sign-in: supervisor
    assert branch.csm_a.id is not None
    import_staff(branch, tmp_path, ["sup01", "周主管", "csm", "csm", "在职"])

    with pytest.raises(AccessDenied):
        appraisal_entries.grade_d(ws, branch.csm_a.id, NOW.year, "业绩不达标")
    with pytest.raises(AccessDenied):
        appraisal_entries.record_mystery_check(ws, branch.csm_a.id, set(), day=NOW.date())
    with branch.system() as tx:
        assert tx.scores.grade_decisions(NOW.year) == {}


def test_a_supervisor_demoted_while_signed_in_sees_and_exports_no_team(branch: Branch, tmp_path: Path) -> None:
    ws = branch.ws(branch.supervisor)
    assert quarter_scores.team_table(ws).rows  # the team, as a supervisor
    import_staff(branch, tmp_path, ["sup01", "周主管", "csm", "csm", "在职"])

    with pytest.raises(AccessDenied):
        quarter_scores.team_table(ws)
    with pytest.raises(AccessDenied):
        team_export.export_team(ws, tmp_path / "team.csv")
    with pytest.raises(AccessDenied):
        day_list.team_lists(ws, NOW.date())
    assert not (tmp_path / "team.csv").exists()
