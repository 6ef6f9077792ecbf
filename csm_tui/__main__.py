"""``python -m csm_tui`` is ``csm``."""

from csm_tui.cli import main

main()
