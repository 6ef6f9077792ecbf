"""What went wrong, in one line of the user's language: never a traceback."""

from __future__ import annotations

from pydantic import ValidationError

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import explain, has, storage_cause, t
from csm_tui.services.ports import AccessDenied, ConcurrentEdit, SessionEnded, StorageFailure, TaskNotOpen


def describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError | DomainError):
        return explain(exc)
    if isinstance(exc, TaskNotOpen):
        return t("error.task_closed")
    if isinstance(exc, ConcurrentEdit):
        return t("error.concurrent_edit")
    if isinstance(exc, SessionEnded):
        return t("error.session_ended")
    if isinstance(exc, AccessDenied):
        return access_refusal(exc)
    if isinstance(exc, StorageFailure):
        return t("error.save_failed", reason=storage_cause(exc.cause))
    return t("error.unexpected", reason=type(exc).__name__)


def access_refusal(exc: AccessDenied) -> str:
    """A permission refusal said as one ("无权…"), naming what was refused where the catalogs know it: never "try
    again", which would only be refused again."""
    what = str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else ""
    if what == "client_cover":
        return t("error.access_cover")
    if what == "client":
        return t("error.access_denied")
    return t(f"access.{what}") if has(f"access.{what}") else t("access.other")


def describe_load(exc: Exception) -> str:
    """What went wrong reading the data to show: a database failure by its cause (a load saves nothing)."""
    if isinstance(exc, StorageFailure):
        return t("error.load_failed_cause", reason=storage_cause(exc.cause))
    return describe(exc)


REFUSALS = (ValidationError, DomainError, TaskNotOpen, ConcurrentEdit, SessionEnded, AccessDenied)


def kind(exc: Exception) -> str:
    """What a log may say of a failure: its type, and a database failure's cause; never its text, which for a
    database error can carry client data."""
    return f"{type(exc).__name__} ({exc.cause})" if isinstance(exc, StorageFailure) else type(exc).__name__


def refused(exc: Exception) -> bool:
    """A refusal of the rules or of the session (expected, told to the user), not a fault."""
    return isinstance(exc, REFUSALS)
