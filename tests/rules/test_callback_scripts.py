"""A callback's script claims the agreed time only while it is that time: made well after it, it says the time was
agreed earlier."""

from __future__ import annotations

import datetime as dt

from csm_tui.domain.enums import QueueReason
from csm_tui.rules.scripts import LATE_AFTER, CallbackCause, plan

AGREED = dt.datetime(2026, 11, 27, 3, tzinfo=dt.UTC)  # 11:00 in Shanghai


def test_a_callback_made_at_the_agreed_time_says_it_is_the_time_the_client_named() -> None:
    assert plan(QueueReason.CALLBACK, CallbackCause.AGREED, AGREED, AGREED + LATE_AFTER).purpose == "callback"


def test_a_callback_made_well_after_the_agreed_time_says_the_time_was_agreed_earlier() -> None:
    late = AGREED + LATE_AFTER + dt.timedelta(minutes=1)
    assert plan(QueueReason.CALLBACK, CallbackCause.AGREED, AGREED, late).purpose == "callback_late"
    naive = AGREED.replace(tzinfo=None)  # as SQLite may hand it back: UTC
    assert plan(QueueReason.CALLBACK, CallbackCause.AGREED, naive, late).purpose == "callback_late"


def test_only_an_agreed_callback_can_be_late() -> None:
    late = AGREED + dt.timedelta(hours=3)
    assert plan(QueueReason.CALLBACK, CallbackCause.RETRY, AGREED, late).purpose == "callback_retry"
    assert plan(QueueReason.CALLBACK, CallbackCause.OTHER, None, late).purpose == "callback_other"
