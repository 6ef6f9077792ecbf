"""The ``csm`` console script: pauses the garbage collector before the heavy imports, then opens the workstation
the thin way (``csm_tui.quick_start``) or, for anything else, runs the command line."""

from __future__ import annotations

import sys

from csm_tui import gc_pause


def main() -> None:
    gc_pause.pause()
    from csm_tui.quick_start import run

    if run(sys.argv[1:]):
        return
    from csm_tui.cli import main as command_line

    command_line()
