"""Errors the domain raises: a catalog key and parameters, rendered in the user's language by the UI."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the bank was broken. ``code`` is an i18n catalog key under ``error.``."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return self.code
        details = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.code} ({details})"
