"""The host's listening sockets read two ways, /proc/net/tcp{,6} and `ss -ltn`: both readings of
one moment agree (captured real output, and live on this machine)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rocketui.backends import procfs
from rocketui.backends import ssh_scripts as scripts

DATA = Path(__file__).parent.parent / "data" / "sockets"


def test_ss_and_proc_captured_together_agree() -> None:
    by_proc = procfs.parse_listening((DATA / "proc-net-tcp.txt").read_text() + (DATA / "proc-net-tcp6.txt").read_text())
    by_ss = procfs.parse_ss_listening((DATA / "ss-ltn.txt").read_text())
    assert by_ss == by_proc and len(by_ss) == 402
    assert ("::", 19876) in by_ss  # the namesrv JVM's dual-stack socket, `*:19876` in ss
    sport = procfs.parse_ss_listening((DATA / "ss-ltn-sport.txt").read_text())
    assert sport == {s for s in by_proc if s[1] in (19876, 2222)} and len(sport) == 101


@pytest.fixture
def listeners() -> Iterator[set[tuple[str, int]]]:
    """Sockets this test listens on: IPv4, dual-stack IPv6, and (as root) one bound to `lo`."""
    made: list[socket.socket] = []
    v4 = socket.create_server(("127.0.0.1", 0))
    made.append(v4)
    expected = {("127.0.0.1", v4.getsockname()[1])}
    if socket.has_ipv6:
        v6 = socket.create_server(("::", 0), family=socket.AF_INET6, dualstack_ipv6=True)
        made.append(v6)
        expected.add(("::", v6.getsockname()[1]))
    bound = socket.socket()
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")  # ss: 127.0.0.1%lo:port
        bound.bind(("127.0.0.1", 0))
        bound.listen()
        made.append(bound)
        expected.add(("127.0.0.1", bound.getsockname()[1]))
    except PermissionError:
        bound.close()
    yield expected
    for s in made:
        s.close()


def snapshot(ports: frozenset[int], path: str | None = None) -> bytes:
    env = {**os.environ, **({"PATH": path} if path is not None else {})}
    return subprocess.run(["/bin/sh", "-c", scripts.snapshot_script("sh", ports)], capture_output=True, env=env).stdout


@pytest.mark.skipif(shutil.which("ss") is None, reason="no ss (iproute2) here")
def test_the_snapshot_script_reads_ss_and_falls_back_to_proc(listeners: set[tuple[str, int]], tmp_path: Path) -> None:
    ports = frozenset(p for _, p in listeners)
    out = snapshot(ports)
    assert scripts.LISTEN_MARK not in out  # ss answered, filtered on the host
    assert scripts.parse_snapshot(out, "sh")[1] == listeners
    assert procfs.listening(ports) == listeners  # the local backend's own reading
    bin_dir = tmp_path / "bin"  # a host without ss: what the script needs but ss
    bin_dir.mkdir()
    for tool in ("grep", "getconf"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    out = snapshot(ports, str(bin_dir))
    assert scripts.LISTEN_MARK in out and scripts.parse_snapshot(out, "sh")[1] == listeners
