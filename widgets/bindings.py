"""Translated key bindings.

Bindings are declared at class level, before the user's language is known, with catalog keys as descriptions;
each instance replaces them with the current language's text when it is created.
"""

from __future__ import annotations

import dataclasses

from textual.dom import DOMNode

from csm_tui.i18n import t


def translate_bindings(node: DOMNode) -> None:
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            dataclasses.replace(b, description=t(b.description), tooltip=t(b.tooltip) if b.tooltip else "")
            if b.description
            else b
            for b in bindings
        ]
