"""Issue 18: the edit-client dialog shows the mobile masked. The service takes a mobile given as the stored one's
masked form as the number left untouched — never written over it —, whatever screen or caller sends it; and the
full number is read only through ``reveal``, which the service itself audits. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import explain
from csm_tui.services.clients import client_detail
from storage.orm import AuditRow
from tests.support.clients_branch import ZSF_MOBILE, Branch


def test_saving_with_the_mobile_as_shown_masked_keeps_the_stored_mobile(branch: Branch) -> None:
    client = branch.client(branch.zsf)
    masked = client.mobile.masked() if client.mobile else ""
    assert client.mobile == ZSF_MOBILE and ZSF_MOBILE not in masked
    saved = client_detail.edit(branch.ws(branch.csm_a), client, mobile=masked, address="上海市新华路1号")
    assert saved.mobile == ZSF_MOBILE and saved.address == "上海市新华路1号"
    assert branch.client(branch.zsf).mobile == ZSF_MOBILE


def test_the_masked_mobile_alone_is_no_change(branch: Branch) -> None:
    client = branch.client(branch.zsf)
    before = branch.count(AuditRow)
    with pytest.raises(DomainError) as refused:
        client_detail.edit(branch.ws(branch.csm_a), client, mobile=client.mobile.masked() if client.mobile else "")
    assert refused.value.code == "nothing_changed"
    assert branch.count(AuditRow) == before and branch.client(branch.zsf).mobile == ZSF_MOBILE


@pytest.mark.parametrize("shown", [" 139****5678 ", "１３９＊＊＊＊５６７８", "139 **** 5678", "\u3000139-****-5678\t"])
def test_the_masked_mobile_spaced_pasted_or_full_width_is_the_stored_one_kept(branch: Branch, shown: str) -> None:
    """The masked form as a user leaves, pastes or retypes it (spaces around or between, a Chinese input method's
    full-width digits and ＊) is the stored number kept: alone no change, with another field saved beside it."""
    client = branch.client(branch.zsf)
    assert client.mobile is not None and client.mobile.masked() == "139****5678"
    ws = branch.ws(branch.csm_a)
    with pytest.raises(DomainError) as refused:
        client_detail.edit(ws, client, mobile=shown)
    assert refused.value.code == "nothing_changed"
    saved = client_detail.edit(ws, client, mobile=shown, address="上海市新华路1号")
    assert (saved.mobile, saved.address) == (ZSF_MOBILE, "上海市新华路1号")
    assert branch.client(branch.zsf).mobile == ZSF_MOBILE


@pytest.mark.parametrize("shown", ["139****5679", " 138****5678", "139***5678", "**********8", "13912**5678"])
def test_another_masked_text_is_refused_in_plain_words_and_nothing_is_written(branch: Branch, shown: str) -> None:
    """A mask of some other number (a digit typed over the shown one, the stars left) is no number: refused, saying
    how to keep or change it, with the other changes of the same save; nothing written."""
    client = branch.client(branch.zsf)
    before = branch.count(AuditRow)
    with pytest.raises(DomainError) as refused:
        client_detail.edit(branch.ws(branch.csm_a), client, mobile=shown, address="上海市新华路1号")
    assert refused.value.code == "mobile_masked_other"
    assert "*" in explain(refused.value) and "11" in explain(refused.value)
    after = branch.client(branch.zsf)
    assert (after.mobile, after.address, after.version) == (ZSF_MOBILE, client.address, client.version)
    assert branch.count(AuditRow) == before


def test_a_masked_mobile_for_a_client_without_one_is_refused(branch: Branch) -> None:
    client = branch.client(branch.zsf).model_copy(update={"mobile": None})
    with pytest.raises(DomainError) as refused:
        client_detail.edit(branch.ws(branch.csm_a), client, mobile="139****5678")
    assert refused.value.code == "mobile_masked_other"


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_clearing_a_stored_mobile_is_refused_and_the_number_stays(branch: Branch, blank: str | None) -> None:
    """A CSM never blanks a number by editing (a wrong one is the call outcome "wrong number"): refused, with the
    other changes of the same save, nothing written."""
    client = branch.client(branch.zsf)
    before = branch.count(AuditRow)
    with pytest.raises(DomainError) as refused:
        client_detail.edit(branch.ws(branch.csm_a), client, mobile=blank, address="上海市新华路1号")
    assert refused.value.code == "mobile_required"
    after = branch.client(branch.zsf)
    assert (after.mobile, after.address, after.version) == (ZSF_MOBILE, client.address, client.version)
    assert branch.count(AuditRow) == before


def test_clearing_is_refused_as_stored_even_if_the_caller_passes_a_client_without_a_mobile(branch: Branch) -> None:
    """The service checks the number stored, not the ``client`` it is handed."""
    client = branch.client(branch.zsf).model_copy(update={"mobile": None})
    with pytest.raises(DomainError) as refused:
        client_detail.edit(branch.ws(branch.csm_a), client, mobile=None)
    assert refused.value.code == "mobile_required"
    assert branch.client(branch.zsf).mobile == ZSF_MOBILE


def test_a_new_mobile_typed_over_the_masked_one_is_saved(branch: Branch) -> None:
    saved = client_detail.edit(branch.ws(branch.csm_a), branch.client(branch.zsf), mobile="13700001111")
    assert saved.mobile == "13700001111" and branch.client(branch.zsf).mobile == "13700001111"


def test_the_reveal_is_audited_by_the_service_without_the_numbers(branch: Branch) -> None:
    ids, mobile = client_detail.reveal(branch.ws(branch.csm_a), branch.zsf, "客户来电要求核对手机号")
    assert mobile == ZSF_MOBILE
    [entry] = [r for r in branch.audit_rows() if r.action == "reveal"]
    assert (entry.staff_id, entry.entity, entry.entity_id) == (branch.csm_a.id, "clients", str(branch.zsf))
    assert ZSF_MOBILE not in str(entry.detail) and ids not in str(entry.detail)
