"""Translated key bindings.

Bindings are declared at class level, before the user's language is known, with catalog keys as descriptions
(``Binding("e", "edit", "key.edit", id="detail.edit")``). They are never rewritten: Textual keeps them as declared, a
keymap from the settings remaps them by id (``App.set_keymap``), and the widgets that show keys (the key bar, F1
help) read them through ``Screen.active_bindings`` and say each one in the current language with ``described``.
"""

from __future__ import annotations

from textual.binding import Binding

from csm_tui.i18n import t


def described(binding: Binding) -> str:
    """What the binding does, in the current language ("" for a binding without a description)."""
    return t(binding.description) if binding.description else ""
