"""The phrase check before saving: notes, SMS texts and a day summary holding a forbidden marketing phrase (保本,
稳赚, …; the policy may add) are refused by the service unless the phrases are confirmed with a reason; the refusal
and the confirmation are in the audit log (phrases and fields, never the text), on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.enums import Channel, Disposition, QueueReason, ReferralStatus
from csm_tui.domain.errors import DomainError
from csm_tui.policy import Policy
from csm_tui.regulation import FORBIDDEN_PHRASES
from csm_tui.services.calls import appointments, outcomes
from csm_tui.services.calls.outcomes import Outcome, SkipReason, record, skip, snooze
from csm_tui.services.calls.queue import QueueItem
from csm_tui.services.checklist import day_list
from csm_tui.services.clients import client_detail, referrals
from csm_tui.services.phrase_check import (
    PHRASES_CONFIRMED,
    PHRASES_REFUSED,
    ForbiddenPhrases,
    PhrasesConfirmed,
    check,
    find_phrases,
)
from csm_tui.services.rows import Candidate
from storage.orm import AppointmentRow, AuditRow, ChecklistDayRow, ContactRow, ReferralRow, TaskRow
from tests.support.branch import local
from tests.support.clients_branch import MONDAY, NOW, Branch

PHRASES = FORBIDDEN_PHRASES
# What people put between the characters of a phrase to slip it past a check.
FILLERS = ["", " ", "\u3000", "-", "·", "*", ".", "_", "\u200b", "～", "、", " - "]
# Text around a phrase: characters none of the phrases has.
AROUND = st.text(alphabet="这款产品收益稳定期限九十天欢迎了解ABCabc123，。！ ", max_size=20)


def _widen(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


@given(
    phrase=st.sampled_from(PHRASES),
    before=AROUND,
    after=AROUND,
    fillers=st.lists(st.sampled_from(FILLERS), min_size=6, max_size=6),
)
def test_a_forbidden_phrase_is_found_with_anything_between_its_characters(
    phrase: str, before: str, after: str, fillers: list[str]
) -> None:
    dressed = "".join(ch + fillers[i] for i, ch in enumerate(phrase[:-1])) + phrase[-1]
    text = f"{before}{dressed}{after}"
    hits = [h for h in find_phrases(text, PHRASES, "note") if h.phrase == phrase]
    assert hits, text
    assert any(text[h.start : h.end] == dressed for h in hits)  # in place: exactly the dressed phrase


@given(phrase=st.sampled_from(["ABC", "ZeroRisk"]), before=AROUND)
def test_a_latin_phrase_is_found_in_full_width_and_any_case(phrase: str, before: str) -> None:
    text = before + "".join(_widen(ch) for ch in phrase.swapcase())
    hits = find_phrases(text, [phrase])
    assert {h.phrase for h in hits} == {phrase}
    assert any(h.start == len(before) and h.end == len(text) for h in hits)  # the widened one, whatever came before


@given(text=AROUND)
def test_text_without_the_phrases_passes(text: str) -> None:
    assert check({"note": text, "summary": text}, PHRASES) == []


def test_every_phrase_in_a_text_is_found_with_its_field() -> None:
    hits = check({"note": "保本保收益", "feedback": "客户问是否稳 赚"}, PHRASES)
    assert [(h.field, h.phrase, h.start, h.end) for h in hits] == [
        ("note", "保本", 0, 2),
        ("note", "保收益", 2, 5),
        ("feedback", "稳赚", 5, 8),
    ]
    assert {h.phrase for h in check({"summary": "高收益低风险"}, PHRASES)} == {"高收益低风险"}


# --- enforced in the services, audited -----------------------------------------------------------------------


def _audit(branch: Branch, action: str) -> list[AuditRow]:
    return [r for r in branch.audit_rows() if r.action == action]


def test_a_contact_note_with_a_forbidden_phrase_is_refused_by_the_service_and_the_refusal_audited(
    branch: Branch,
) -> None:
    ws = branch.ws(branch.csm_a)
    outcome = Outcome(Disposition.INTERESTED, note="跟客户说这款稳 赚", feedback="客户问保本吗")
    with pytest.raises(ForbiddenPhrases) as caught:
        record(ws, branch.zsf, outcome, started_at=NOW)
    assert {h.phrase for h in caught.value.hits} == {"稳赚", "保本"}
    assert branch.count(ContactRow, client_id=branch.zsf) == 0  # nothing of the save written
    [refused] = _audit(branch, PHRASES_REFUSED)
    assert refused.detail["phrases"] == ["稳赚", "保本"] and refused.detail["fields"] == ["note", "feedback"]
    assert "跟客户说" not in str(refused.detail)  # the log keeps the phrases, never the text


@pytest.mark.parametrize(
    "confirmed",
    [
        PhrasesConfirmed(frozenset({"保本"}), "客户原话"),  # not every phrase found
        PhrasesConfirmed(frozenset({"保本", "稳赚"}), "   "),  # no reason
    ],
)
def test_a_confirmation_that_does_not_cover_every_phrase_with_a_reason_is_refused(
    branch: Branch,
    confirmed: PhrasesConfirmed,
) -> None:
    outcome = Outcome(Disposition.INTERESTED, note="客户问保本吗，我说不是稳赚", confirmed=confirmed)
    with pytest.raises(ForbiddenPhrases):
        record(branch.ws(branch.csm_a), branch.zsf, outcome, started_at=NOW)
    assert branch.count(ContactRow, client_id=branch.zsf) == 0


def test_a_confirmed_phrase_is_saved_and_the_confirmation_audited_with_its_reason(branch: Branch) -> None:
    confirmed = PhrasesConfirmed(frozenset({"保本"}), "客户问的是存款，已说明理财不保本")
    outcome = Outcome(Disposition.INFORMED, Channel.VISIT, note="已告知本产品不保本", confirmed=confirmed)
    record(branch.ws(branch.csm_a), branch.zsf, outcome, started_at=NOW)
    assert branch.count(ContactRow, client_id=branch.zsf) == 1
    [kept] = _audit(branch, PHRASES_CONFIRMED)
    assert kept.detail["phrases"] == ["保本"] and kept.detail["reason"] == "客户问的是存款，已说明理财不保本"
    assert kept.entity_id == str(branch.zsf) and branch.chain_holds()


def test_a_clean_note_saves_without_any_confirmation_and_leaves_no_phrase_record(branch: Branch) -> None:
    record(branch.ws(branch.csm_a), branch.zsf, Outcome(Disposition.INTERESTED, note="下周再联系"), started_at=NOW)
    assert branch.count(ContactRow, client_id=branch.zsf) == 1
    assert not _audit(branch, PHRASES_REFUSED) and not _audit(branch, PHRASES_CONFIRMED)


def test_a_day_summary_with_a_forbidden_phrase_is_refused_until_confirmed(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    with pytest.raises(ForbiddenPhrases):
        day_list.save_summary(ws, "今天向三位客户介绍了零 风险产品")
    assert branch.count(ChecklistDayRow) == 0
    day_list.save_summary(
        ws, "今天向三位客户介绍了零 风险产品", PhrasesConfirmed(frozenset({"零风险"}), "货币基金说明")
    )
    assert branch.count(ChecklistDayRow) == 1
    assert [r.detail["fields"] for r in _audit(branch, PHRASES_CONFIRMED)] == [["summary"]]


def test_an_sms_text_is_checked_like_a_note(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    task = appointments.add_follow_up(ws, branch.zsf, MONDAY, "发短信").task
    assert task.id is not None
    with pytest.raises(ForbiddenPhrases):
        outcomes.mark_sms_sent(ws, branch.zsf, task.id, "【交通银行】新品包赚，速来")
    outcomes.mark_sms_sent(ws, branch.zsf, task.id, "【交通银行】新品上架，欢迎咨询")
    assert branch.count(ContactRow, client_id=branch.zsf, channel=Channel.SMS) == 1


def test_notes_on_the_client_a_meeting_and_a_follow_up_are_checked(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    with pytest.raises(ForbiddenPhrases):
        client_detail.edit(ws, branch.client(branch.zsf), note="只买无风险的")
    with pytest.raises(ForbiddenPhrases):
        appointments.book(ws, branch.zsf, local(MONDAY, 10), purpose="介绍保收益产品")
    with pytest.raises(ForbiddenPhrases):
        appointments.add_follow_up(ws, branch.zsf, MONDAY, "推荐高收益低风险")
    assert branch.client(branch.zsf).note == ""
    assert branch.count(AppointmentRow, client_id=branch.zsf) == 0
    assert branch.count(TaskRow, client_id=branch.zsf) == 0
    keep = PhrasesConfirmed(frozenset({"无风险"}), "客户原话")
    assert client_detail.edit(ws, branch.client(branch.zsf), keep, note="只买无风险的").note == "只买无风险的"
    assert len(_audit(branch, PHRASES_REFUSED)) == 3 and len(_audit(branch, PHRASES_CONFIRMED)) == 1


def test_a_phrase_the_branch_adds_is_checked_too(branch: Branch) -> None:
    policy = Policy.model_validate({"compliance": {"forbidden_phrases": [*FORBIDDEN_PHRASES, "保底"]}})
    ws = dataclasses.replace(branch.ws(branch.csm_a), policy=policy)
    with pytest.raises(ForbiddenPhrases) as caught:
        record(ws, branch.zsf, Outcome(Disposition.INTERESTED, note="年化保 底3%"), started_at=NOW)
    assert [h.phrase for h in caught.value.hits] == ["保底"]


def test_a_checklist_item_s_note_is_checked_too(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    code = ws.policy.checklist.items[0].code
    with pytest.raises(ForbiddenPhrases):
        day_list.set_note(ws, code, "晨会：主推稳赚产品")
    kept = day_list.set_note(ws, code, "晨会：主推稳赚产品", PhrasesConfirmed(frozenset({"稳赚"}), "记录客户疑问"))
    assert kept.note == "晨会：主推稳赚产品"
    assert [r.detail["phrases"] for r in _audit(branch, PHRASES_CONFIRMED)] == [["稳赚"]]


# --- the dress of a phrase: traditional characters, marks between its characters -----------------------------------


@given(phrase=st.sampled_from(PHRASES), before=AROUND, after=AROUND)
def test_a_forbidden_phrase_written_in_traditional_characters_is_found(phrase: str, before: str, after: str) -> None:
    traditional = {"稳": "穩", "赚": "賺", "无": "無", "风": "風", "险": "險", "证": "證"}
    dressed = "".join(traditional.get(ch, ch) for ch in phrase)
    text = f"{before}{dressed}{after}"
    hits = [h for h in find_phrases(text, PHRASES) if h.phrase == phrase]
    assert hits and text[hits[0].start : hits[0].end] == dressed


@pytest.mark.parametrize("mark", ["\u0301", "\ufe0f", "\ufe00", "\u20dd", "\U000e0100"])
def test_a_forbidden_phrase_with_a_combining_mark_or_variation_selector_between_its_characters_is_found(
    mark: str,
) -> None:
    assert [h.phrase for h in find_phrases(f"这款稳{mark}赚", PHRASES)] == ["稳赚"]


# --- every service that saves a note ----------------------------------------------------------------------------


def _queue_item(client_id: int, task_id: int | None = None) -> QueueItem:
    return QueueItem(Candidate(client_id, "张三丰", QueueReason.FOLLOW_UP, MONDAY, Decimal("1000.00"), task_id))


def _snooze_at_two(ws: Any, item: QueueItem, _: SkipReason, *rest: Any) -> None:
    snooze(ws, item, dt.datetime(2026, 11, 27, 6, tzinfo=dt.UTC), *rest)  # Friday 14:00 in Shanghai


@pytest.mark.parametrize("act", [skip, _snooze_at_two])
def test_a_skip_or_snooze_note_with_a_forbidden_phrase_is_refused_until_confirmed(
    branch: Branch,
    act: Callable[..., None],
) -> None:
    ws = branch.ws(branch.csm_a)
    with pytest.raises(ForbiddenPhrases):
        act(ws, _queue_item(branch.zsf), SkipReason.NOT_NOW, "客户说等保 本产品")
    assert branch.count(TaskRow, client_id=branch.zsf) == 0
    act(
        ws,
        _queue_item(branch.zsf),
        SkipReason.NOT_NOW,
        "客户说等保 本产品",
        PhrasesConfirmed(frozenset({"保本"}), "客户原话"),
    )
    assert branch.count(TaskRow, client_id=branch.zsf) == 1
    assert len(_audit(branch, PHRASES_REFUSED)) == 1 and len(_audit(branch, PHRASES_CONFIRMED)) == 1


def test_referral_notes_and_a_return_reason_with_a_forbidden_phrase_are_refused_until_confirmed(
    branch: Branch,
) -> None:
    assert branch.wealth.id is not None and branch.csm_a.id is not None
    csm, teller, wealth = branch.ws(branch.csm_a), branch.ws(branch.teller), branch.ws(branch.wealth)
    with pytest.raises(ForbiddenPhrases):
        referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id, note="客户只要零风险")
    with pytest.raises(ForbiddenPhrases):
        referrals.refer_walk_in(teller, branch.zl, branch.csm_a.id, note="想买包赚的")
    assert branch.count(ReferralRow) == 0 and branch.count(TaskRow, client_id=branch.zl) == 0
    keep = PhrasesConfirmed(frozenset({"零风险"}), "客户原话")
    referral = referrals.refer_to_wode(csm, branch.zsf, branch.wealth.id, "客户只要零风险", keep)
    with pytest.raises(ForbiddenPhrases):
        referrals.decide(wealth, referral, accept=False, reason="客户要无风险，不合适")
    assert branch.count(ReferralRow, status=ReferralStatus.OPEN) == 1
    referrals.decide(
        wealth, referral, False, "客户要无风险，不合适", PhrasesConfirmed(frozenset({"无风险"}), "客户原话")
    )
    assert branch.count(ReferralRow, status=ReferralStatus.RETURNED) == 1
    assert len(_audit(branch, PHRASES_REFUSED)) == 3 and len(_audit(branch, PHRASES_CONFIRMED)) == 2


def test_a_reveal_reason_with_a_forbidden_phrase_is_refused_until_confirmed_and_nothing_shown(branch: Branch) -> None:
    ws = branch.ws(branch.csm_a)
    with pytest.raises(ForbiddenPhrases) as caught:
        client_detail.reveal(ws, branch.zsf, "客户要买保本产品核实身份")
    assert [(h.field, h.phrase) for h in caught.value.hits] == [("note", "保本")]
    assert not [r for r in branch.audit_rows() if r.action == "reveal"]  # no numbers were read
    [refused] = _audit(branch, PHRASES_REFUSED)
    assert "核实身份" not in str(refused.detail)
    keep = PhrasesConfirmed(frozenset({"保本"}), "客户原话")
    assert client_detail.reveal(ws, branch.zsf, "客户要买保本产品核实身份", keep)[0]
    [kept] = _audit(branch, PHRASES_CONFIRMED)
    assert kept.entity_id == str(branch.zsf) and kept.detail["reason"] == "客户原话"


def test_a_civil_capacity_reason_with_a_forbidden_phrase_is_refused_until_confirmed(branch: Branch) -> None:
    ws = branch.ws(branch.supervisor)
    with pytest.raises(ForbiddenPhrases):
        client_detail.set_civil_capacity(ws, branch.zsf, False, "家属说只能买无风险的")
    detail = client_detail.load(ws, branch.zsf)
    assert isinstance(detail, client_detail.ClientDetail) and detail.client.civil_capacity
    keep = PhrasesConfirmed(frozenset({"无风险"}), "家属原话")
    assert not client_detail.set_civil_capacity(ws, branch.zsf, False, "家属说只能买无风险的", keep).civil_capacity
    assert len(_audit(branch, PHRASES_REFUSED)) == 1 and len(_audit(branch, PHRASES_CONFIRMED)) == 1


@pytest.mark.parametrize(
    "reason", ["客户要买保 本产品", "客户要买保　本产品", "客户要买ＸＸ保-本", "客户要穩賺的", "無 風 險"]
)
def test_a_reveal_or_capacity_reason_with_a_dressed_up_phrase_is_refused_and_the_audit_keeps_no_text(
    branch: Branch, reason: str
) -> None:
    """Through the service API, past the dialog: spaces, full width, punctuation or traditional characters hide no
    phrase; nothing is revealed or changed, and the refusal's entry names the phrase, never the reason typed."""
    with pytest.raises(ForbiddenPhrases):
        client_detail.reveal(branch.ws(branch.csm_a), branch.zsf, reason)
    with pytest.raises(ForbiddenPhrases):
        client_detail.set_civil_capacity(branch.ws(branch.supervisor), branch.zsf, False, reason)
    rows = branch.audit_rows()
    assert not [r for r in rows if r.action in ("reveal", "client.civil_capacity")]
    refused = _audit(branch, PHRASES_REFUSED)
    assert len(refused) == 2 and all(reason not in str(r.detail) and "客户" not in str(r.detail) for r in refused)


@pytest.mark.parametrize("blank", ["\u200b", " \u200b\u3000", "\u2060\ufeff", "\u200d "])
def test_a_reveal_or_capacity_reason_of_only_invisible_characters_is_no_reason(branch: Branch, blank: str) -> None:
    """A zero-width or format character is not a reason an auditor can read: refused in words (no traceback), no
    number revealed, nothing audited; a phrase kept for such a 'reason' is not kept either."""
    before = len(branch.audit_rows())
    with pytest.raises(DomainError) as refused:
        client_detail.reveal(branch.ws(branch.csm_a), branch.zsf, blank)
    assert refused.value.code == "reason_required"
    with pytest.raises(DomainError) as refused:
        client_detail.set_civil_capacity(branch.ws(branch.supervisor), branch.zsf, False, blank)
    assert refused.value.code == "capacity_reason_required"
    assert len(branch.audit_rows()) == before
    with pytest.raises(ForbiddenPhrases):
        client_detail.reveal(
            branch.ws(branch.csm_a), branch.zsf, "客户要买保本产品", PhrasesConfirmed(frozenset({"保本"}), blank)
        )
