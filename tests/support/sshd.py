"""A real OpenSSH server on loopback, started by the test session, the way a branch server runs one.

sshd runs as root (the tests need root, as CI has) with privilege separation, on a free loopback port, with a host
key made for the session and a configuration of its own under /run (not under the world-writable /tmp, so sshd's
StrictModes checks pass as on a real server) that ends with the README's deployment block for the service account.
The service account is a test account ``csmsvc`` (created with useradd when missing, its home a fresh directory
each session) when that account can run this Python; where the interpreter lives in root's home (pyenv), it is
root itself, admitted by sshd for forced commands only (``PermitRootLogin forced-commands-only``). Without root or
``/usr/sbin/sshd`` the tests are skipped, unless ``CSM_REQUIRE_SSHD=1`` (CI) turns the skip into a failure.
"""

from __future__ import annotations

import base64
import contextlib
import os
import pwd
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

SSHD = Path(os.environ.get("CSM_SSHD", "/usr/sbin/sshd"))
TEST_ACCOUNT = "csmsvc"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CSM_REQUIRE_SSHD", "") == "1":
        pytest.fail(f"CSM_REQUIRE_SSHD=1 but sshd cannot be used: {reason}", pytrace=False)
    pytest.skip(f"sshd unavailable: {reason}")


@dataclass
class SshServer:
    port: int
    account: str
    home: Path
    base: Path

    @property
    def authorized_keys(self) -> Path:
        return self.base / "keys" / self.account

    def ssh(self, key: Path, *command: str, tty: bool = True) -> list[str]:
        """The ssh command line of a staff member's desk, connecting with ``key`` only."""
        return [
            "ssh",
            *(["-tt"] if tty else ["-T"]),
            "-i",
            str(key),
            "-p",
            str(self.port),
            "-F",
            "/dev/null",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            f"UserKnownHostsFile={self.base / 'known_hosts'}",
            "-o",
            "LogLevel=ERROR",
            f"{self.account}@127.0.0.1",
            *command,
        ]

    def as_account(self, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command as the service account (what ``sudo -u <account>`` does on a branch server)."""
        clean = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.home), "USER": self.account}
        cmd = ["env", "-i", *(f"{k}={v}" for k, v in {**clean, "LOGNAME": self.account, **(env or {})}.items())]
        if os.geteuid() == 0 and self.account != "root":
            cmd = ["runuser", "-u", self.account, "--", *cmd]
        cmd += argv
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False, cwd=self.home)

    def chown(self, path: Path) -> None:
        account = pwd.getpwnam(self.account)
        os.chown(path, account.pw_uid, account.pw_gid)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _service_account(home: Path) -> str:
    try:
        pwd.getpwnam(TEST_ACCOUNT)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh", TEST_ACCOUNT],
            check=True,
            capture_output=True,
        )
    subprocess.run(["usermod", "--home", str(home), TEST_ACCOUNT], check=True, capture_output=True)
    # useradd locks the password ("!"), and sshd without PAM refuses locked accounts even for keys; "*" means
    # "no password" without the lock.
    subprocess.run(["usermod", "--password", "*", TEST_ACCOUNT], check=True, capture_output=True)
    runs_python = subprocess.run(
        ["runuser", "-u", TEST_ACCOUNT, "--", sys.executable, "-c", "import csm_tui"],
        capture_output=True,
        check=False,
        cwd="/",
    )
    return TEST_ACCOUNT if runs_python.returncode == 0 else "root"


CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {base}/host_ed25519
PidFile {base}/sshd.pid
AllowUsers {account}
AuthorizedKeysFile {base}/keys/%u
PermitRootLogin forced-commands-only
UsePAM no
StrictModes yes
PermitUserEnvironment no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
"""
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_match_block(account: str) -> str:
    """The deployment section's sshd block (README.md), for ``account`` instead of ``csm``."""
    text = README.read_text(encoding="utf-8")
    block = text.split("```sshd_config\n", 1)[1].split("```", 1)[0]
    assert block.startswith("Match User csm\n"), block
    return block.replace("Match User csm\n", f"Match User {account}\n", 1)


@contextlib.contextmanager
def ssh_server() -> Iterator[SshServer]:
    if not SSHD.is_file():
        _unavailable(f"{SSHD} is not installed (apt-get install openssh-server)")
    if not shutil.which("ssh") or not shutil.which("ssh-keygen"):
        _unavailable("the ssh client is not installed")
    if os.geteuid() != 0:
        _unavailable("the sshd tests run sshd as root (as CI does)")
    base = Path(tempfile.mkdtemp(prefix="csm-sshd-", dir="/run"))
    base.chmod(0o755)  # the service account reads its home and its keys below it
    home = base / "home"
    home.mkdir(mode=0o700)
    (base / "keys").mkdir(mode=0o755)
    account = _service_account(home)
    process: subprocess.Popen[bytes] | None = None
    try:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        owner = pwd.getpwnam(account)
        if account != "root":
            os.chown(home, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "host_ed25519")],
            check=True,
            capture_output=True,
        )
        port = _free_port()
        config = base / "sshd_config"
        settings = CONFIG.format(port=port, base=base, account=account) + readme_match_block(account)
        config.write_text(settings, encoding="utf-8")
        check = subprocess.run([str(SSHD), "-t", "-f", str(config)], capture_output=True, text=True, check=False)
        if check.returncode != 0:
            _unavailable(f"sshd -t refused the test configuration: {check.stderr}")
        log = (base / "sshd.log").open("wb")
        process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None:
                _unavailable(f"sshd exited: {(base / 'sshd.log').read_text(errors='replace')}")
            time.sleep(0.05)
        else:
            _unavailable("sshd did not listen within 20 s")
        yield SshServer(port=port, account=account, home=home, base=base)
    finally:
        if process is not None:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def client_key(directory: Path, name: str) -> Path:
    """A new ed25519 key pair of a desk; returns the private key's path (the public one is beside it)."""
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
    return path


def make_key(tmp_path: Path, name: str, seed: int) -> Path:
    """An ed25519 public key file (the format only: the tests never sign with it)."""
    kind = b"ssh-ed25519"
    blob = struct.pack(">I", len(kind)) + kind + struct.pack(">I", 32) + bytes([seed]) * 32
    path = tmp_path / f"{name}.pub"
    path.write_text(f"ssh-ed25519 {base64.b64encode(blob).decode()} {name}@desk\n", encoding="utf-8")
    return path
