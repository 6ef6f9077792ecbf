"""The ``csm`` console script: pauses the garbage collector before the heavy imports, then runs the command line."""

from __future__ import annotations

from csm_tui import gc_pause


def main() -> None:
    gc_pause.pause()
    from csm_tui.cli import main as command_line

    command_line()
