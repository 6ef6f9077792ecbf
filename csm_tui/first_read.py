"""The first screen's data, read thin: the signed-in CSM's checklist for today through the database driver alone,
by the shipped policy (``csm_tui.start`` says when it applies and where it runs)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from csm_tui import policy_defaults as defaults
from csm_tui.domain.enums import Role
from csm_tui.services.checklist.item_states import ItemState, item_states
from csm_tui.services.checklist.shelf_reads import products_read, shelf_items
from csm_tui.services.rows import DayWindow, Progress
from storage.first_checklist import FirstStaff, SavedSummary, first_checklist, open_thin, signing_in
from storage.os_account import account_name


@dataclass(frozen=True, slots=True)
class FirstScreen:
    """What the first frame shows: today's list of the staff member signing in."""

    staff: FirstStaff
    day: dt.date
    items: tuple[ItemState, ...]
    summary: SavedSummary | None
    on_leave: bool


def first_screen(url: str, login: str | None, now: dt.datetime) -> FirstScreen | None:
    """The CSM ``login``'s checklist for today by the shipped policy, read thin; None where the thin start does not
    apply (see the module) or anything goes wrong (the full path then meets it and says what it is)."""
    db = open_thin(url)
    if db is None:
        return None
    try:
        own = account_name()
        staff, demo = signing_in(db, login or own)
        if login not in (None, own) and not demo:
            return None  # signing in as someone else: the full path decides whether this caller may
        if staff is None or staff.role is not Role.CSM:
            return None  # unknown or deactivated: refused by the full path; other roles' first screens are others
        window = _window(now)
        facts = first_checklist(db, staff, window)
    except Exception:
        return None
    finally:
        db.close()

    def products() -> Progress:
        return products_read(shelf_items(facts.shelf, window, defaults.NEW_PRODUCT_DAYS), window)

    items = item_states(
        defaults.items_for(staff.role), facts.counts, facts.marks,
        summary_written=facts.summary is not None and bool(facts.summary.text.strip()),
        call_target=0 if facts.on_leave else defaults.DAILY_CALL_TARGET, products=products,
    )  # fmt: skip
    return FirstScreen(staff, window.day, items, facts.summary, facts.on_leave)


def _window(now: dt.datetime) -> DayWindow:
    """Today in the shipped calendar's time zone (``services.days.day_window`` for the default policy)."""
    tz = zoneinfo.ZoneInfo(defaults.TIME_ZONE)

    def bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(day, dt.time(), tz)
        return start.astimezone(dt.UTC), dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tz).astimezone(
            dt.UTC
        )

    today = now.astimezone(tz).date()
    return DayWindow.of(today, now, defaults.next_working_day_after(today), defaults.MATURITY_LEAD_DAYS, bounds)
