"""No identity can be recovered through search: another manager's client is found by a secret number (mobile,
resident ID, card, account) only when the number is looked up whole, never by a part of it; each such look-up is in
the audit log without the number in clear, and at most ``lookups_per_hour`` (default 20) are allowed per staff
member and hour, whatever the role; then they are refused in words and the supervisor is told. Own clients are
found freely. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from csm_tui.domain.enums import Role
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import NewStaff, Staff
from csm_tui.i18n import explain
from csm_tui.policy import Policy, PolicyError, load_policy
from csm_tui.services.clients.finding import find_clients, look_up_number, lookup_alerts
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from storage.orm import AuditRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clients_branch import WDH_CARD, WDH_ID, WDH_MOBILE, ZSF_CARD, ZSF_ID, ZSF_MOBILE, Branch


def guesses(n: int) -> list[str]:
    """A script trying to uncover 王大海's masked mobile (139****0000): the hidden digits, one value after another."""
    return [f"139{k:04d}0000" for k in range(n)]  # 1234 is the answer


def limited(ws: Workstation, per_hour: int) -> Workstation:
    return dataclasses.replace(ws, policy=Policy(lookups_per_hour=per_hour))


def refused(ws: Workstation, number: str) -> DomainError:
    with pytest.raises(DomainError) as err:
        look_up_number(ws, number)
    return err.value


def test_a_script_of_21_whole_number_look_ups_is_refused_after_20_and_the_supervisor_is_told(
    branch: Branch,
) -> None:
    a = branch.ws(branch.csm_a)
    found = [look_up_number(a, guess) for guess in guesses(19)]
    assert found == [[]] * 19  # none of the guesses is anyone's number
    [wdh] = look_up_number(a, WDH_MOBILE)  # the 20th: the right one, masked
    assert (wdh.id, wdh.own, wdh.masked_mobile) == (branch.wdh, False, "139****0000")

    error = refused(a, "13912349999")  # the 21st
    assert error.code == "lookup_limit" and "20" in explain(error) and "主管" in explain(error)
    assert refused(a, WDH_ID).code == "lookup_limit"  # any kind of number, found or not

    rows = branch.audit_rows()
    lookups = [r for r in rows if r.action == "lookup"]
    assert len(lookups) == 20 and {r.staff_id for r in lookups} == {branch.csm_a.id}
    last = lookups[-1]
    assert (last.entity, last.entity_id) == ("clients", str(branch.wdh))
    assert last.detail == {"key": "mobile", "number": "139****0000", "found": ["C200001"]}
    assert lookups[0].detail == {"key": "mobile", "number": "139****0000", "found": []}
    assert [r.action for r in rows if r.action == "lookup_refused"] == ["lookup_refused"] * 2
    text = json.dumps([r.detail for r in rows], ensure_ascii=False)
    assert WDH_MOBILE not in text and WDH_ID not in text and not any(g in text for g in guesses(19))

    [alert] = lookup_alerts(branch.ws(branch.supervisor))  # A's supervisor
    assert (alert.login, alert.refusals) == ("csm01", 2)
    assert lookup_alerts(branch.ws(branch.admin))[0].login == "csm01"
    assert lookup_alerts(branch.ws(branch.other_supervisor)) == []  # not B's supervisor's team

    branch.clock.advance(dt.timedelta(minutes=61))  # an hour on, the look-ups are allowed again
    assert [r.id for r in look_up_number(a, WDH_CARD)] == [branch.wdh]


def test_prefixes_and_parts_of_others_secret_numbers_find_nothing(branch: Branch) -> None:
    a = branch.ws(branch.csm_a)
    for number in (WDH_MOBILE, WDH_ID, WDH_CARD):
        for end in range(1, len(number) + 1):
            assert branch.wdh not in [r.id for r in find_clients(a, number[:end])], number[:end]
    assert look_up_number(a, WDH_MOBILE[:-1]) == []  # a whole number is matched whole: ten digits are not eleven
    assert look_up_number(a, WDH_CARD[1:]) == []
    assert look_up_number(a, WDH_ID[:17]) == []
    assert refused(a, "139").code == "lookup_not_a_number"


def test_own_clients_are_looked_up_freely_and_not_counted(branch: Branch) -> None:
    a = limited(branch.ws(branch.csm_a), 1)
    for _ in range(10):
        for number in (ZSF_MOBILE, ZSF_ID, ZSF_ID.lower(), ZSF_CARD):
            assert [(r.id, r.own) for r in look_up_number(a, number)] == [(branch.zsf, True)]
    assert branch.count(AuditRow, action="lookup") == 0
    assert [r.id for r in look_up_number(a, WDH_ID)] == [branch.wdh]  # the one allowed look-up of another's
    assert refused(a, WDH_CARD).code == "lookup_limit"


def test_every_role_is_limited(branch: Branch) -> None:
    with branch.system(write=True) as tx:
        lobby = tx.staff.add(NewStaff(login="lobby01", name="孙大堂", role=Role.LOBBY, outlet_id=branch.outlet_id))
        tx.commit()
    everyone = (branch.csm_b, branch.supervisor, branch.wealth, branch.teller, lobby, branch.admin)
    for staff in everyone:
        ws = limited(branch.ws(staff), 2)
        assert [r.id for r in look_up_number(ws, ZSF_MOBILE)] == [branch.zsf]
        assert look_up_number(ws, guesses(1)[0]) == []
        assert refused(ws, ZSF_CARD).code == "lookup_limit", staff.login
    with branch.system() as tx:
        logins = {s.id: s.login for s in everyone}
        refusals = {logins[r.staff_id] for r in tx.audit.recent(100) if r.action == "lookup_refused"}
    assert refusals == {"csm02", "sup01", "wode01", "teller01", "lobby01", "admin"}
    told = {a.login for a in lookup_alerts(branch.ws(branch.admin))}
    assert told == refusals  # the admin sees everyone's, those without a supervisor included


def test_the_limit_holds_for_eight_sessions_of_one_staff_member_at_once(branch: Branch) -> None:
    start = threading.Barrier(8)
    results: list[str] = []
    url = branch.engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url) for _ in range(8)]

    def run(n: int) -> None:
        staff: Staff = branch.csm_a
        ws = limited(branch.ws(staff), 3)
        ws = dataclasses.replace(ws, uow=SqlUnitOfWorkFactory(engines[n], branch.clock, staff))
        start.wait(timeout=60)
        try:
            look_up_number(ws, guesses(8)[n])
        except DomainError as exc:
            results.append(exc.code)
        except Exception as exc:
            results.append(type(exc).__name__)
        else:
            results.append("ok")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert Counter(results) == Counter({"ok": 3, "lookup_limit": 5})
    assert branch.count(AuditRow, action="lookup") == 3


def test_a_policy_may_lower_the_hour_s_limit_but_not_raise_it(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("lookups_per_hour = 5\n", encoding="utf-8")
    assert load_policy(path).lookups_per_hour == 5
    path.write_text("lookups_per_hour = 1000\n", encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.key == "lookups_per_hour"
