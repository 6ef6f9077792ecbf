"""Who may read whose lists and assign clients on a branch server, numbers masked in any audited text, policy
changes in the audit log, what ``csm admin`` says and refuses."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from csm_tui.cli import main
from csm_tui.domain.enums import Grade, ReferralKind, Role
from csm_tui.domain.models import NewClient, NewReferral, NewStaff
from csm_tui.domain.values import mask_mobile, mask_resident_id
from csm_tui.policy import Policy
from csm_tui.services.policy_audit import file_digest, record_policy
from csm_tui.services.ports import AccessDenied
from csm_tui.services.rows import DayWindow
from storage import audit
from storage.engine import make_engine
from storage.orm import AuditRow
from tests.support.roles_branch import NOW, TODAY, Branch
from tests.support.sshd import make_key


def csm(*args: str) -> Result:
    return CliRunner().invoke(main, ["--lang", "en", *args])


def _window() -> DayWindow:
    start = NOW - dt.timedelta(hours=2)
    return DayWindow(
        day=TODAY, start=start, end=start + dt.timedelta(days=1), now=NOW, next_start=start + dt.timedelta(days=1),
        next_end=start + dt.timedelta(days=2), maturing_until=TODAY + dt.timedelta(days=7),
        contacted_since=start - dt.timedelta(days=30),
    )  # fmt: skip


# --- whose lists ------------------------------------------------------------------------------------------------


def test_a_supervisor_reads_the_teams_lists_and_no_one_elses(branch: Branch) -> None:
    csm_a, csm_b = branch.sid("csm_a"), branch.sid("csm_b")
    week = (NOW, NOW + dt.timedelta(days=7))
    with branch.uow("sup1") as tx:
        assert tx.views.task_export(csm_a, open_only=False)
        assert tx.appointments.between(csm_a, *week)
        assert set(tx.views.checklist_counts([csm_a], _window())) <= {csm_a}
        for attempt in (
            lambda: tx.views.task_export(csm_b, open_only=False),
            lambda: tx.views.clients(csm_b, "", 10),
            lambda: tx.views.checklist_counts([csm_a, csm_b], _window()),
            lambda: tx.appointments.between(csm_b, *week),
        ):
            with pytest.raises(AccessDenied):
                attempt()
    with branch.uow("admin") as tx:
        assert tx.views.task_export(csm_b, open_only=False)
        assert tx.appointments.between(csm_b, *week)
    with branch.uow("csm_b") as tx:  # one's own
        assert tx.views.task_export(csm_b, open_only=False)
        assert [r.own for r in tx.views.clients(csm_b, "", 10)] == [True, True]


# --- assigning clients and referring ----------------------------------------------------------------------------


def _walk_in(branch: Branch, number: str) -> int:
    with branch.uow("admin", write=True) as tx:
        client_id = tx.clients.add(NewClient(number=number, name="散客", resident_id="110105197001010054")).id or 0
        tx.commit()
    return client_id


def _manager(branch: Branch, client_id: int) -> int | None:
    with branch.uow("admin") as tx:
        return tx.clients.get(client_id).manager_id


def test_who_may_assign_a_client(branch: Branch) -> None:
    csm_a, csm_b = branch.sid("csm_a"), branch.sid("csm_b")
    walk_in = _walk_in(branch, "C90")
    for who, manager in (("csm_b", csm_b), ("wm", csm_b), ("lobby", branch.sid("sup1")), ("teller", branch.sid("wm"))):
        with branch.uow(who, write=True) as tx, pytest.raises(AccessDenied):
            tx.clients.assign(walk_in, manager)
    with branch.uow("teller", write=True) as tx:  # a walk-in sent to a CSM (services.referrals.refer_walk_in)
        tx.clients.assign(walk_in, csm_a)
        tx.commit()
    assert _manager(branch, walk_in) == csm_a
    with branch.uow("lobby", write=True) as tx, pytest.raises(AccessDenied):  # the client has a manager now
        tx.clients.assign(walk_in, csm_b)
    with branch.uow("sup1", write=True) as tx, pytest.raises(AccessDenied):  # csm_b is not in sup1's team
        tx.clients.assign(walk_in, csm_b)
    with branch.uow("admin", write=True) as tx:
        other = tx.staff.add(
            NewStaff(login="csm_c", name="csm_c", role=Role.CSM, grade=Grade.CSM, supervisor_id=branch.sid("sup1"))
        )
        tx.commit()
    with branch.uow("sup1", write=True) as tx:  # within the team
        tx.clients.assign(walk_in, other.id or 0)
        tx.commit()
    assert _manager(branch, walk_in) == other.id
    with branch.uow("admin", write=True) as tx:
        tx.clients.assign(walk_in, csm_b)
        tx.commit()
    assert _manager(branch, walk_in) == csm_b


def test_no_one_refers_a_client_to_themselves(branch: Branch) -> None:
    for who in ("admin", "csm_a", "lobby"):
        me = branch.sid(who)
        with branch.uow(who, write=True) as tx, pytest.raises(AccessDenied):
            tx.referrals.add(
                NewReferral(client_id=branch.clients["a"], kind=ReferralKind.WALK_IN, from_staff_id=me, to_staff_id=me,
                         created_at=NOW)
            )  # fmt: skip


# --- numbers in the audit log -----------------------------------------------------------------------------------

resident_ids = st.builds(
    lambda d, x: d + x, st.text("0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X")
)
mobiles = st.builds(lambda p, d: "1" + p + d, st.sampled_from("3456789"), st.text("0123456789", min_size=9, max_size=9))
around = st.text(st.characters(blacklist_categories=("Nd",)), max_size=8)


@given(before=around, number=st.one_of(resident_ids, mobiles), after=around)
@example(before="", number="110105194912310021", after="X")  # an ID followed by a letter: still an ID
def test_any_id_or_mobile_in_audited_text_is_masked_as_the_domain_masks_it(
    before: str, number: str, after: str
) -> None:
    masked = audit.mask("reason", f"{before}{number}{after}")
    expected = mask_resident_id(number) if len(number) == 18 else mask_mobile(number)
    assert masked == f"{before}{expected}{after}"
    assert number not in masked


def test_written_forms_of_a_mobile_and_lists_are_masked_but_digests_kept() -> None:
    assert audit.mask("note", "手机 +86 139-1234-5678，座机 010-12345678") == "手机 +86 139****5678，座机 010-12345678"
    assert audit.mask("changed", ["13912345678", 3]) == ["139****5678", 3]
    digest = "1" * 13 + "a" * 51
    assert audit.mask("sha256", digest) == digest


# --- policy changes ---------------------------------------------------------------------------------------------


def _policy_entries(url: str) -> list[dict[str, object]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.scalars(select(AuditRow.detail).where(AuditRow.action == "policy.changed").order_by(AuditRow.id))
        entries = list(rows)
    engine.dispose()
    return entries


def test_each_policy_change_is_recorded_once_with_its_hash_and_keys(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tasks.csv"

    def start() -> None:
        out.unlink(missing_ok=True)
        result = csm("--staff", "csm01", "export", "tasks", "--out", str(out), "--db", demo_url)
        assert result.exit_code == 0, result.output

    start()
    start()
    [first] = _policy_entries(demo_url)
    assert first["sha256"] == file_digest(None) and first["changed"] == [] and first["previous_sha256"] is None
    policy = tmp_path / "policy.toml"
    policy.write_text("[calls]\ndaily_target = 3\n", encoding="utf-8")
    (tmp_path / "config.toml").write_text('policy_file = "policy.toml"\n', encoding="utf-8")
    monkeypatch.setenv("CSM_CONFIG", str(tmp_path / "config.toml"))
    start()
    start()
    lower_target = file_digest(policy)
    policy.write_text("[calls]\ndaily_target = 3\n# the same values, another file\n", encoding="utf-8")
    start()
    entries = _policy_entries(demo_url)
    assert [e["changed"] for e in entries] == [[], ["calls.daily_target"], []]
    assert [e["sha256"] for e in entries] == [first["sha256"], lower_target, file_digest(policy)]
    assert entries[1]["previous_sha256"] == first["sha256"] and entries[1]["file"] == str(policy)
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        assert audit.verify(conn) is None
    engine.dispose()


def test_the_first_record_of_a_branch_policy_lists_what_differs_from_the_defaults(
    branch: Branch, tmp_path: Path
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("[calls]\ndaily_target = 3\n", encoding="utf-8")
    policy = Policy.model_validate({"calls": {"daily_target": 3}})
    assert record_policy(branch.system, policy, path) is True
    assert record_policy(branch.system, policy, path) is False
    with branch.system() as tx:
        [entry] = [e for e in tx.audit.recent(100) if e.action == "policy.changed"]
    assert entry.staff_id is None and entry.detail["changed"] == ["calls.daily_target"]
    assert json.dumps(entry.detail).isascii()  # policy keys and a hash: no client data


# --- csm admin --------------------------------------------------------------------------------------------------


def test_audit_verify_prints_the_count_and_the_head_hash(demo_url: str) -> None:
    result = csm("admin", "audit", "verify", "--db", demo_url)
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        head, count = audit.head(conn), audit.count(conn)
    engine.dispose()
    assert result.exit_code == 0 and f"{count} entries" in result.output and head in result.output


def test_ssh_key_add_refuses_a_url_with_a_password_saying_where_it_belongs(tmp_path: Path, demo_url: str) -> None:
    keys = tmp_path / "authorized_keys"
    url = "postgresql://csm:s3cret@localhost/csm"
    result = csm("admin", "ssh-key", "add", "--staff", "csm01", "--key", str(make_key(tmp_path, "k", 5)),
                 "--db", url, "--file", str(keys))  # fmt: skip
    assert result.exit_code == 2 and ".pgpass" in result.output and "s3cret" not in result.output
    assert not keys.exists()


def test_a_database_file_others_may_read_is_warned_about_with_the_fix(demo_url: str) -> None:
    path = Path(demo_url.removeprefix("sqlite:///"))
    assert "chmod 600" not in csm("admin", "audit", "verify", "--db", demo_url).output
    os.chmod(path, 0o644)
    result = csm("admin", "audit", "verify", "--db", demo_url)
    assert result.exit_code == 0 and f"chmod 600 {path}" in result.output and "644" in result.output
