"""Every user-facing string is in both catalogs, and errors read in the user's language."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

import pytest
from pydantic import ValidationError

from csm_tui import i18n
from csm_tui.app import DESTINATIONS
from csm_tui.domain import enums, values
from csm_tui.domain.models import NewClient
from csm_tui.i18n import LANGUAGES, catalog, explain, label, set_language, t
from csm_tui.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for pkg in ("csm_tui", "screens", "widgets", "storage") for p in (ROOT / pkg).rglob("*.py")]
LITERAL_KEY = re.compile(r"""\b(?:t|counted)\(\s*"([a-z_]+\.[a-z0-9_.]+)"|"(key\.[a-z_]+|nav\.[a-z]+)"\s*,\s*id=""")
BINDING_DESCRIPTION = re.compile(r"""Binding\([^)]*?"([a-z_]+\.[a-z_]+)",\s*(?:show=\w+,\s*)?id=""")


def test_catalogs_have_the_same_keys() -> None:
    zh, en = set(catalog("zh_CN")), set(catalog("en"))
    assert zh - en == set(), "missing from en.toml"
    assert en - zh == set(), "missing from zh_CN.toml"


def _keys_in_source() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        keys |= {m for groups in LITERAL_KEY.findall(text) for m in groups if m}
        keys |= set(BINDING_DESCRIPTION.findall(text))
    return keys


def test_every_key_used_in_the_source_is_in_both_catalogs() -> None:
    used = _keys_in_source()
    assert len(used) > 50  # the scan finds the keys
    for lang in LANGUAGES:
        assert used - set(catalog(lang)) == set(), lang


def test_every_enum_member_and_destination_has_a_label() -> None:
    members: list[Enum] = [
        m
        for e in vars(enums).values()
        if isinstance(e, type) and issubclass(e, Enum) and e.__module__ == enums.__name__
        for m in e
    ] + list(values.Sex)
    names = [f"nav.{d}" for d in DESTINATIONS] + [f"palette.{d}" for d in DESTINATIONS]
    for lang in LANGUAGES:
        set_language(lang)
        for member in members:
            assert label(member) != "", member
            assert "." not in label(member), (lang, member)  # a missing key would show itself, dotted
        assert all(i18n.has(name) for name in names)


def test_catalog_placeholders_match_between_languages() -> None:
    field = re.compile(r"{(\w+)}")
    zh, en = catalog("zh_CN"), catalog("en")
    for key in zh:
        assert set(field.findall(zh[key])) == set(field.findall(en[key])), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_states_the_elderly_age_the_policy_sets(lang: str) -> None:
    """The age from which a client gets extra care is the policy's; a text that wrote it down would say 65 to a
    bank that set 60. The texts say "elderly" or show the client's own age."""
    age = re.compile(rf"(?<!\d){Policy().assessment.elderly_age}(?!\d)")
    assert [key for key, text in catalog(lang).items() if age.search(text)] == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh_CN", "「证件号码」：证件号码校验位不正确"), ("en", "ID number: the ID number's check character is wrong")],
)
def test_validation_errors_name_the_field_and_reason_in_the_users_language(lang: str, expected: str) -> None:
    set_language(lang)
    with pytest.raises(ValidationError) as caught:
        NewClient(number="C1", name="张三", resident_id="110105194912310021")
    assert explain(caught.value) == expected


def test_missing_key_shows_itself_rather_than_crashing() -> None:
    assert t("no.such.key") == "no.such.key"


def test_every_domain_error_and_keyed_family_is_in_both_catalogs() -> None:
    """Keys built at run time: domain error codes, and the families screens build with f-strings."""
    from csm_tui.domain.enums import QueueReason
    from csm_tui.policy import OfferService
    from screens.client_detail import COLUMNS
    from screens.suitability_wizard import CONFIRMATIONS, STEPS

    codes = {code for path in SOURCES for code in re.findall(r'DomainError\(\s*"([a-z_.]+)"', path.read_text("utf-8"))}
    keys = {f"error.{code}" for code in codes}
    keys |= {f"script.purpose.{r.value}" for r in QueueReason} | {f"wizard.step.{s}" for s in STEPS}
    keys |= {f"report.confirm.{c}" for c in (*CONFIRMATIONS, "recording_ref")}
    keys |= {f"detail.col.{n}" for cols in COLUMNS.values() for n in cols}
    keys |= {f"offer.service.{s.value}" for s in OfferService}
    assert len(codes) > 20
    for lang in LANGUAGES:
        assert keys - set(catalog(lang)) == set(), lang


def test_a_count_of_one_reads_in_the_singular_in_english() -> None:
    set_language("en")
    try:
        assert i18n.counted("agenda.line", day="2026-12-07", count=1) == "2026-12-07 · 1 meeting"
        assert i18n.counted("agenda.line", day="2026-12-07", count=2) == "2026-12-07 · 2 meetings"
        assert i18n.counted("clients.count", count=1) == "1 client"
        assert i18n.counted("clients.count", count=0) == "0 clients"
    finally:
        set_language("zh_CN")
