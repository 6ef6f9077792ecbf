"""The desk's clipboard over SSH: OSC 52, the escape sequence that asks the terminal the staff member sits at to put
text on its clipboard (the workstation may run on the branch server; the clipboard is the desk's). Inside tmux the
sequence is wrapped in tmux's passthrough (``ESC P tmux; … ESC \\``, each ESC inside doubled), or tmux would keep
it to itself; tmux 3.3 and later pass it on with ``set -g allow-passthrough on``.

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
    """The sequence that puts ``text`` on the terminal's clipboard; wrapped for tmux when ``$TMUX`` is set."""
    env = os.environ if env is None else env
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"{ESC}]52;c;{payload}{BEL}"
    if env.get("TMUX"):
        return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"
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
