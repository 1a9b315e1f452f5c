"""The local backend against this machine's real processes, files and sockets."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import pytest

from rocketui.backends.base import EXIT_MARKER, Command, FileChanged, HostSnapshot
from rocketui.backends.local import LocalBackend


async def test_run_captures_output_and_status() -> None:
    b = LocalBackend()
    r = await b.run(Command.of(["sh", "-c", "echo out; echo err >&2; exit 3"]))
    assert (r.exit_status, r.stdout, r.stderr) == (3, "out\n", "err\n")


async def test_run_passes_arguments_literally(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    evil = f"x; touch {canary}; $(touch {canary}) `touch {canary}` 'q\"\n"
    r = await LocalBackend().run(Command.of(["printf", "%s", evil]))
    assert r.stdout == evil
    assert not canary.exists()


async def test_start_detached_runs_in_own_session_and_records_exit(tmp_path: Path) -> None:
    b = LocalBackend()
    out = tmp_path / "out.log"
    cmd = Command.of(["sh", "-c", 'echo "hello $GREETING"; sleep 30'], {"GREETING": "a b;c"}, str(tmp_path))
    leader = await b.start_detached(cmd, output=str(out))
    try:
        for _ in range(50):
            if out.exists() and "hello" in out.read_text():
                break
            await asyncio.sleep(0.1)
        assert out.read_text() == "hello a b;c\n"
        assert os.getsid(leader) == leader and os.getpgid(leader) == leader
        sleeps: list = []
        for _ in range(100):  # sh starts sleep just after the echo (late on a loaded machine)
            sleeps = [p for p in await b.processes("sleep") if p.pgid == leader]
            if sleeps:
                break
            await asyncio.sleep(0.05)
        assert len(sleeps) == 1 and sleeps[0].argv == ("sleep", "30")
        assert await b.signal(sleeps[0].pid, signal.SIGTERM, start_ticks=sleeps[0].start_ticks)
        for _ in range(50):
            if EXIT_MARKER in out.read_text():
                break
            await asyncio.sleep(0.1)
        assert out.read_text().splitlines()[-1].startswith(f"{EXIT_MARKER}143 at ")
    finally:
        try:
            os.killpg(leader, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def test_signal_refuses_reused_pid() -> None:
    b = LocalBackend()
    me = [p for p in await b.processes("python3") + await b.processes("python") if p.pid == os.getpid()]
    assert me, "the test process itself is listed"
    assert not await b.signal(os.getpid(), 0, start_ticks=me[0].start_ticks + 1)
    assert await b.signal(os.getpid(), 0, start_ticks=me[0].start_ticks)


async def test_files_and_conflict(tmp_path: Path) -> None:
    b = LocalBackend()
    path = tmp_path / "f.properties"
    path.write_bytes(b"a=1\n")
    os.chmod(path, 0o640)
    st = await b.stat(str(path))
    assert st is not None and st.mode == 0o640
    assert await b.read_range(str(path), 2, 10) == b"1\n"
    assert await b.read_end(str(path), 2) == (st, b"1\n")
    assert await b.read_end(str(path), 100) == (st, b"a=1\n")
    assert await b.read_end(str(tmp_path / "missing"), 10) is None
    new = await b.write_file(str(path), b"a=2\n", expect=st, backup_suffix=".bak")
    assert path.read_bytes() == b"a=2\n" and (tmp_path / "f.properties.bak").read_bytes() == b"a=1\n"
    assert new.stat.mode == 0o640 and new.path == str(path) and new.backup == f"{path}.bak"
    path.write_bytes(b"a=3 by someone else\n")
    with pytest.raises(FileChanged):
        await b.write_file(str(path), b"a=4\n", expect=new.stat)
    assert path.read_bytes() == b"a=3 by someone else\n"
    assert await b.stat(str(tmp_path / "missing")) is None
    with pytest.raises(FileNotFoundError):
        await b.read_file(str(tmp_path / "missing"))
    assert await b.listdir(str(tmp_path / "missing")) == []


async def test_port_open() -> None:
    b = LocalBackend()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        assert await b.port_open("127.0.0.1", port)
    finally:
        server.close()
    assert not await b.port_open("127.0.0.1", port)


async def test_snapshot_lists_only_the_ports_asked_for() -> None:
    b = LocalBackend()
    servers = [socket.socket(), socket.socket()]
    try:
        for s in servers:
            s.bind(("127.0.0.1", 0))
            s.listen()
        mine, other = (s.getsockname()[1] for s in servers)
        everything = (await b.snapshot("java")).listening
        assert everything is not None and {("127.0.0.1", mine), ("127.0.0.1", other)} <= everything
        assert (await b.snapshot("java", frozenset({mine}))).listening == {("127.0.0.1", mine)}
    finally:
        for s in servers:
            s.close()


def test_listens_on_its_address_or_a_wildcard_of_that_port() -> None:
    def snap(*pairs: tuple[str, int]) -> HostSnapshot:
        return HostSnapshot([], frozenset(pairs))

    assert snap(("10.0.0.5", 10911)).listens("10.0.0.5", 10911)
    assert not snap(("10.0.0.6", 10911)).listens("10.0.0.5", 10911)
    assert not snap(("10.0.0.5", 10912)).listens("10.0.0.5", 10911)
    for wildcard in ("0.0.0.0", "::", "::ffff:10.0.0.5"):
        assert snap((wildcard, 10911)).listens("10.0.0.5", 10911), wildcard
    assert HostSnapshot([], None).listens("10.0.0.5", 10911) is None
