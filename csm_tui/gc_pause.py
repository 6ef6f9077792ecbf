"""Start-up without the cyclic garbage collector.

Importing the app's stack creates hundreds of thousands of long-lived objects (modules, classes, SQLAlchemy's and
Textual's tables), and the collector would walk them over and over while they are made, about a tenth of the time to
the first screen. The entry point pauses it; once the first screen has its data, ``resume`` moves everything made so
far out of the collector's way for good (``gc.freeze``), so later collections in a long working day stay short too.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Idempotent; does nothing unless ``pause`` disabled the collector."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
