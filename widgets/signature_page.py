"""The suitability record as a printable page for the client's signature (HTML, UTF-8: Chinese shows correctly)."""

from __future__ import annotations

import html
from decimal import Decimal
from pathlib import Path
from typing import Any

from csm_tui.domain.models import SuitabilityRecord
from csm_tui.domain.values import money
from csm_tui.i18n import current_language, label, t
from csm_tui.rules import suitability as rules
from widgets.suitability_checks import check_reason, check_title

_STYLE = (
    "body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:2em}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}"
    ".fail{color:#b00}.sign{margin-top:3em}"
)


def _check(stored: dict[str, Any]) -> rules.Check:
    return rules.Check(stored["code"], stored["passed"], stored["reason"], stored["params"])


def render(record: SuitabilityRecord, outlet: str, tz: str) -> str:
    """The page; times in the branch's time zone ``tz``, amounts as money."""
    d = record.detail
    e = html.escape
    client, product = d["client"], d["product"]
    assessment = d.get("assessment") or {}
    rows = "".join(
        f"<tr><td>{'✓' if c['passed'] else '<span class=fail>✗</span>'}</td>"
        f"<td>{e(check_title(_check(c)))}: {e(check_reason(_check(c)))}</td></tr>"
        for c in d["checks"]
    )
    asked = d.get("required", list(d["confirmations"]))  # records before 2026-12 did not say
    confirmations = "".join(
        f"<li>{e(t('report.confirm.' + name))}: {'✓' if d['confirmations'].get(name) else '—'}</li>"
        for name in asked
        if name != "recording_ref"
    )
    at = rules.local_time(record.created_at, tz).strftime("%Y-%m-%d %H:%M")
    lang = current_language().replace("_", "-")
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{e(t("report.title"))}</title><style>{_STYLE}</style></head>
<body>
<h1>{e(t("report.title"))}</h1>
<p>{e(t("report.record", id=record.id, at=at, outlet=outlet))}</p>
<h2>{e(t("report.client"))}</h2>
<p>{e(client["name"])} · {e(client["number"])} · {e(client["masked_id"])} · {e(t("card.age", age=client["age"]))}</p>
<p>{e(t("report.assessment", level=assessment.get("level", "—"), until=assessment.get("valid_until", "—")))}</p>
<h2>{e(t("report.product"))}</h2>
<p>{e(product["name"])} ({e(product["code"])}) · {e(product["rating"] or "—")} · {e(money(Decimal(d["amount"])))}</p>
<h2>{e(t("report.checks"))}</h2>
<table>{rows}</table>
<h2>{e(t("report.confirmations"))}</h2>
<ul>{confirmations}</ul>
<p>{e(t("report.recording", ref=record.recording_ref or "—"))}</p>
<p>{e(t("report.outcome", outcome=label(record.outcome)))}</p>
<p>{e(t("report.salesperson", name=d["salesperson"]["name"], login=d["salesperson"]["login"]))}</p>
<p class="sign">{e(t("report.sign"))}</p>
</body></html>
"""


def save(record: SuitabilityRecord, outlet: str, tz: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"suitability-{record.id}.html"
    path.write_text(render(record, outlet, tz), encoding="utf-8")
    path.chmod(0o600)  # it names the client
    return path
