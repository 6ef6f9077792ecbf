"""How a 沃德 referral returned or released is said: what it cancelled, counted in words (``1 call``, ``2 meetings``),
and the notice its client's CSM, or the 沃德 client manager whose client was released on their behalf, is given."""

from __future__ import annotations

from csm_tui.i18n import counted, t
from csm_tui.services.rows import WodeEnding


def cancelled_said(calls: int, meetings: int) -> dict[str, str]:
    """The ``calls`` and ``meetings`` parameters of a text saying what a return or release cancelled."""
    return {
        "calls": counted("referrals.ended_calls", count=calls),
        "meetings": counted("referrals.ended_meetings", count=meetings),
    }


def ending_said(ended: WodeEnding) -> str:
    """A 沃德 return or release as its notice says it: to the client's CSM, by whom on whose behalf; to the 沃德 client
    manager whose client was released on their behalf, by whom, with what it cancelled of theirs."""
    counts = cancelled_said(ended.calls, ended.meetings)
    if ended.held:
        cancelled = t("referrals.ended_yours_cancelled", **counts) if ended.calls or ended.meetings else ""
        return t("referrals.ended_released_yours", by=ended.by_name, client=ended.client_name, note=ended.note,
                 cancelled=cancelled)  # fmt: skip
    cancelled = t("referrals.ended_cancelled", **counts) if ended.calls or ended.meetings else ""
    key = f"referrals.ended_{ended.status}" + ("_by" if ended.by_name else "")
    return t(key, wealth=ended.wealth_name, client=ended.client_name, note=ended.note, cancelled=cancelled,
             by=ended.by_name)  # fmt: skip
