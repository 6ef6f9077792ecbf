"""Who this process runs as: free of SQLAlchemy, so the thin start (``csm_tui.start``) asks the same way."""

from __future__ import annotations

import os
import pwd


def account_name() -> str:
    """The account this process runs as (from the kernel, not from $USER, which anyone can set)."""
    return pwd.getpwuid(os.geteuid()).pw_name
