"""The thin start: the signed-in CSM's checklist read through the database driver and painted first, while SQLAlchemy,
pydantic, the policy and the other destinations load in a worker behind it (``CsmApp`` with an ``Opening``).

It applies where the first screen is the checklist and nothing about the start needs the full path to decide: the
shipped policy (no policy file), a CSM signing in as the account's own login (or on the demo branch), a database the
thin read opens as it stands (``storage.first_checklist.open_thin``). Anywhere else ``first_screen`` is None and the
app waits for the signed-in workstation before painting, as before. The sign-in itself (its rules, its audit entry)
is always the full path's, run in the worker; keys typed before it is done are kept and acted on after.
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from csm_tui import policy_defaults as defaults
from csm_tui.domain.enums import Role
from csm_tui.services.checklist.item_states import ItemState, item_states
from csm_tui.services.checklist.shelf_reads import products_read, shelf_items
from csm_tui.services.rows import DayWindow, Progress
from storage.first_checklist import FirstStaff, SavedSummary, active_staff, first_checklist, is_demo, open_thin
from storage.os_account import account_name

if TYPE_CHECKING:
    from csm_tui.services.workstation import Workstation


@dataclass(frozen=True, slots=True)
class FirstScreen:
    """What the first frame shows: today's list of the staff member signing in."""

    staff: FirstStaff
    day: dt.date
    items: tuple[ItemState, ...]
    summary: SavedSummary | None
    on_leave: bool


@dataclass(frozen=True)
class Opening:
    """How the app opens: the first screen, being read (``opening``), painted at once (None: nothing to paint
    before the workstation), then ``sign_in`` (run in a worker; the full path, imports and sign-in rules and audit)
    gives the workstation."""

    reading: Future[FirstScreen | None]
    sign_in: Callable[[], Workstation]

    @property
    def first(self) -> FirstScreen | None:
        return self.reading.result()


def opening(url: str, login: str | None, now: dt.datetime, sign_in: Callable[[], Workstation]) -> Opening:
    """The first screen read in a thread of its own (the database works while the app's modules load: the driver
    lets go of the interpreter while it queries), and how to sign in."""
    reading: Future[FirstScreen | None] = Future()

    def read() -> None:
        try:
            reading.set_result(first_screen(url, login, now))
        except BaseException as exc:  # first_screen gives None for what it expects; anything else is told
            reading.set_exception(exc)

    threading.Thread(target=read, name="first-screen", daemon=True).start()
    return Opening(reading, sign_in)


class SignInRefused(Exception):
    """The sign-in behind the first frame was refused (``message``, as the command line would have said it): the
    app ends with it and ``code``."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def first_screen(url: str, login: str | None, now: dt.datetime) -> FirstScreen | None:
    """The CSM ``login``'s checklist for today by the shipped policy, read thin; None where the thin start does not
    apply (see the module) or anything goes wrong (the full path then meets it and says what it is)."""
    db = open_thin(url)
    if db is None:
        return None
    try:
        own = account_name()
        if login not in (None, own) and not is_demo(db):
            return None  # signing in as someone else: the full path decides whether this caller may
        staff = active_staff(db, login or own)
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
