"""The desk's clipboard over SSH: OSC 52, the escape sequence that asks the terminal the staff member sits at to put
text on its clipboard (the workstation may run on the branch server; the clipboard is the desk's). Inside tmux the
sequence goes twice: wrapped in tmux's passthrough (``ESC P tmux; … ESC \\``, each ESC inside doubled), which tmux
3.3 and later pass on with ``set -g allow-passthrough on``, and bare, which tmux takes (and passes on to the desk's
terminal) with ``set -g set-clipboard on`` and drops otherwise; either setting then copies.

Textual's ``App.copy_to_clipboard`` writes the bare sequence and knows nothing of tmux; the app sends every copy
through ``osc52`` instead, and masks every text but the one number ``services.clients.copying`` hands out.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Mapping
from typing import Any

from textual.app import App

log = logging.getLogger(__name__)

ESC = "\x1b"
BEL = "\x07"


def osc52(text: str, env: Mapping[str, str] | None = None) -> str:
    """The sequence that puts ``text`` on the terminal's clipboard; when ``$TMUX`` is set, wrapped for tmux's
    passthrough and then bare for its ``set-clipboard``."""
    env = os.environ if env is None else env
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"{ESC}]52;c;{payload}{BEL}"
    if env.get("TMUX"):
        return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\{sequence}"
    return sequence


def send(app: App[Any], text: str) -> None:
    """``text`` onto the desk's clipboard as it is: the caller has decided it may be (``CsmApp.copy_to_clipboard``
    masks first; ``screens.base.copy_client_mobile`` sends the one number the copy service hands out)."""
    # Textual has no public way to write to the terminal nor to set the clipboard it pastes from inside the app
    # without writing the bare OSC 52 (which tmux keeps): its own copy_to_clipboard does the same two things.
    app._clipboard = text
    driver = app._driver
    if driver is not None:
        driver.write(osc52(text))
