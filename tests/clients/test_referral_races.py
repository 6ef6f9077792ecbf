"""Rules of the form "at most N" hold when many sessions act at once, on SQLite and on PostgreSQL: eight
workstations referring one client to 沃德 store one open referral; eight desks sending one walk-in to different CSMs
give the client one manager and one referral; eight sessions booking one CSM's slot book one meeting; eight
sessions saving "no answer" for one client schedule at most the policy's retries for the day."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

from csm_tui.domain.enums import Disposition, ReferralKind, ReferralStatus, TaskKind, TaskStatus
from csm_tui.domain.errors import DomainError
from csm_tui.domain.models import Staff
from csm_tui.services.calls import appointments, outcomes
from csm_tui.services.clients import referrals
from csm_tui.services.workstation import Workstation
from storage.engine import make_engine
from storage.orm import AppointmentRow, ContactRow, ReferralRow, TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clients_branch import NOW, Branch

SESSIONS = 8


def at_once(branch: Branch, act: Callable[[Workstation, int], object], staff: list[Staff]) -> Counter[str]:
    """``act`` in SESSIONS threads started together, each a workstation of its own (its own engine, as separate
    SSH sessions are); what each ended with, counted ("ok" or the error's code or type)."""
    start = threading.Barrier(SESSIONS)
    results: list[str] = []
    engines = [make_engine(str(branch.engine.url.render_as_string(hide_password=False))) for _ in range(SESSIONS)]

    def run(n: int) -> None:
        member = staff[n % len(staff)]
        factory = SqlUnitOfWorkFactory(engines[n], branch.clock, member)
        ws = Workstation(factory, member, None, branch.ws(member).time, branch.ws(member).policy, False)
        start.wait(timeout=60)
        try:
            act(ws, n)
        except DomainError as exc:
            results.append(exc.code)
        except Exception as exc:  # counted, so the test names what went wrong
            results.append(type(exc).__name__)
        else:
            results.append("ok")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    return Counter(results)


def test_eight_sessions_referring_one_client_to_wode_store_one_open_referral(branch: Branch) -> None:
    assert branch.wealth.id is not None
    wealth_id = branch.wealth.id
    outcome = at_once(branch, lambda ws, _n: referrals.refer_to_wode(ws, branch.zsf, wealth_id), [branch.csm_a])
    assert outcome == Counter({"ok": 1, "referral_open": SESSIONS - 1})
    assert branch.count(ReferralRow, kind=ReferralKind.WODE, status=ReferralStatus.OPEN, client_id=branch.zsf) == 1


def test_eight_desks_sending_one_walk_in_to_different_csms_give_one_manager(branch: Branch) -> None:
    csms = [branch.csm_a.id, branch.csm_b.id]

    def refer(ws: Workstation, n: int) -> object:
        return referrals.refer_walk_in(ws, branch.zl, csms[n % 2] or 0, note="想了解基金定投")

    outcome = at_once(branch, refer, [branch.teller])
    manager = branch.client(branch.zl).manager_id
    assert manager in csms
    assert outcome["ok"] == SESSIONS // 2 and outcome["managed_by_other"] == SESSIONS // 2
    assert branch.count(ReferralRow, to_staff_id=manager) == SESSIONS // 2
    assert branch.count(TaskRow, kind=TaskKind.REFERRAL, staff_id=manager) == SESSIONS // 2
    assert branch.count(TaskRow, kind=TaskKind.REFERRAL) == SESSIONS // 2


def test_eight_sessions_saving_no_answer_schedule_at_most_the_day_s_retries(branch: Branch) -> None:
    def no_answer(ws: Workstation, _n: int) -> object:
        return outcomes.record(ws, branch.wxm, outcomes.Outcome(Disposition.NO_ANSWER), started_at=NOW)

    outcome = at_once(branch, no_answer, [branch.csm_a])
    assert outcome == Counter({"ok": SESSIONS})
    assert branch.count(ContactRow, client_id=branch.wxm) == SESSIONS
    retries = branch.ws(branch.csm_a).policy.calls.no_answer_retries_same_day
    with branch.system() as tx:
        open_today = [
            t for t in tx.tasks.open_for_client(branch.wxm) if t.status is TaskStatus.OPEN and t.due_on == NOW.date()
        ]
    assert len(open_today) <= retries


def test_eight_sessions_booking_one_csm_s_slot_for_different_clients_book_one_meeting(branch: Branch) -> None:
    clients = [branch.zsf, branch.wxm, branch.ls]
    monday_ten = NOW + dt.timedelta(days=3)  # Monday 30 November, 10:00 in Shanghai

    def book(ws: Workstation, n: int) -> object:
        return appointments.book(ws, clients[n % 3], monday_ten)

    outcome = at_once(branch, book, [branch.csm_a])
    assert outcome == Counter({"ok": 1, "meeting_overlap_staff": SESSIONS - 1})
    assert branch.count(AppointmentRow, staff_id=branch.csm_a.id) == 1


def test_eight_sessions_deciding_one_referral_at_once_decide_it_once(branch: Branch) -> None:
    """Accepted on one desk and returned on another at the same instant: one decision stands, the others are told
    it was decided; never a return written over an acceptance."""
    sent = referrals.refer_walk_in(branch.ws(branch.teller), branch.ls, None, note="想了解大额存单")

    def decide(ws: Workstation, n: int) -> object:
        return referrals.decide(ws, sent.referral, accept=n % 2 == 0, reason=f"第{n}个决定")

    outcome = at_once(branch, decide, [branch.csm_a])
    assert outcome["ok"] == 1 and outcome["referral_decided"] == SESSIONS - 1
