"""A task's note as a person reads it: a skipped call's reason, kept as its code (``csm_tui.domain.task_notes``),
said in the user's language wherever the note is shown or exported, and read back from either language's words
when an exported list is imported again (so it imports back unchanged)."""

from __future__ import annotations

from csm_tui.domain.enums import SkipReason
from csm_tui.domain.task_notes import skip_note, skip_of
from csm_tui.i18n import LANGUAGES, catalog, label, t

_GAP = "\0"  # where the manager's note goes in the words, to find it again


def said_note(note: str) -> str:
    """The note in the user's language: each line that holds a skip's reason as its code said in words
    ("Skipped: Not now (…); 客户出差" for ``[not_now] 客户出差``), the rest as written."""
    return "\n".join(_said_line(line) for line in note.split("\n"))


def stored_note(text: str) -> str:
    """A note as an exported list gives it, as it is kept: each line saying a skip's reason, in either language, with
    the reason as its code again."""
    return "\n".join(_stored_line(line) for line in text.split("\n"))


def _said_line(line: str) -> str:
    reason, rest = skip_of(line)
    if reason is None:
        return line
    return t("skip.said_note", reason=label(reason), note=rest) if rest else t("skip.said", reason=label(reason))


def _stored_line(line: str) -> str:
    for lang in LANGUAGES:
        words = catalog(lang)
        for reason in SkipReason:
            name = words[f"skip_reason.{reason.value}"]
            if line == words["skip.said"].format(reason=name):
                return skip_note(reason, "")
            head, tail = words["skip.said_note"].format(reason=name, note=_GAP).split(_GAP)
            if len(line) > len(head) + len(tail) and line.startswith(head) and line.endswith(tail):
                return skip_note(reason, line[len(head) : len(line) - len(tail)])
    return line
