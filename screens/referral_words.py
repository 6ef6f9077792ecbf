"""How a 沃德 referral returned or released is said: what it cancelled, counted in words and only what there was
(``电话 2 通、面谈 1 次``, ``1 call``), and the notice its client's CSM, or the 沃德 client manager whose client was
released on their behalf, is given."""

from __future__ import annotations

from csm_tui.i18n import counted, listed, t
from csm_tui.services.clients.referrals import Released
from csm_tui.services.rows import WodeEnding


def cancelled_said(key: str, calls: int, meetings: int) -> str:
    """``key``'s words for what a return or release cancelled (the counts that are not zero), or nothing."""
    counts = (("referrals.ended_calls", calls), ("referrals.ended_meetings", meetings))
    parts = [counted(words, count=count) for words, count in counts if count]
    return t(key, what=listed(parts)) if parts else ""


def released_said(released: Released) -> str:
    """A release done, with what it cancelled of the 沃德 client manager's."""
    cancelled = cancelled_said("referrals.release_cancelled", released.calls, released.meetings)
    return t("referrals.release_done", cancelled=cancelled)


def returned_said(released: Released, *, on_behalf: bool = False) -> str:
    """A 沃德 referral returned, with what it cancelled of its manager's: the reader's own, or (returned on their
    behalf) the 沃德 client manager's."""
    key = "referrals.release_cancelled" if on_behalf else "referrals.return_cancelled"
    cancelled = cancelled_said(key, released.calls, released.meetings)
    return t("referrals.released", cancelled=cancelled)


def ending_said(ended: WodeEnding) -> str:
    """A 沃德 return or release as its notice says it: to the client's CSM, by whom on whose behalf; to the 沃德 client
    manager whose client was released on their behalf, by whom, with what it cancelled of theirs."""
    if ended.held:
        cancelled = cancelled_said("referrals.ended_yours_cancelled", ended.calls, ended.meetings)
        return t("referrals.ended_released_yours", by=ended.by_name, client=ended.client_name, note=ended.note,
                 cancelled=cancelled)  # fmt: skip
    cancelled = cancelled_said("referrals.ended_cancelled", ended.calls, ended.meetings)
    key = f"referrals.ended_{ended.status}" + ("_by" if ended.by_name else "")
    return t(key, wealth=ended.wealth_name, client=ended.client_name, note=ended.note, cancelled=cancelled,
             by=ended.by_name)  # fmt: skip
