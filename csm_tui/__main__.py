"""``python -m csm_tui`` is ``csm``."""

from csm_tui.entry import main

main()
