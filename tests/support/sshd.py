"""Real OpenSSH servers for tests: one `/usr/sbin/sshd -D` per simulated host on a loopback alias.

Each server has its own temp dir with a generated ed25519 host key, a config per testing-notes §3
(StrictModes no, UsePAM no, internal-sftp) and the shared client keys' authorized_keys.  Addresses
and ports come from the ssh helper's range (127.0.0.2-127.0.0.9, 20 ports from 22220 per
pytest-xdist worker, so parallel workers never race for one).  Every server
is killed at teardown, its per-connection children included (they are not in its process group:
sshd puts each connection in a new session).
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"
ADDRESSES = tuple(f"127.0.0.{i}" for i in range(2, 10))
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_INDEX = int(_WORKER[2:]) if _WORKER[2:].isdigit() else 0
PORTS = tuple(range(22220 + 20 * _INDEX, 22240 + 20 * _INDEX))
# Reserved for "nothing listens here" tests; never handed to a server.
CLOSED = ("127.0.0.9", PORTS[-1])

CONFIG = """\
ListenAddress {address}:{port}
HostKey {dir}/host_ed25519
PidFile {dir}/sshd.pid
AuthorizedKeysFile {authorized_keys}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
UseDNS no
Subsystem sftp internal-sftp
LogLevel VERBOSE
"""


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True)


@dataclass(frozen=True)
class ClientKeys:
    dir: Path
    key: Path  # authorized on every server
    wrong_key: Path  # authorized nowhere

    @classmethod
    def create(cls, directory: Path) -> ClientKeys:
        directory.mkdir(parents=True, exist_ok=True)
        keys = cls(directory, directory / "client_ed25519", directory / "wrong_ed25519")
        _keygen(keys.key)
        _keygen(keys.wrong_key)
        (directory / "authorized_keys").write_text(Path(f"{keys.key}.pub").read_text())
        return keys

    @property
    def authorized_keys(self) -> Path:
        return self.dir / "authorized_keys"


def _free(address: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError:
            return False
    return True


def _children(pid: int) -> list[int]:
    """All descendants of pid (per-connection sshd processes and the sessions under them)."""
    by_parent: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        by_parent.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        kids = by_parent.get(todo.pop(), [])
        found.extend(kids)
        todo.extend(kids)
    return found


@dataclass
class SSHServer:
    """One running sshd: a simulated host."""

    address: str
    port: int
    dir: Path
    keys: ClientKeys
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def host_key_line(self) -> str:
        """This server's key as an OpenSSH known_hosts line ([addr]:port form for port != 22)."""
        kind, blob = (self.dir / "host_ed25519.pub").read_text().split()[:2]
        return f"[{self.address}]:{self.port} {kind} {blob}\n"

    @property
    def fingerprint(self) -> str:
        out = subprocess.run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", str(self.dir / "host_ed25519.pub")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return out.split()[1]

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if not (self.dir / "host_ed25519").exists():
            _keygen(self.dir / "host_ed25519")
        config = self.dir / "sshd_config"
        config.write_text(
            CONFIG.format(address=self.address, port=self.port, dir=self.dir, authorized_keys=self.keys.authorized_keys)
        )
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # privsep dir; no systemd here
        log = open(self.dir / "sshd.log", "ab")
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.dir / 'sshd.log').read_text()[-2000:]}")
            try:
                socket.create_connection((self.address, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"sshd on {self.address}:{self.port} did not start listening")

    def kill(self) -> None:
        """SIGKILL sshd and every connection it serves (an abrupt host/sshd crash)."""
        if self.proc is None:
            return
        doomed = [self.proc.pid, *_children(self.proc.pid)]
        for pid in doomed:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.proc = None

    def freeze(self) -> None:
        """SIGSTOP sshd and every connection it serves: a host that hangs (or a network that drops
        every packet) rather than refusing, so existing connections get no answer and no reset."""
        self._signal_all(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal_all(signal.SIGCONT)

    def _signal_all(self, sig: signal.Signals) -> None:
        if self.proc is None:
            return
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def known_hosts_file(self, path: Path | None = None) -> Path:
        path = path or self.dir / "known_hosts"
        path.write_text(self.host_key_line)
        return path

    def ssh_argv(self, *, known_hosts: Path) -> list[str]:
        """The OpenSSH client command line (without the remote command) for this server."""
        return [
            "ssh",
            "-F",
            "none",
            "-p",
            str(self.port),
            "-i",
            str(self.keys.key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            f"UserKnownHostsFile={known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            f"{getpass.getuser()}@{self.address}",
        ]


class SSHFarm:
    """Starts servers on free (address, port) pairs of the helper's range; `close` kills them all."""

    def __init__(self, root: Path, keys: ClientKeys) -> None:
        self.root = root
        self.keys = keys
        self.servers: list[SSHServer] = []

    def _slots(self) -> Iterator[tuple[str, int]]:
        used = {(s.address, s.port) for s in self.servers}
        for port in PORTS:
            for address in ADDRESSES:
                if (address, port) != CLOSED and (address, port) not in used:
                    yield address, port

    def start(self, count: int = 1) -> list[SSHServer]:
        started: list[SSHServer] = []
        for address, port in self._slots():
            if len(started) == count:
                break
            if not _free(address, port):
                continue
            server = SSHServer(address, port, self.root / f"sshd-{address}-{port}", self.keys)
            self.servers.append(server)
            server.start()
            started.append(server)
        if len(started) < count:
            raise RuntimeError(f"only {len(started)} of {count} sshd slots free in the helper's range")
        return started

    def close(self) -> None:
        for server in self.servers:
            server.kill()


def sshd_available() -> bool:
    return os.path.exists(SSHD) and shutil.which("ssh-keygen") is not None


@pytest.fixture(scope="session")
def ssh_client_keys(tmp_path_factory: pytest.TempPathFactory) -> ClientKeys:
    if not sshd_available():
        message = f"OpenSSH server missing ({SSHD}); install it with: apt-get install -y openssh-server"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return ClientKeys.create(tmp_path_factory.mktemp("ssh-client-keys"))


@pytest.fixture
def sshd_farm(tmp_path_factory: pytest.TempPathFactory, ssh_client_keys: ClientKeys) -> Iterator[SSHFarm]:
    # Its own temp dir: the test's tmp_path stays exactly what the test put there.
    farm = SSHFarm(tmp_path_factory.mktemp("sshd"), ssh_client_keys)
    try:
        yield farm
    finally:
        farm.close()
