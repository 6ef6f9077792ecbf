"""Every screen and dialog a user can reach has a snapshot at 80×24 and at 120×40, in Chinese and in English.

The screens are found by inspection (every ``Screen`` subclass defined in ``screens`` and ``widgets``), the pictures
by the registry below: a new screen without its four snapshots fails here, and so does a registered picture whose
file or test is gone. Most of the newer snapshot tests also check, before the picture, that the screen on top is the
one registered (``tests.support.snapshots``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

from textual.screen import Screen

import screens
import widgets
from screens.agenda import AgendaScreen
from screens.aml_reviews import AmlReviewsScreen
from screens.assessments_due import SuitabilityScreen
from screens.call_session import CallSession
from screens.checklist import ChecklistScreen
from screens.client_detail import ClientDetailScreen
from screens.clients import ClientsScreen
from screens.data_state import DataStateScreen
from screens.dialogs import (
    AmlDecisionDialog,
    AmlReportDialog,
    CheckedTextDialog,
    ChooseStaffDialog,
    DaySummaryDialog,
    EditClientDialog,
    EventDialog,
    ExportDialog,
    IntroductionDialog,
    InviteDialog,
    LeaveDialog,
    LogContactDialog,
    MeetingDialog,
    MysteryCheckDialog,
    OutcomeDialog,
    ProspectCallDialog,
    ProspectDialog,
    QualificationDialog,
    ReasonDialog,
    RevealDialog,
    SmsSentDialog,
    SnoozeDialog,
    TextDialog,
    TrainingDialog,
    WalkInDialog,
    WhenDialog,
)
from screens.events import CheckInScreen, EventScreen, EventsScreen
from screens.figure_records import RecordsScreen
from screens.first_screen import FirstChecklistScreen
from screens.help import HelpScreen
from screens.imports import ImportScreen
from screens.prospects import ProspectCallSession, ProspectsScreen
from screens.queue import QueueScreen
from screens.referrals import ReferralsScreen
from screens.scoreboard import CardScreen, ScoreboardScreen
from screens.search import SearchScreen
from screens.session_ended import SessionEndedScreen
from screens.shelf import ShelfScreen
from screens.sms import SmsScreen
from screens.suitability_wizard import SuitabilityWizard
from screens.team_checklist import TeamChecklistScreen
from tests.support.snapshots import LANGS, SIZES
from widgets.row_detail import RowDetail

TESTS = Path(__file__).resolve().parents[1]
CASES = [(size, lang) for size in SIZES for lang in LANGS]


def pictures(module: str, test: str, *, zh_80x24: str | None = None, at_80x24: str | None = None) -> list[str]:
    """The four SVGs of ``test`` in ``tests/<module>.py``, ``{size}`` and ``{lang}`` filled in; ``at_80x24`` (and
    ``zh_80x24`` for Chinese at 80×24) when those are taken by another test of the module."""
    folder, name = module.split("/")
    shown = []
    for size, lang in CASES:
        chosen = test
        if size == "80x24" and at_80x24 is not None:
            chosen = at_80x24
        if (size, lang) == ("80x24", "zh_CN") and zh_80x24 is not None:
            chosen = zh_80x24
        shown.append(f"{folder}/__snapshots__/{name}/{chosen.format(size=size, lang=lang)}.svg")
    return shown


def views(module: str, test: str, view: str) -> list[str]:
    """The four SVGs of ``view`` in a test parametrized by ``tests.support.snapshots.every_size_and_language``."""
    return pictures(module, f"{test}[{view}-{{lang}}-{{size}}]")


def _app(key: str) -> list[str]:
    return pictures("app/test_app", f"test_snapshot_at_{{size}}[{key}-{{lang}}]")


def _day(name: str) -> list[str]:
    return pictures("checklist/test_checklist_screens", f"test_snapshot_at_{{size}}[{name}-{{lang}}]")


def _session(view: str) -> list[str]:
    return pictures("app/test_app", f"test_snapshot_of_a_call_session_its_dialogs_and_help[{{size}}-{view}-{{lang}}]")


def _client(view: str) -> list[str]:
    return views("clients/test_client_dialog_snapshots", "test_snapshot_of_the_client_pages_dialogs", view)


def _aml(view: str) -> list[str]:
    return views("clients/test_aml_snapshots", "test_snapshot_of_the_suspicion_reports_a_supervisor_decides", view)


def _event(view: str) -> list[str]:
    return views("events/test_event_snapshots", "test_snapshot_of_an_event_its_door_and_dialogs", view)


def _score(view: str) -> list[str]:
    return views("scoreboard/test_score_dialog_snapshots", "test_snapshot_of_a_card_and_the_team_tables_dialogs", view)


def _lobby(view: str) -> list[str]:
    return views("screens/test_referral_snapshots", "test_snapshot_of_the_referrals_dialogs", view)


def _prospects(view: str) -> list[str]:
    return views("events/test_prospect_snapshots", "test_snapshot_of_the_prospects_a_call_and_an_introduction", view)


def _small(view: str) -> list[str]:
    return pictures(
        "screens/test_search_sms_help_snapshots", f"test_snapshot_of_search_sms_and_help[{view}-{{lang}}-{{size}}]"
    )


SNAPSHOTS: dict[type[Screen[Any]], list[str]] = {
    # the screens
    ChecklistScreen: _app("1"),
    QueueScreen: _app("2"),
    ClientsScreen: _app("3"),
    SuitabilityScreen: _app("4"),  # the assessments due
    ScoreboardScreen: _app("5"),
    ReferralsScreen: _app("6") + _day("lobby_home"),  # a CSM's, and the lobby's home
    EventsScreen: _app("7"),
    AmlReviewsScreen: _app("8") + _aml("supervisor"),
    AgendaScreen: _day("agenda"),
    ShelfScreen: _day("shelf"),
    TeamChecklistScreen: _day("team"),  # a supervisor's home
    DataStateScreen: _day("data_state"),  # the admin's home
    CallSession: _session("session"),
    SearchScreen: _small("search"),
    SmsScreen: _small("sms"),
    HelpScreen: _small("help"),
    ClientDetailScreen: pictures("clients/test_client_screens", "test_snapshot_of_client_detail_at_{size}[{lang}]"),
    ImportScreen: pictures("imports/test_import_screen", "test_snapshot_of_a_dry_run_at_{size}[{lang}]"),
    SuitabilityWizard: pictures(
        "selling/test_suitability_wizard",
        "test_snapshot_of_wizard_steps_in_english_and_wide[{lang}-{size}-done]",
        zh_80x24="test_snapshot_of_wizard_steps_at_80x24[done]",
    ),
    RecordsScreen: pictures(  # the records behind a figure
        "scoreboard/test_scoreboard_screens",
        "test_snapshot_of_the_scoreboard_at_120x40[records-{lang}]",
        at_80x24="test_snapshot_of_the_records_behind_a_figure_at_80x24[{lang}]",
    ),
    CardScreen: _score("card"),
    EventScreen: _event("event"),
    CheckInScreen: _event("door"),
    SessionEndedScreen: pictures(
        "screens/test_session_end_screen", "test_snapshot_of_the_end_of_a_session[{lang}-{size}]"
    ),
    RowDetail: _client("contact_whole"),  # any row opened whole
    # the dialogs
    SnoozeDialog: _session("z"),
    OutcomeDialog: _session("b"),
    DaySummaryDialog: _day("summary"),
    ExportDialog: pictures(
        "imports/test_import_screen",
        "test_snapshot_of_the_export_dialog_in_english_and_wide[{lang}-{size}]",
        zh_80x24="test_snapshot_of_the_export_dialog_at_80x24",
    ),
    MysteryCheckDialog: pictures(
        "scoreboard/test_scoreboard_screens",
        "test_snapshot_of_the_scoreboard_at_120x40[mystery-{lang}]",
        at_80x24="test_snapshot_of_the_mystery_shopper_form_at_80x24[{lang}]",
    ),
    TextDialog: _score("close_quarter"),
    CheckedTextDialog: views("checklist/test_day_snapshots", "test_snapshot_of_the_days_dialogs", "note")
    + _lobby("accept")
    + _score("grade_d"),
    RevealDialog: _client("reveal"),
    LeaveDialog: views("checklist/test_day_snapshots", "test_snapshot_of_the_days_dialogs", "leave"),
    MeetingDialog: views("checklist/test_day_snapshots", "test_snapshot_of_the_days_dialogs", "move_meeting")
    + _client("book"),
    EditClientDialog: _client("edit"),
    LogContactDialog: _client("log_contact"),
    WhenDialog: _client("follow_up"),
    ChooseStaffDialog: _client("refer"),
    AmlReportDialog: _client("aml_report"),
    AmlDecisionDialog: _aml("decision"),
    ReasonDialog: views("calls/test_queue_dialog_snapshots", "test_snapshot_of_the_queues_dialogs", "skip"),
    SmsSentDialog: views("calls/test_queue_dialog_snapshots", "test_snapshot_of_the_queues_dialogs", "sms_sent"),
    EventDialog: _event("new_event"),
    InviteDialog: _event("invite"),
    ProspectDialog: _event("prospect"),
    TrainingDialog: _score("training"),
    QualificationDialog: _score("qualification"),
    WalkInDialog: _lobby("walk_in"),
    ProspectsScreen: _prospects("list"),
    ProspectCallSession: _prospects("call"),
    ProspectCallDialog: _prospects("note"),
    IntroductionDialog: _prospects("introduce"),
}

# Shown for the moments before sign-in ends (``csm_tui.start``): the checklist's own header, title, table, summary
# and key bar from the thin read, replaced by the checklist once signed in (tests/app/test_thin_start.py).
SAME_PICTURE_AS: dict[type[Screen[Any]], type[Screen[Any]]] = {FirstChecklistScreen: ChecklistScreen}

# Bases: never shown themselves, only their subclasses (each registered above).
NEVER_SHOWN = {"screens.base:Destination", "screens.dialogs:SavingDialog", "screens.dialogs:_Form"}


def _name(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


def _every_screen() -> dict[str, type[Screen[Any]]]:
    """Every Screen subclass defined in a module of ``screens`` or ``widgets``, by ``module:Name``."""
    found: dict[str, type[Screen[Any]]] = {}
    for package in (screens, widgets):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            loaded = importlib.import_module(module.name)
            for _, kind in inspect.getmembers(loaded, inspect.isclass):
                if issubclass(kind, Screen) and kind.__module__ == loaded.__name__:
                    found[_name(kind)] = kind
    return found


def _sources() -> str:
    root = TESTS.parent
    return "\n".join(
        p.read_text(encoding="utf-8") for d in ("csm_tui", "screens", "widgets") for p in (root / d).rglob("*.py")
    )


def test_every_screen_and_dialog_has_a_snapshot_at_both_sizes_in_both_languages() -> None:
    found = _every_screen()
    unregistered = sorted(
        name
        for name, kind in found.items()
        if name not in NEVER_SHOWN and kind not in SNAPSHOTS and kind not in SAME_PICTURE_AS
    )
    assert not unregistered, f"no snapshots registered for {unregistered}"
    missing: list[str] = []
    for kind, svgs in SNAPSHOTS.items():
        for svg in svgs:
            folder, _, module, picture = svg.split("/")
            test = picture.split("[")[0].removesuffix(".svg")
            if not hasattr(importlib.import_module(f"tests.{folder}.{module}"), test):
                missing.append(f"{kind.__name__}: no test {folder}/{module}.py::{test}")
            elif not (TESTS / svg).is_file():
                missing.append(f"{kind.__name__}: no {svg}")
    assert not missing, "\n".join(missing)
    assert all(kind in SNAPSHOTS for kind in SAME_PICTURE_AS.values())


def test_the_bases_left_out_are_never_opened_themselves() -> None:
    found = _every_screen()
    assert set(found) >= NEVER_SHOWN
    sources = _sources()
    for name in NEVER_SHOWN:
        base = name.split(":")[1]
        assert not re.search(rf"(?<!class )(?<![\w.]){re.escape(base)}\(", sources), f"{base} is opened itself"
        assert any(issubclass(kind, found[name]) and kind in SNAPSHOTS for kind in found.values()), base
