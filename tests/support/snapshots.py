"""Snapshots of a view at both sizes in both languages: a view is a staff member's keys from their first screen to
the screen or dialog it shows, checked to be the one meant before the picture is taken."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from tests.support.pilot import make_app, press_settled

SnapCompare = Callable[..., bool]

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
LANGS = ("zh_CN", "en")


@dataclass(frozen=True)
class View:
    name: str  # the snapshot's id
    login: str  # who signs in
    keys: tuple[str, ...]  # pressed from their first screen, the app at rest after each
    shows: type[Screen[Any]]  # what is on top once they were pressed
    # Readies the branch at the url for the view (an event today, say) and says the keys pressed after ``keys``
    # that reach it there (a row's place in a list depends on the branch).
    prepare: Callable[[str], tuple[str, ...]] | None = None


def every_size_and_language(views: list[View]) -> Callable[..., object]:
    """Parametrize a test by ``view``, ``lang`` and ``size``: ids ``<view>-<lang>-<size>``."""

    def mark(test: Callable[..., object]) -> object:
        test = pytest.mark.parametrize("view", views, ids=[v.name for v in views])(test)
        test = pytest.mark.parametrize("lang", LANGS)(test)
        return pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))(test)

    return mark


def reaching(view: View, keys: tuple[str, ...]) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await press_settled(pilot, *keys)
        shown = pilot.app.screen
        assert type(shown) is view.shows, f"{view.name}: {type(shown).__name__} is shown, not {view.shows.__name__}"

    return run_before


def snapshot_of(snap_compare: SnapCompare, url: str, view: View, lang: str, size: tuple[int, int]) -> bool:
    """``view`` on the branch at ``url`` (a private copy), in ``lang`` at ``size``, compared with its SVG."""
    keys = view.keys + (view.prepare(url) if view.prepare else ())
    app = make_app(url, lang=lang, login=view.login)
    return snap_compare(app, terminal_size=size, run_before=reaching(view, keys))
