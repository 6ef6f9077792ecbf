"""A person is one prospect, followed by one CSM, on SQLite and PostgreSQL: the same mobile (typed +86, with spaces,
in full-width digits) or resident ID taken again — at the door or from another CSM's client — is refused with the
name of the CSM who follows them, so a "do not call" said to one CSM is never undone by another's calls; someone
whose calls have stopped may be taken again with their new consent. A client introduced is refused in the
introduction's words (not the door's). Their note, like their mobile, is masked to the supervisor."""

from __future__ import annotations

import pytest

from csm_tui.domain.enums import ProspectOutcome
from csm_tui.domain.errors import DomainError
from csm_tui.i18n import catalog
from csm_tui.services.calls import prospect_calls
from csm_tui.services.events import prospects
from tests.support.events_branch import Branch, event, on_event_day


@pytest.mark.parametrize("typed", ["13912345678", "+86 139 1234 5678", "１３９１２３４５６７８"])
def test_the_same_mobile_taken_again_by_another_csm_is_refused_naming_who_follows_them(
    branch: Branch, typed: str
) -> None:
    prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "13912345678", consent=True)
    with pytest.raises(DomainError) as refused:
        prospects.introduced(branch.ws("li"), branch.client("乙", "li"), "钱七", typed, consent=True)
    assert (refused.value.code, refused.value.params) == ("prospect_taken", {"manager": "王芳"})
    event_id = event(branch, by="li")
    on_event_day(branch)
    with pytest.raises(DomainError, match="prospect_taken"):
        prospects.meet_at_event(branch.ws("li"), event_id, "钱七", typed, consent=True)
    assert prospects.mine(branch.ws("li")) == []
    assert len(prospects.mine(branch.ws("wang"))) == 1


def test_the_same_resident_id_under_another_mobile_is_refused(branch: Branch) -> None:
    rid = "11010519491231002X"
    prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "13912345678", True, rid)
    with pytest.raises(DomainError, match="prospect_taken"):
        prospects.introduced(branch.ws("li"), branch.client("乙", "li"), "钱七", "13812345678", True, rid)


def test_someone_whose_calls_stopped_may_be_taken_again_with_new_consent(branch: Branch) -> None:
    first = prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "13912345678", consent=True)
    prospect_calls.record(branch.ws("wang"), first.id, ProspectOutcome.NOT_INTERESTED)
    again = prospects.introduced(branch.ws("li"), branch.client("乙", "li"), "钱七", "13912345678", consent=True)
    assert again.manager_id == branch.staff["li"].id


def test_a_client_introduced_is_refused_in_the_introductions_words(branch: Branch) -> None:
    branch.client("甲", "li")  # another CSM's client, mobile 13900000001
    introducer = branch.client("乙", "wang")
    with pytest.raises(DomainError) as refused:
        prospects.introduced(branch.ws("wang"), introducer, "甲", "+86 139 0000 0001", consent=True)
    assert refused.value.code == "prospect_introduced_is_client"
    said = [catalog(language)[f"error.{refused.value.code}"] for language in ("zh_CN", "en")]
    assert "签到" not in said[0] and "walk-in" not in said[1]  # no check-in on a client's page


def test_the_note_is_masked_to_the_supervisor_like_the_mobile(branch: Branch) -> None:
    note = "他太太的手机13812345678"
    prospects.introduced(branch.ws("wang"), branch.client("甲", "wang"), "钱七", "13912345678", True, note=note)
    [own] = prospects.listing(branch.ws("wang"))
    [seen] = prospects.listing(branch.ws("sup"), branch.staff["wang"].id)
    assert own.note == note
    assert "13812345678" not in seen.note and seen.note.startswith("他太太的手机")
