"""Issue 8 end to end: desks reach the branch server through a real OpenSSH server on loopback (tests/support/sshd.py).

Each staff member's key, written by ``csm admin ssh-key add`` run as the service account, opens the workstation as
that staff member and nothing else: over a pty (ssh -tt, TERM=screen-256color as under tmux, no COLORTERM) the
header names the staff member and the queue holds their clients; a command the client asks for is ignored.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.terminal import Terminal
from storage.engine import make_engine
from storage.orm import AuditRow, ClientRow, StaffRow
from tests.support.sshd import SshServer, client_key, ssh_server

CSM = str(Path(sys.executable).with_name("csm"))
FIRST_PAINT_S, QUIET_S = 60.0, 1.5
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
MOUSE_ON = (b"\x1b[?1000h", b"\x1b[?1002h", b"\x1b[?1003h", b"\x1b[?1006h")


@dataclass
class Desk:
    login: str
    name: str
    key: Path
    clients: set[str]


@dataclass
class Branch:
    server: SshServer
    url: str
    desks: dict[str, Desk]


def screen_text(output: bytes) -> str:
    return _ESCAPES.sub(b"", output).decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def branch(demo_template: Path) -> Iterator[Branch]:
    with ssh_server() as server:
        folder = server.base / "branch"
        folder.mkdir(mode=0o700)
        db = folder / "csm.db"
        shutil.copyfile(demo_template, db)
        db.chmod(0o600)
        server.chown(folder)
        server.chown(db)
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        with engine.connect() as conn:
            staff = {r.login: r for r in conn.execute(select(StaffRow.id, StaffRow.login, StaffRow.name))}
            clients = conn.execute(select(ClientRow.name, ClientRow.manager_id)).all()
        engine.dispose()
        keys = server.base / "desks"  # readable by the service account, which reads the public keys
        keys.mkdir()
        desks: dict[str, Desk] = {}
        for login in ("csm01", "csm02"):
            key = client_key(keys, login)
            added = server.as_account(
                CSM, "--lang", "en", "admin", "ssh-key", "add", "--staff", login, "--key", f"{key}.pub", "--db", url,
                "--file", str(server.authorized_keys), env={"SUDO_USER": "admin"},
            )  # fmt: skip
            assert added.returncode == 0, added.stderr
            own = {name for name, manager in clients if manager == staff[login].id}
            desks[login] = Desk(login, staff[login].name, key, own)
        yield Branch(server, url, desks)


def open_session(branch: Branch, desk: Desk, *command: str) -> Terminal:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "screen-256color"}
    return Terminal(branch.server.ssh(desk.key, *command), env, branch.server.base)


def test_the_keys_are_in_the_service_accounts_authorized_keys(branch: Branch) -> None:
    keys = branch.server.authorized_keys
    lines = keys.read_text().splitlines()
    assert len(lines) == 2
    for line, login in zip(lines, ("csm01", "csm02"), strict=True):
        assert line.startswith(f'restrict,pty,command="{CSM} ssh-session --staff {login} --db {branch.url}" ')
    assert keys.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("login", "other"), [("csm01", "csm02"), ("csm02", "csm01")])
def test_each_key_opens_its_staff_members_workstation_whatever_the_client_asks(
    branch: Branch, login: str, other: str
) -> None:
    desk, them = branch.desks[login], branch.desks[other]
    # The client asks for another staff member and a shell command: the forced command ignores both.
    with open_session(branch, desk, "csm", "--staff", other, ";", "id") as term:
        assert term.drain(QUIET_S, FIRST_PAINT_S), "the workstation drew nothing"
        first = screen_text(bytes(term.output))
        assert desk.name in first and them.name not in first
        assert "uid=" not in first
        mark = len(term.output)
        term.press("2")
        term.drain(QUIET_S, 10)
        queue = screen_text(bytes(term.output[mark:]))
        mine_only, theirs_only = desk.clients - them.clients, them.clients - desk.clients
        # Whole names, cell by cell: another's 刘玉 is not in one's own 刘玉兰.
        cells = set(queue.replace("│", " ").split())
        assert mine_only & cells, queue
        assert not theirs_only & cells
        # Over SSH the mouse is off by default: no mouse reporting floods the link.
        assert not any(seq in term.output for seq in MOUSE_ON)
        term.press("\x11")  # ctrl+q
        assert term.process.wait(timeout=20) == 0
    engine = make_engine(branch.url)
    with engine.connect() as conn:
        signins = conn.execute(select(AuditRow.detail).where(AuditRow.action == "signin")).scalars().all()
    engine.dispose()
    assert {"login": login, "via": "ssh"} in signins


def test_a_key_cannot_run_any_other_command(branch: Branch) -> None:
    for command in (["id"], ["sh", "-c", "cat /etc/passwd"], [CSM, "--staff", "admin"]):
        done = subprocess.run(
            branch.server.ssh(branch.desks["csm01"].key, *command, tty=False),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode != 0
        assert "uid=" not in done.stdout and "root:" not in done.stdout
        assert "needs a terminal" in done.stderr or "终端" in done.stderr


def test_a_key_that_was_not_added_is_refused(branch: Branch, tmp_path: Path) -> None:
    stranger = client_key(tmp_path, "stranger")
    done = subprocess.run(
        branch.server.ssh(stranger, "id", tty=False), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 255
    assert "Permission denied" in done.stderr
