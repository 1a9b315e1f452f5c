"""The SSH backend against real OpenSSH servers on loopback aliases (tests/support/sshd.py).

The simulated hosts share this machine's process table and filesystem, so what a test does
"remotely" can be checked locally with os calls, and local files stand in for remote logs.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from rocketui.backends import procfs, ssh_files
from rocketui.backends.base import (
    EXIT_MARKER,
    BackendError,
    Command,
    FileChanged,
    FollowEvent,
    HostKeyTrusted,
    HostUnreachable,
)
from rocketui.backends.ssh import SSHBackend
from rocketui.model.cluster import BackendKind, Host, Pos
from rocketui.rocketmq.remoting.client import RemotingClient
from rocketui.rocketmq.remoting.errors import ConnectFailed
from tests.rocketmq.remoting.fake_peer import Peer, read_cmd, reply
from tests.support.sshd import CLOSED, SSHFarm, SSHServer, ssh_client_keys, sshd_farm  # noqa: F401 (fixtures)
from tests.support.unprivileged import as_user, nobody, require_root, shared_dir

pytestmark = pytest.mark.ssh


def ssh_host(server: SSHServer, name: str = "h1", **overrides: object) -> Host:
    fields: dict[str, object] = dict(
        port=server.port,
        identity_file=str(server.keys.key),
        known_hosts=str(server.known_hosts_file()),
        connect_timeout=5.0,
    )
    fields.update(overrides)
    return Host(name, BackendKind.SSH, server.address, Pos("test.yaml", 1), **fields)  # type: ignore[arg-type]


@pytest.fixture
async def server(sshd_farm: SSHFarm) -> SSHServer:
    return sshd_farm.start(1)[0]


@pytest.fixture
async def backend(server: SSHServer) -> AsyncIterator[SSHBackend]:
    b = SSHBackend(ssh_host(server), backoff=(0.1, 0.5))
    try:
        yield b
    finally:
        await b.close()


async def eventually(cond: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return procfs.start_ticks(pid) is not None


# ---------------------------------------------------------------------------------- commands
async def test_run_quotes_every_value_and_reports_status(backend: SSHBackend, tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    evil = f"x; touch {canary}; $(touch {canary}) `touch {canary}` 'q\"\n\\ $HOME *"
    odd_dir = tmp_path / "dir with 'quote' and ;"
    odd_dir.mkdir()
    r = await backend.run(Command.of(["printf", "%s|%s|", evil, "$VAL"], {"VAL": evil}, str(odd_dir)))
    assert r.ok and r.stdout == f"{evil}|$VAL|" and r.stderr == ""
    r = await backend.run(Command.of(["sh", "-c", 'printf %s "$VAL"; pwd >&2; exit 7'], {"VAL": evil}, str(odd_dir)))
    assert (r.exit_status, r.stdout, r.stderr) == (7, evil, f"{odd_dir}\n")
    r = await backend.run(Command.of(["cat"]), input=b"from stdin\n")
    assert r.stdout == "from stdin\n"
    assert not canary.exists()
    assert backend.stats.connections == 1
    assert (
        backend.stats.commands[0] == Command.of(["printf", "%s|%s|", evil, "$VAL"], {"VAL": evil}, str(odd_dir)).shell()
    )


async def test_many_concurrent_commands_share_one_connection(backend: SSHBackend) -> None:
    # 25 at once exceeds sshd's MaxSessions (10): the channel semaphore must queue them.
    results = await asyncio.gather(*(backend.run(Command.of(["sh", "-c", f"sleep 0.2; echo {i}"])) for i in range(25)))
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(25)]
    assert backend.stats.connections == 1


async def test_a_host_allowing_fewer_sessions_than_rocketui_opens_still_runs_every_command(server: SSHServer) -> None:
    # sshd's MaxSessions (10 here) below rocketui's channel limit (an admin's lower setting, or
    # channels still closing on sshd's side): a refused open ran nothing and is tried again
    b = SSHBackend(ssh_host(server), max_channels=16, backoff=(0.1, 0.5))
    try:
        cmds = [Command.of(["sh", "-c", f"sleep 0.3; echo {i}"]) for i in range(30)]
        results = await asyncio.gather(*(b.run(c) for c in cmds))
        assert [r.stdout for r in results] == [f"{i}\n" for i in range(30)]
        assert b.stats.connections == 1
    finally:
        await b.close()


async def test_timed_out_command_is_killed_remotely(backend: SSHBackend, tmp_path: Path) -> None:
    marker = str(tmp_path / "timeout-marker")
    with pytest.raises(BackendError, match="timed out after 0.5s"):
        await backend.run(Command.of(["sh", "-c", "sleep 60; :", marker]), timeout=0.5)

    def leftovers() -> list[int]:
        return [p.pid for p in procfs.list_processes("sh") if marker in p.argv]

    await eventually(lambda: not leftovers(), "the timed-out command's process group to be killed")
    assert (await backend.run(Command.of(["echo", "still usable"]))).stdout == "still usable\n"


async def test_detached_start_survives_the_connection(backend: SSHBackend, tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    cmd = Command.of(["sh", "-c", 'echo "hello $GREETING"; sleep 60'], {"GREETING": "a b;c $(x)"}, str(tmp_path))
    leader = await backend.start_detached(cmd, output=str(out))
    try:
        await backend.close()  # the connection that started it is gone
        await eventually(lambda: out.exists() and "hello" in out.read_text(), "the daemon's first output")
        assert out.read_text() == "hello a b;c $(x)\n"
        assert alive(leader) and os.getsid(leader) == leader and os.getpgid(leader) == leader
        sleeps = [p for p in await backend.processes("sleep") if p.pgid == leader]  # reconnects
        assert len(sleeps) == 1 and sleeps[0].argv == ("sleep", "60")
        assert backend.stats.connections == 2
        assert await backend.signal(sleeps[0].pid, signal.SIGTERM, start_ticks=sleeps[0].start_ticks)
        await eventually(lambda: EXIT_MARKER in out.read_text(), "the exit marker")
        assert out.read_text().splitlines()[-1].startswith(f"{EXIT_MARKER}143 at ")
        assert backend.stats.commands[-1] == f"kill -TERM {sleeps[0].pid}"
    finally:
        try:
            os.killpg(leader, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def test_processes_match_the_local_view_in_one_round_trip(backend: SSHBackend, tmp_path: Path) -> None:
    worker = tmp_path / "rocketui-worker"  # a uniquely named sh, so only our processes match
    worker.symlink_to("/bin/sh")
    weird = "arg\n0/stat:1 (x) S 1 1"  # looks like a listing record; NUL cannot be in argv
    argvs = [
        ["rocketui-worker", "-c", "sleep 61; :", "with space", weird],
        [str(worker), "-c", "sleep 62; :"],
        ["sh", "-c", "sleep 63; :", "rocketui-worker"],  # the name as an argument, not argv[0]
    ]
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    procs = [subprocess.Popen(a, env=env, start_new_session=True) for a in argvs]
    try:
        await eventually(lambda: len(procfs.list_processes("rocketui-worker")) == 2, "the workers to start")
        before = len(backend.stats.commands)
        remote = await backend.processes("rocketui-worker")
        assert len(backend.stats.commands) == before  # a listing is not an operator command
        assert remote == sorted(procfs.list_processes("rocketui-worker"), key=lambda p: p.pid)
        assert sorted(i.argv for i in remote) == sorted(tuple(a) for a in argvs[:2])
        assert {i.pid for i in remote} == {procs[0].pid, procs[1].pid}
        assert all(i.pgid == i.pid and abs(i.started_at - time.time()) < 60 for i in remote)
        assert await backend.processes("no-such-program") == []
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


async def test_signal_refuses_a_stale_start_time(backend: SSHBackend) -> None:
    proc = subprocess.Popen(["sleep", "60"])
    try:
        await eventually(lambda: procfs.start_ticks(proc.pid) is not None, "sleep to start")
        ticks = procfs.start_ticks(proc.pid)
        assert ticks is not None
        assert not await backend.signal(proc.pid, signal.SIGTERM, start_ticks=ticks + 1)
        assert proc.poll() is None and backend.stats.commands == []
        assert await backend.signal(proc.pid, 0, start_ticks=ticks)
        assert await backend.signal(proc.pid, signal.SIGTERM, start_ticks=ticks)
        assert proc.wait(timeout=10) == -signal.SIGTERM
        assert not await backend.signal(proc.pid, signal.SIGTERM, start_ticks=ticks)
        assert not await backend.signal(proc.pid, signal.SIGTERM)
    finally:
        proc.kill()
        proc.wait()


async def test_own_scripts_run_in_one_resident_shell_without_leaking_state(backend: SSHBackend, tmp_path: Path) -> None:
    async def script(text: str, timeout: float = 30.0) -> str:
        status, out, err = await backend._script(text, "test script", timeout=timeout, retry=True)
        assert status == 0, err
        return out.decode()

    first = await script("echo $$")
    assert await script("echo $$") == first  # the same resident shell each time
    await script("X=leak; cd /; exit 0")
    assert await script('echo "${X:-clean} $PWD"') == f"clean {os.path.expanduser('~')}\n"
    # concurrent calls do not queue behind the resident shell: the overflow takes exec channels
    outs = await asyncio.gather(*(script(f"sleep 0.2; echo {i}") for i in range(12)))
    assert outs == [f"{i}\n" for i in range(12)]
    marker = str(tmp_path / "stuck")
    with pytest.raises(BackendError, match="timed out"):
        await script(f"sh -c 'sleep 60; :' {marker}", timeout=0.5)
    await eventually(
        lambda: not [p for p in procfs.list_processes("sh") if marker in p.argv], "the stuck script to be killed"
    )
    assert await script("echo $$") != first  # a fresh resident shell
    assert backend.stats.connections == 1 and backend.stats.commands == []


# ---------------------------------------------------------------------------------- files
async def test_write_file_is_atomic_keeps_mode_and_detects_changes(backend: SSHBackend, tmp_path: Path) -> None:
    path = tmp_path / "broker.properties"
    path.write_bytes(b"a=1\n")
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    st = await backend.stat(str(path))
    assert st is not None and (st.size, st.mode, st.inode, st.mtime_ns) == (4, 0o640, inode, path.stat().st_mtime_ns)
    new = await backend.write_file(str(path), b"a=2\n", expect=st, backup_suffix=".bak")
    assert path.read_bytes() == b"a=2\n" and (tmp_path / "broker.properties.bak").read_bytes() == b"a=1\n"
    assert new.stat.mode == 0o640 and path.stat().st_mode & 0o7777 == 0o640
    assert new.path == str(path) and new.backup == f"{path}.bak"
    assert new.stat.inode != inode and new.stat.inode == path.stat().st_ino  # replaced by rename, not rewritten
    assert sorted(os.listdir(tmp_path)) == ["broker.properties", "broker.properties.bak"]  # no temp left
    path.write_bytes(b"a=3 by someone else\n")
    with pytest.raises(FileChanged):
        await backend.write_file(str(path), b"a=4\n", expect=new.stat)
    assert path.read_bytes() == b"a=3 by someone else\n"
    created = await backend.write_file(str(tmp_path / "new.conf"), b"x", mode=0o600)
    assert created.stat.mode == 0o600 and created.backup is None and (tmp_path / "new.conf").read_bytes() == b"x"


async def test_write_through_a_symlink_replaces_the_target(backend: SSHBackend, tmp_path: Path) -> None:
    (tmp_path / "real.conf").write_bytes(b"old")
    (tmp_path / "link.conf").symlink_to("real.conf")
    await backend.write_file(str(tmp_path / "link.conf"), b"new")
    assert (tmp_path / "link.conf").is_symlink() and (tmp_path / "real.conf").read_bytes() == b"new"


async def test_save_while_the_host_is_gone_fails_clearly_and_the_retry_after_it_is_back_saves(
    server: SSHServer, tmp_path: Path
) -> None:
    """A config form's save when the connection dropped between loading and saving: an error that
    names the host, the file as it was, nothing half-written; once sshd is back the same save
    (same expected version) goes through on a new connection."""
    b = SSHBackend(ssh_host(server), backoff=(0.1, 0.5))
    path = tmp_path / "broker-a.properties"
    path.write_bytes(b"brokerName=broker-a\nflushDiskType=ASYNC_FLUSH\n")
    try:
        loaded = await b.stat(str(path))
        assert loaded is not None
        server.kill()
        started = time.monotonic()
        with pytest.raises(BackendError) as failed:
            await b.write_file(
                str(path), b"brokerName=broker-a\nflushDiskType=SYNC_FLUSH\n", expect=loaded, backup_suffix=".bak"
            )
        assert time.monotonic() - started < 15  # the connect timeout, not a hang
        assert "h1" in str(failed.value)
        assert path.read_bytes() == b"brokerName=broker-a\nflushDiskType=ASYNC_FLUSH\n"
        assert sorted(os.listdir(tmp_path)) == ["broker-a.properties"]
        server.start()
        await asyncio.sleep(0.6)  # past the reconnect backoff (at most 0.5 s here)
        saved = await b.write_file(
            str(path), b"brokerName=broker-a\nflushDiskType=SYNC_FLUSH\n", expect=loaded, backup_suffix=".bak"
        )
        assert path.read_bytes() == b"brokerName=broker-a\nflushDiskType=SYNC_FLUSH\n"
        assert (
            tmp_path / "broker-a.properties.bak"
        ).read_bytes() == b"brokerName=broker-a\nflushDiskType=ASYNC_FLUSH\n"
        assert saved.stat.inode == path.stat().st_ino and b.stats.connections == 2
    finally:
        await b.close()


async def test_sshd_killed_at_any_moment_of_a_save_leaves_old_or_new_never_a_mix(
    server: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection drops at spread-out moments of a save (backup, upload, rename): the file is
    always exactly the old or the new version, never a mix or a truncation; the hidden temp file
    of a cut upload is removed by a later save once it is stale."""
    old = b"".join(b"key%06d=old\n" % i for i in range(150_000))  # ~2 MB: the upload takes a while
    new = b"".join(b"key%06d=new-value\n" % i for i in range(150_000))
    path = tmp_path / "broker.properties"
    outcomes: list[str] = []
    for attempt in range(10):
        path.write_bytes(old)
        b = SSHBackend(ssh_host(server), backoff=(0.05, 0.1))
        try:
            loaded = await b.stat(str(path))
            write = asyncio.create_task(b.write_file(str(path), new, expect=loaded, backup_suffix=f".bak{attempt}"))
            await asyncio.sleep(0.004 * attempt * attempt)  # 0 to ~0.3 s into the save
            server.kill()
            try:
                await write
                outcomes.append("saved")
            except BackendError:
                outcomes.append("failed")
            content = path.read_bytes()
            assert content in (old, new), f"attempt {attempt}: a mix of {len(content)} bytes"
            if outcomes[-1] == "saved":
                assert content == new
        finally:
            await b.close()
            server.start()
    leftovers = [n for n in os.listdir(tmp_path) if n != "broker.properties" and ".bak" not in n]
    print(f"\nsave vs sshd kill: {outcomes}; temp files left by cut uploads: {len(leftovers)}")
    assert "failed" in outcomes  # the kill really landed inside some saves
    assert all(n.startswith(".broker.properties.tmp-") for n in leftovers)  # hidden, never the target
    (tmp_path / ".broker.properties.tmp-0badf00d").write_bytes(b"key=half")  # one for sure
    (tmp_path / ".other.properties.tmp-0badf00d").write_bytes(b"x")  # another file's: kept
    monkeypatch.setattr(ssh_files, "STALE_TEMP_AGE", 0.0)  # instead of waiting ten minutes
    await asyncio.sleep(1.1)  # mtimes have whole-second resolution over SFTP v3
    b = SSHBackend(ssh_host(server))
    try:
        await b.write_file(str(path), old)
    finally:
        await b.close()
    assert path.read_bytes() == old
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".broker.properties.tmp-")]
    assert (tmp_path / ".other.properties.tmp-0badf00d").exists()


async def test_reads_listing_and_paths(backend: SSHBackend, tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_bytes(b"0123456789" * 1000)
    assert await backend.read_range(str(path), 9995, 100) == b"56789"
    assert await backend.read_range(str(path), 3, 4) == b"3456"
    st = await backend.stat(str(path))
    assert await backend.read_end(str(path), 7) == (st, b"3456789")
    assert await backend.read_end(str(tmp_path / "missing"), 7) is None
    assert await backend.read_file(str(path)) == path.read_bytes()
    with pytest.raises(FileNotFoundError):
        await backend.read_file(str(tmp_path / "missing"))
    assert await backend.stat(str(tmp_path / "missing")) is None
    assert await backend.listdir(str(tmp_path / "missing")) == []
    assert await backend.listdir(str(path)) == []
    await backend.makedirs(str(tmp_path / "a" / "b"))
    await backend.makedirs(str(tmp_path / "a" / "b"))
    assert await backend.listdir(str(tmp_path)) == ["a", "big.log"]
    home = os.path.expanduser("~")
    assert await backend.expand_path("~") == home
    assert await backend.expand_path("~/x/../y") == f"{home}/y"
    assert await backend.expand_path("rel") == f"{home}/rel"
    assert await backend.expand_path(f"~{os.environ.get('USER', 'root')}/z") == f"{home}/z"


# ---------------------------------------------------------------------------------- sockets
async def test_ports_and_tunnels_are_seen_from_the_host(backend: SSHBackend) -> None:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            cmd = await read_cmd(reader)
            writer.write(reply(cmd, ext_fields={"echo": cmd.ext_fields.get("n", "")}, body=cmd.body))

    peer = Peer(echo)
    async with peer as addr:
        host, port = addr.split(":")
        assert await backend.port_open(host, int(port))
        async with RemotingClient(addr, connector=backend.open_connection) as client:
            answers = await asyncio.gather(*(client.invoke(99, {"n": str(i)}, body=b"x" * 70000) for i in range(3)))
        assert [a.ext_fields["echo"] for a in answers] == ["0", "1", "2"] and answers[0].body == b"x" * 70000
    assert not await backend.port_open(host, int(port))
    with pytest.raises(ConnectFailed, match="refused"):
        async with RemotingClient(addr, connector=backend.open_connection) as client:
            await client.invoke(99, {})
    assert backend.stats.connections == 1


async def test_snapshot_filters_listening_sockets_on_the_host(backend: SSHBackend) -> None:
    # the host answers with the LISTEN lines of the ports asked for only (IPv4 and IPv6)
    servers = [socket.socket(), socket.socket(socket.AF_INET6)]
    try:
        servers[0].bind(("127.0.0.1", 0))
        servers[1].bind(("::1", 0))
        for s in servers:
            s.listen()
        v4, v6 = (s.getsockname()[1] for s in servers)
        everything = (await backend.snapshot("java")).listening
        assert everything is not None and {("127.0.0.1", v4), ("::1", v6)} <= everything
        assert (await backend.snapshot("java", frozenset({v4, v6}))).listening == {("127.0.0.1", v4), ("::1", v6)}
        assert (await backend.snapshot("java", frozenset({v6}))).listening == {("::1", v6)}
    finally:
        for s in servers:
            s.close()


async def test_stat_many_answers_like_stat_in_one_round_trip(backend: SSHBackend, tmp_path: Path) -> None:
    plain = tmp_path / "broker.log"
    plain.write_bytes(b"x" * 1234)
    odd = tmp_path / 'it\'s a "log" $(touch pwned)\nnext'
    odd.write_bytes(b"y")
    linked = tmp_path / "link"
    linked.symlink_to(plain)
    paths = [str(plain), str(tmp_path / "missing.log"), str(odd), str(linked)]
    scripts_run: list[str] = []
    run_script = backend._script

    async def counted(script: str, what: str, **kwargs: Any) -> tuple[int, bytes, bytes]:
        scripts_run.append(what)
        return await run_script(script, what, **kwargs)

    backend._script = counted  # type: ignore[method-assign]
    many = await backend.stat_many(paths)
    assert scripts_run == ["stat 4 files"]
    assert many == [await backend.stat(p) for p in paths]
    assert many[0] is not None and many[0].size == 1234 and many[1] is None and many[3] == many[0]
    assert many[2] is not None and many[2].size == 1
    assert not (tmp_path / "pwned").exists()
    assert await backend.stat_many([]) == []


# ---------------------------------------------------------------------------------- follow
class Follower:
    """Consumes backend.follow in a task so the test can act on the file meanwhile."""

    def __init__(self, events: AsyncIterator[FollowEvent]) -> None:
        self.events: list[FollowEvent] = []
        self._it = events
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for event in self._it:
            self.events.append(event)

    def data(self) -> bytes:
        return b"".join(e.data for e in self.events)

    def shape(self) -> list[object]:
        """Notices and data with adjacent data events merged (their split is timing)."""
        out: list[object] = []
        for e in self.events:
            if e.notice:
                out.append(e.notice)
            elif out and isinstance(out[-1], bytes):
                out[-1] += e.data
            else:
                out.append(e.data)
        return out

    def check_offsets(self) -> None:
        pos = None
        for e in self.events:
            if e.notice in ("rotated", "truncated", "appeared"):
                pos = 0
            elif e.data:
                assert pos is None or e.offset == pos, (e.offset, pos)
                pos = e.offset + len(e.data)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._it.aclose()  # type: ignore[attr-defined]


async def test_follow_rotation_truncation_and_a_missing_file(backend: SSHBackend, tmp_path: Path) -> None:
    path = tmp_path / "broker.log"
    f = Follower(backend.follow(str(path), poll=0.05))
    try:
        await eventually(lambda: f.shape() == ["missing"], "missing")
        path.write_bytes(b"a1\n")
        await eventually(lambda: f.shape() == ["missing", "appeared", b"a1\n"], "appeared")
        first_inode = path.stat().st_ino
        with path.open("ab") as out:
            out.write(b"a2\n")
        await eventually(lambda: f.data() == b"a1\na2\n", "a2")
        # logback-style rotation: rename, a late write to the old file, a new file by the name
        path.rename(tmp_path / "broker.log.1")
        with (tmp_path / "broker.log.1").open("ab") as out:
            out.write(b"a3\n")
        path.write_bytes(b"b1\n")
        await eventually(lambda: f.data().endswith(b"b1\n"), "the new file")
        with path.open("ab") as out:
            out.write(b"b2\n")
        await eventually(lambda: f.data().endswith(b"b2\n"), "b2")
        with path.open("wb") as out:  # truncated in place, then shorter content
            out.write(b"c1\n")
        await eventually(lambda: f.data().endswith(b"c1\n"), "c1")
        path.unlink()
        await eventually(lambda: f.shape()[-1] == "missing", "missing again")
        path.write_bytes(b"d1\n")
        await eventually(lambda: f.data().endswith(b"d1\n"), "d1")
        assert f.shape() == [
            "missing",
            "appeared",
            b"a1\na2\na3\n",
            "rotated",
            b"b1\nb2\n",
            "truncated",
            b"c1\n",
            "missing",
            "appeared",
            b"d1\n",
        ]
        f.check_offsets()
        assert [e.inode for e in f.events if e.data][0] == first_inode
        assert [e.inode for e in f.events if e.data][-1] == path.stat().st_ino
    finally:
        await f.stop()


async def test_follow_starts_at_the_end_or_at_an_offset(backend: SSHBackend, tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_bytes(b"old\n")
    tail = Follower(backend.follow(str(path), poll=0.05))
    mid = Follower(backend.follow(str(path), start=2, poll=0.05))
    try:
        await eventually(lambda: mid.data() == b"d\n", "the follower from offset 2")
        assert mid.events[0].offset == 2
        n = 0
        while not tail.data():  # when the tail follower took its position is unknown: keep appending
            with path.open("ab") as out:
                out.write(b"new %d\n" % n)
            n += 1
            await asyncio.sleep(0.05)
            assert n < 400, "the follower from the end saw nothing"
        await eventually(lambda: len(mid.data()) == path.stat().st_size - 2, "every appended line")
        first = tail.events[0]
        assert first.offset >= len(b"old\n") and path.read_bytes()[first.offset - 1 : first.offset] == b"\n"
        await eventually(lambda: tail.data() == path.read_bytes()[first.offset :], "the tail follower")
        assert mid.data() == path.read_bytes()[2:]
    finally:
        await tail.stop()
        await mid.stop()


async def test_follow_resumes_after_sshd_dies_without_loss_or_duplicates(server: SSHServer, tmp_path: Path) -> None:
    b = SSHBackend(ssh_host(server), backoff=(0.1, 0.5))
    path = tmp_path / "namesrv.log"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(10)))
    f = Follower(b.follow(str(path), start=0, poll=0.02))
    try:
        for i in range(10, 300):
            with path.open("ab") as out:
                out.write(b"line %d\n" % i)
            if i == 100:
                await eventually(lambda: b"line 100\n" in f.data(), "the follower to catch up")
                server.kill()  # sshd and its per-connection processes, mid-follow
            if i == 150:
                server.start()
            await asyncio.sleep(0.005)
        await eventually(lambda: len(f.data()) == path.stat().st_size, "every line after the restart")
        assert f.data() == path.read_bytes()
        # the outage is announced once each way, between the data before and after it
        assert [e.notice for e in f.events if e.notice] == ["disconnected", "reconnected"]
        shape = f.shape()
        assert shape[1:3] == ["disconnected", "reconnected"] and b"line 100\n" in shape[0]
        f.check_offsets()
        assert b.stats.connections == 2
    finally:
        await f.stop()
        await b.close()


# ---------------------------------------------------------------------------------- security and errors
async def test_unknown_host_key_is_refused_with_its_fingerprint(server: SSHServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    b = SSHBackend(ssh_host(server, known_hosts=str(empty)))
    with pytest.raises(HostUnreachable) as err:
        await b.run(Command.of(["true"]))
    message = str(err.value)
    assert message.startswith(f"h1 ({server.address}:{server.port}): unknown host key")
    assert f"ssh-ed25519 {server.fingerprint} (not in {empty})" in message
    assert "Check this fingerprint out of band" in message and "trust_on_first_use" in message
    assert "ssh-keyscan" not in message  # it would trust whatever answers
    assert "Traceback" not in message and b.stats.connections == 0
    assert b.connection_state().startswith("unreachable: unknown host key")
    assert empty.read_text() == ""
    # the line it suggests (once the fingerprint is verified) is exactly the host's key
    suggested = message.split("add the line for the offered key: ")[1].split(" -- or set")[0]
    subprocess.run(["sh", "-c", suggested], check=True)
    assert empty.read_text() == server.host_key_line
    again = SSHBackend(ssh_host(server, known_hosts=str(empty)))
    try:
        assert (await again.run(Command.of(["echo", "ok"]))).stdout == "ok\n"
    finally:
        await again.close()


async def test_changed_host_key_is_refused_even_with_trust_on_first_use(sshd_farm: SSHFarm, tmp_path: Path) -> None:
    one, other = sshd_farm.start(2)
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(tmp_path / "rsa")], check=True)
    rsa_fingerprint = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(tmp_path / "rsa.pub")], capture_output=True, text=True
    ).stdout.split()[1]
    spec = f"[{one.address}]:{one.port}"
    forgeries = {
        "another ed25519 key": (
            f"{spec} {other.host_key_line.split()[1]} {other.host_key_line.split()[2]}\n",
            f"ssh-ed25519 {other.fingerprint}",
        ),
        # only an RSA key listed: the server, which has none, ends the handshake without a word
        "a key of another type": (
            f"{spec} {' '.join((tmp_path / 'rsa.pub').read_text().split()[:2])}\n",
            f"ssh-rsa {rsa_fingerprint}",
        ),
    }
    for what, (line, expected) in forgeries.items():
        forged = tmp_path / "known_hosts"
        forged.write_text(line)
        for tofu in (False, True):
            b = SSHBackend(ssh_host(one, known_hosts=str(forged), trust_on_first_use=tofu))
            with pytest.raises(HostUnreachable, match="HOST KEY CHANGED") as err:
                await b.run(Command.of(["true"]))
            message = str(err.value)
            # both fingerprints: what known_hosts expects and what the host offered
            assert f"{forged} expects {expected} but the host offered ssh-ed25519 {one.fingerprint}" in message, what
            assert f"ssh-keygen -R '{spec}' -f {forged}" in message and "out of band" in message
            assert "ssh-keyscan" not in message and b.trusted_keys == []
        assert forged.read_text() == line


async def test_trust_on_first_use_records_the_key(server: SSHServer, tmp_path: Path) -> None:
    known = tmp_path / "fresh" / "known_hosts"
    told: list[HostKeyTrusted] = []

    async def listener(event: HostKeyTrusted) -> None:
        told.append(event)

    first = SSHBackend(ssh_host(server, known_hosts=str(known), trust_on_first_use=True), on_trusted=[listener])
    assert (await first.run(Command.of(["echo", "hi"]))).stdout == "hi\n"
    await first.close()
    assert known.read_text() == server.host_key_line and known.stat().st_mode & 0o777 == 0o600
    spec = f"[{server.address}]:{server.port}"
    assert told == first.trusted_keys == [HostKeyTrusted("h1", spec, "ssh-ed25519", server.fingerprint, str(known))]
    assert (
        told[0]
        .message()
        .startswith(
            f"host 'h1': trusted on first use the key {spec} offered: ssh-ed25519 {server.fingerprint}, added to {known}."
        )
    )
    again = SSHBackend(ssh_host(server, known_hosts=str(known)), on_trusted=[listener])
    assert (await again.run(Command.of(["echo", "again"]))).stdout == "again\n"
    await again.close()
    assert known.read_text() == server.host_key_line and len(told) == 1  # known now: nothing to tell
    # the OpenSSH client accepts the recorded line too
    ssh = subprocess.run([*server.ssh_argv(known_hosts=known), "echo", "ok"], capture_output=True, text=True)
    assert ssh.stdout == "ok\n", ssh.stderr


async def test_an_identity_file_that_is_a_directory_is_named(server: SSHServer, tmp_path: Path) -> None:
    b = SSHBackend(ssh_host(server, identity_file=str(tmp_path)))
    with pytest.raises(HostUnreachable) as err:
        await b.run(Command.of(["true"]))
    assert str(err.value) == (
        f"h1 ({server.address}:{server.port}): identity_file {tmp_path} is a directory, not a private key file"
    )


def _connect_as_nobody(host: Host) -> str:
    async def go() -> str:
        b = SSHBackend(host)
        try:
            await b.run(Command.of(["true"]))
        except HostUnreachable as exc:
            return str(exc)
        finally:
            await b.close()
        return "connected"

    return asyncio.run(go())


def test_an_unreadable_identity_file_is_named(server: SSHServer) -> None:
    require_root()
    with shared_dir() as shared:
        key = shared / "id_ed25519"
        key.write_bytes(server.keys.key.read_bytes())
        key.chmod(0o600)  # root's: nobody may not read it
        known = server.known_hosts_file(shared / "known_hosts")
        host = ssh_host(server, identity_file=str(key), known_hosts=str(known))
        assert as_user(nobody(), _connect_as_nobody, host) == (
            f"h1 ({server.address}:{server.port}): identity_file {key} cannot be read by user nobody: permission denied"
        )


async def test_wrong_client_key_is_a_clear_auth_error(server: SSHServer) -> None:
    b = SSHBackend(ssh_host(server, identity_file=str(server.keys.wrong_key)))
    with pytest.raises(HostUnreachable, match=r"authentication failed for user \w+: .*identity_file") as err:
        await b.processes()
    assert str(server.keys.wrong_key) in str(err.value)


async def test_missing_password_variable_is_named(server: SSHServer) -> None:
    b = SSHBackend(ssh_host(server, password_env="ROCKETUI_TEST_NO_SUCH_VAR"))
    with pytest.raises(HostUnreachable, match="password_env ROCKETUI_TEST_NO_SUCH_VAR is not set"):
        await b.stat("/")


async def test_closed_port_fails_fast(sshd_farm: SSHFarm) -> None:
    address, port = CLOSED
    host = Host("down", BackendKind.SSH, address, Pos("t.yaml", 1), port=port, connect_timeout=2.0)
    b = SSHBackend(host)
    started = time.monotonic()
    with pytest.raises(HostUnreachable, match=rf"^down \({address}:{port}\): cannot connect: connection refused$"):
        await b.run(Command.of(["true"]))
    assert time.monotonic() - started < host.connect_timeout + 1
    # inside the backoff window the same answer comes back without another attempt
    with pytest.raises(HostUnreachable, match="connection refused"):
        await b.port_open("127.0.0.1", 1)


async def test_silent_server_hits_connect_timeout(sshd_farm: SSHFarm, tmp_path: Path) -> None:
    sink = socket.socket()
    sink.bind((CLOSED[0], CLOSED[1] - 1))  # accepts TCP, never says a word
    sink.listen()
    try:
        host = Host(
            "mute",
            BackendKind.SSH,
            CLOSED[0],
            Pos("t.yaml", 1),
            port=CLOSED[1] - 1,
            connect_timeout=1.0,
            known_hosts=str(tmp_path / "kh"),
        )
        b = SSHBackend(host)
        assert b.connection_state() == "not connected"
        started = time.monotonic()
        listing = asyncio.create_task(b.processes())
        await eventually(lambda: b.connection_state() == "connecting", "the connecting state")
        with pytest.raises(HostUnreachable, match="no SSH answer within 1s"):
            await listing
        assert time.monotonic() - started < host.connect_timeout + 1
        assert b.connection_state() == "unreachable: no SSH answer within 1s"
    finally:
        sink.close()


async def test_jump_host_tunnels_through_the_other_host(sshd_farm: SSHFarm) -> None:
    bastion, inner = sshd_farm.start(2)
    backends: dict[str, SSHBackend] = {}
    backends["bastion"] = SSHBackend(ssh_host(bastion, "bastion"), resolver=lambda n: backends[n])
    backends["inner"] = SSHBackend(ssh_host(inner, "inner", jump_host="bastion"), resolver=lambda n: backends[n])
    try:
        r = await backends["inner"].run(Command.of(["sh", "-c", "echo $SSH_CONNECTION"]))
        assert r.stdout.split()[2] == inner.address
        assert backends["bastion"].stats.connections == 1 and backends["inner"].stats.connections == 1
        assert backends["bastion"].stats.commands == []
    finally:
        await backends["inner"].close()
        await backends["bastion"].close()


def test_local_cluster_never_imports_asyncssh() -> None:
    root = Path(__file__).resolve().parents[2]
    code = textwrap.dedent("""\
        import asyncio, sys
        from rocketui.model.loader import load_cluster
        from rocketui.backends.factory import BackendPool
        pool = BackendPool(load_cluster("clusters/local.yaml"))
        backend = pool.get("local")
        asyncio.run(backend.processes("java"))
        assert pool.connection_state("local") == "local"
        print("asyncssh" in sys.modules, any(m.startswith("rocketui.backends.ssh") for m in sys.modules))
        """)
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout == "False False\n"


async def test_pool_builds_ssh_backends_and_reports_their_state(server: SSHServer, tmp_path: Path) -> None:
    from rocketui.backends.factory import BackendPool
    from rocketui.model.loader import parse_cluster

    known = server.known_hosts_file()
    cluster = parse_cluster(
        textwrap.dedent(f"""\
        cluster: C
        rocketmq: {{home: /opt/rocketmq, version: "5.5.0"}}
        work_dir: {tmp_path}
        hosts:
          far: {{backend: ssh, address: {server.address}, port: {server.port}, user: {getpass.getuser()},
                identity_file: {server.keys.key},
                known_hosts: {known}}}
        nodes:
          - {{name: namesrv-1, kind: namesrv, host: far, port: 9876}}
        """),
        str(tmp_path / "c.yaml"),
    )
    pool = BackendPool(cluster)
    try:
        assert pool.connection_state("far") == "not connected"
        backend = pool.get("far")
        assert isinstance(backend, SSHBackend)
        await backend.processes()
        assert pool.connection_state("far") == "connected"
    finally:
        await pool.close_all()
