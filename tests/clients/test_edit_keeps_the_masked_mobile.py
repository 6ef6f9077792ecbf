"""Issue 18: the edit-client dialog shows the mobile masked. The service takes a mobile given as the stored one's
masked form as the number left untouched — never written over it —, whatever screen or caller sends it; and the
full number is read only through ``reveal``, which the service itself audits. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.errors import DomainError
from csm_tui.domain.typed import typed_mask
from csm_tui.domain.values import mask_mobile
from csm_tui.i18n import catalog, explain
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


@pytest.mark.parametrize(
    "shown",
    [" 139****5678 ", "１３９＊＊＊＊５６７８", "139 **** 5678", "\u3000139-****-5678\t", "139••••5678", "139xxxx5678",
     "139XXXX5678", "139####5678", "+86 139****5678", "86-139-●●●●-5678", "(+86) 139 ＸＸＸＸ 5678",
     "139····5678", "139・・・・5678", "139....5678"],
)  # fmt: skip
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


@pytest.mark.parametrize(
    "typed",
    ["abc", "1234", "139-1234-567", "23912345678", "139•••5678 ext", "1*3*9", "13912345678#", "139·1234·567"],
)
def test_a_mobile_that_is_neither_a_number_nor_the_mask_is_refused_in_plain_words(branch: Branch, typed: str) -> None:
    """Not a mainland mobile and not the masked one kept: refused, in the words of each language (what to type, how
    to keep the number), never a validator's message; nothing written."""
    client = branch.client(branch.zsf)
    before = branch.count(AuditRow)
    with pytest.raises(DomainError) as refused:
        client_detail.edit(branch.ws(branch.csm_a), client, mobile=typed, address="上海市新华路1号")
    assert refused.value.code == "mobile_not_valid"
    assert all("11" in catalog(lang)["error.mobile_not_valid"] for lang in ("zh_CN", "en"))
    after = branch.client(branch.zsf)
    assert (after.mobile, after.address, after.version) == (ZSF_MOBILE, client.address, client.version)
    assert branch.count(AuditRow) == before


MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
GLYPHS = st.sampled_from("*＊﹡∗xXｘＸ×#＃•●∙")
GAPS = st.sampled_from(["", "", " ", "-", "\u3000", "－"])


def _full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})


@given(
    MOBILES, st.lists(GLYPHS, min_size=4, max_size=4), st.sampled_from(["", "+86", "86", "0086", "+86 ", "(+86)"]),
    GAPS, GAPS, st.booleans(),
)  # fmt: skip
def test_the_masked_mobile_is_recognised_however_its_hidden_digits_are_typed(
    mobile: str, hidden: list[str], prefix: str, gap: str, gap2: str, wide: bool
) -> None:
    """The visible digits around any four mask glyphs, after a country code, split by spaces or hyphens, in full-width
    digits: the masked mobile, as ``mask_mobile`` shows it."""
    typed = f"{prefix}{mobile[:3]}{gap}{''.join(hidden)}{gap2}{mobile[-4:]}"
    assert typed_mask(_full_width(typed) if wide else typed) == mask_mobile(mobile)


@given(MOBILES, MOBILES, st.lists(GLYPHS, min_size=1, max_size=6))
def test_a_mask_with_other_visible_digits_or_another_length_is_another_mask(
    mobile: str, other: str, hidden: list[str]
) -> None:
    typed = f"{other[:3]}{''.join(hidden)}{other[-4:]}"
    kept = other[:3] == mobile[:3] and other[-4:] == mobile[-4:] and len(hidden) == 4
    assert (typed_mask(typed) == mask_mobile(mobile)) == kept


@given(st.text(max_size=30))
def test_any_text_reads_as_a_mask_of_stars_and_digits_or_as_none(text: str) -> None:
    mask = typed_mask(text)
    assert mask is None or ("*" in mask and set(mask) <= set("0123456789*"))


def test_a_wrong_mobile_for_a_client_without_one_is_refused_without_speaking_of_a_mask(branch: Branch) -> None:
    """With no number on file there is no masked number to leave: the words say only what to type."""
    client = branch.client(branch.zsf).model_copy(update={"mobile": None})
    with pytest.raises(DomainError) as refused:
        client_detail.edit(branch.ws(branch.csm_a), client, mobile="1391234567")
    assert refused.value.code == "mobile_new_not_valid"
    assert all("11" in catalog(lang)["error.mobile_new_not_valid"] for lang in ("zh_CN", "en"))
    assert "掩码" not in catalog("zh_CN")["error.mobile_new_not_valid"]
    assert "mask" not in catalog("en")["error.mobile_new_not_valid"]


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
