"""Reading a small text file the user names (the settings, the branch policy): a regular file only, at most
``MAX_BYTES``, UTF-8 (a leading byte order mark is dropped). A device (``/dev/zero``), a directory or a pipe is
refused without reading from it, and a file is never read past one byte more than the limit."""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

MAX_BYTES = 1 << 20  # 1 MiB: a settings or policy file is a few KB


class SmallFileError(Exception):
    """Why the file can't be used, as a catalog key (``file_error.*``) and its parameters: ``str(error)`` of it
    in the user's language is ``t(error.key, **error.params)``."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


_OS_REASONS = {errno.ENOENT: "file_error.missing", errno.EACCES: "file_error.denied", errno.EPERM: "file_error.denied"}


def read_small_text(path: Path, limit: int = MAX_BYTES) -> str:
    """The text of the regular file at ``path``; ``SmallFileError`` when it is missing, unreadable, not a
    regular file, larger than ``limit`` bytes or not UTF-8."""
    try:
        # O_NONBLOCK: opening a pipe with no writer must not hang; it is refused below like any non-regular file.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _os_error(exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SmallFileError("file_error.not_regular")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise _os_error(exc) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise SmallFileError("file_error.too_large", limit=f"{limit // 1024:,}")
    try:
        return data.decode("utf-8-sig")  # a leading byte order mark (Windows Notepad's UTF-8) is not text
    except UnicodeDecodeError:
        raise SmallFileError("file_error.not_utf8") from None


def _os_error(exc: OSError) -> SmallFileError:
    if exc.errno == errno.EISDIR:
        return SmallFileError("file_error.not_regular")
    key = _OS_REASONS.get(exc.errno or 0)
    if key is None:
        return SmallFileError("file_error.unreadable", code=errno.errorcode.get(exc.errno or 0, "?"))
    return SmallFileError(key)


_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_small_toml(path: Path, limit: int = MAX_BYTES) -> dict[str, Any]:
    """The TOML table in the small file at ``path``; a syntax error is a ``SmallFileError`` naming the line and
    column (tomllib's own message is English)."""
    text = read_small_text(path, limit)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _WHERE.search(str(exc))
        if where is None:
            raise SmallFileError("file_error.toml") from None
        raise SmallFileError("file_error.toml_at", line=where[1], column=where[2]) from None
