"""What went wrong, in one line of the user's language: never a traceback."""

from __future__ import annotations

from pydantic import ValidationError

from csm_tui.domain.errors import DomainError
from csm_tui.i18n import explain, storage_cause, t
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
        return t("error.access_cover" if exc.args[:1] == ("client_cover",) else "error.access_denied")
    if isinstance(exc, StorageFailure):
        return t("error.save_failed", reason=storage_cause(exc.cause))
    return t("error.unexpected", reason=type(exc).__name__)


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
