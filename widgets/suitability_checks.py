"""The 4S check's lines in the user's language: what each line is about, and its reason with its codes (ratings,
levels, certificates) shown by their labels. The check itself is ``csm_tui.rules.suitability``'s."""

from __future__ import annotations

from csm_tui.domain.enums import AssetType, QualificationKind, RiskLevel, RiskRating
from csm_tui.i18n import label, t
from csm_tui.rules.suitability import Check


def _kinds(value: str, separator: str) -> str:
    return separator.join(label(QualificationKind(v)) for v in value.split("/") if v)


def check_reason(check: Check) -> str:
    """A check's reason in the current language, its codes (ratings, levels, certificates) shown by their labels."""
    params = dict(check.params)
    if "rating" in params and params["rating"] in RiskRating.__members__:
        params["rating"] = label(RiskRating[params["rating"]])
    if "level" in params and params["level"] in RiskLevel.__members__:
        params["level"] = label(RiskLevel[params["level"]])
    if "asset_type" in params and params["asset_type"] in {a.value for a in AssetType}:
        params["asset_type"] = label(AssetType(params["asset_type"]))
    if "qualification" in params:
        params["qualification"] = _kinds(params["qualification"], t("check.or"))
    if "qualifications" in params:
        params["qualifications"] = _kinds(params["qualifications"], t("check.and"))
    return t(f"check.{check.reason_key}", **params)


def check_title(check: Check) -> str:
    """What a check line is about, in the current language."""
    return t(f"check.{check.code}.title")
