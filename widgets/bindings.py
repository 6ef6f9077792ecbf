"""Translated key bindings.

Bindings are declared at class level, before the user's language is known, with catalog keys as descriptions
(``Binding("e", "edit", "key.edit", id="detail.edit")``). They are never rewritten: Textual keeps them as declared, a
keymap from the settings remaps them by id (``App.set_keymap``), and the widgets that show keys (the key bar, F1
help) read them through ``Screen.active_bindings`` and say each one in the current language with ``described``.
"""

from __future__ import annotations

from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widgets import DataTable

from csm_tui.i18n import t

ENTER = "enter"


def described(binding: Binding) -> str:
    """What the binding does, in the current language ("" for a binding without a description)."""
    return t(binding.description) if binding.description else ""


def shown_bindings(screen: Screen[object]) -> dict[str, ActiveBinding]:
    """``screen.active_bindings`` as the key bar and F1 say them: where the focused list's own Enter (the table's,
    unnamed, which selects the row) hides the screen's named Enter binding, the screen's is said, for the screen turns
    the row's selection into that very action (the checklist goes to the item, the agenda opens the client)."""
    active = screen.active_bindings
    hidden = active.get(ENTER)
    if hidden is None or hidden.binding.id is not None or not isinstance(hidden.node, DataTable):
        return active
    for binding in screen._bindings.key_to_bindings.get(ENTER, []):
        if binding.id is not None and screen.app._check_action_state(binding.action, screen) is not False:
            active[ENTER] = ActiveBinding(screen, binding, True, binding.tooltip)
            break
    return active
