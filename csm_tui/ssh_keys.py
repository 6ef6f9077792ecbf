"""OpenSSH ``authorized_keys`` entries that open the workstation as one staff member and nothing else.

Each entry is ``restrict,pty,command="<csm> ssh-session --staff LOGIN --db URL" <key> csm:LOGIN``: ``restrict``
turns off forwarding, agent, X11 and user rc files; ``pty`` gives the app its terminal back; the forced command
replaces whatever command the client asked for. Lines that are not ours are kept byte for byte (whatever their
encoding). Changes hold an exclusive lock (``authorized_keys.lock`` beside the file), so two admins adding or
removing keys at once lose nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import pwd
import re
import shlex
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

SSH_SESSION = "ssh-session"
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
_OURS = re.compile(r'^restrict,pty,command="(?P<command>[^"]*)" (?P<kind>\S+) (?P<blob>\S+)(?: .*)?$')


class BadKey(ValueError):
    """The text is not one OpenSSH public key."""


class KeyExists(ValueError):
    """The key is in the file already (one key opens one staff member's workstation)."""

    def __init__(self, login: str | None) -> None:
        super().__init__(login)
        self.login = login


@dataclass(frozen=True)
class PublicKey:
    kind: str
    blob: bytes

    @property
    def fingerprint(self) -> str:
        """As ``ssh-keygen -l`` prints it: SHA256 and unpadded base64."""
        return "SHA256:" + base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")

    def text(self) -> str:
        return f"{self.kind} {base64.b64encode(self.blob).decode()}"


@dataclass(frozen=True)
class StaffKey:
    login: str
    key: PublicKey
    command: str


def parse_public_key(text: str) -> PublicKey:
    """The key of a ``.pub`` file's single line (type, base64 blob, optional comment)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) != 1:
        raise BadKey("one key per file")
    fields = lines[0].split()
    if len(fields) < 2 or fields[0] not in KEY_TYPES:
        raise BadKey("not an OpenSSH public key")
    try:
        blob = base64.b64decode(fields[1], validate=True)
    except binascii.Error:
        raise BadKey("the key is not base64") from None
    # The blob starts with its own type name, length-prefixed: a mismatch means a damaged or spliced key.
    if len(blob) < 4:
        raise BadKey("the key is truncated")
    (size,) = struct.unpack(">I", blob[:4])
    if blob[4 : 4 + size].decode(errors="replace") != fields[0]:
        raise BadKey("the key's type and content disagree")
    return PublicKey(fields[0], blob)


def forced_command(csm: str, login: str, db_url: str) -> str:
    """The command sshd runs for a staff member's key, quoted for a shell and for ``command="..."``."""
    command = shlex.join([csm, SSH_SESSION, "--staff", login, "--db", db_url])
    if any(ch in command for ch in '"\\\n\r'):
        raise ValueError("the command may not hold quotes, backslashes or line breaks")
    return command


def default_file() -> Path:
    """The running (service) account's own ``~/.ssh/authorized_keys``, wherever $HOME points."""
    return Path(pwd.getpwuid(os.geteuid()).pw_dir) / ".ssh" / "authorized_keys"


def _staff_of(command: str) -> str | None:
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if SSH_SESSION not in words or "--staff" not in words[:-1]:
        return None
    return words[words.index("--staff") + 1]


class AuthorizedKeys:
    """One ``authorized_keys`` file: our entries read and written, other lines kept."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _lines(self) -> list[str]:
        """The file's lines; bytes that are not UTF-8 (a Latin-1 comment) survive as surrogate escapes."""
        if not self.path.exists():
            return []
        text = self.path.read_bytes().decode("utf-8", "surrogateescape")
        return text.removesuffix("\n").split("\n") if text else []

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with FileLock(self.path.with_name(self.path.name + ".lock")):
            yield

    @staticmethod
    def _parse(line: str) -> StaffKey | None:
        match = _OURS.match(line)
        if match is None:
            return None
        login = _staff_of(match["command"])
        if login is None:
            return None
        try:
            key = parse_public_key(f"{match['kind']} {match['blob']}")
        except BadKey:
            return None
        return StaffKey(login, key, match["command"])

    def entries(self) -> list[StaffKey]:
        return [entry for entry in map(self._parse, self._lines()) if entry is not None]

    def add(self, login: str, key: PublicKey, command: str) -> None:
        with self._locked():
            lines = self._lines()
            for line in lines:
                fields = line.split()
                if key.text().split()[1] in fields:
                    entry = self._parse(line)
                    raise KeyExists(entry.login if entry else None)
            lines.append(f'restrict,pty,command="{command}" {key.text()} csm:{login}')
            self._write(lines)

    def remove(self, login: str, fingerprint: str | None = None) -> list[StaffKey]:
        """Remove the staff member's keys (or just the one with ``fingerprint``); returns what was removed."""
        kept, removed = [], []
        with self._locked():
            for line in self._lines():
                entry = self._parse(line)
                if entry and entry.login == login and fingerprint in (None, entry.key.fingerprint):
                    removed.append(entry)
                else:
                    kept.append(line)
            if removed:
                self._write(kept)
        return removed

    def _write(self, lines: list[str]) -> None:
        """Replace the file whole (a crash leaves the old or the new one), owner-only like sshd wants it."""
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".authorized_keys.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write("".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape"))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
