"""The SSH backend: a host's processes, files and sockets over ONE asyncssh connection.

Operator commands run on exec channels of that connection (see ssh_connection for the
pooling, backoff and channel limit), the backend's own frequent scripts (process listing, stat,
kill) in a resident shell (ssh_shell), files go over one SFTP session, ports are checked and
tunnelled with direct-tcpip channels.  Every operation has a timeout; a timed-out command's
remote process group is killed, because closing a channel does not stop a non-pty command.
Only operations that cannot have changed anything are retried after a dropped connection.

asyncssh is imported here and in the ssh_* helpers only, never by a local-only cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import signal as signal_mod
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar, cast

import asyncssh

from rocketui.backends import ssh_scripts as scripts
from rocketui.backends.base import (
    Backend,
    BackendError,
    BackendStats,
    Command,
    CommandResult,
    FileStat,
    FollowEvent,
    HostKeyTrusted,
    HostSnapshot,
    HostUnreachable,
    LineCallback,
    ProcessInfo,
    StreamResult,
    Written,
)
from rocketui.backends.local import detach_script
from rocketui.backends.ssh_connection import (
    CONNECTION_ERRORS,
    HostConnection,
    SSHTimeout,
    TrustListener,
    reason,
    refused,
)
from rocketui.backends.ssh_files import atomic_write
from rocketui.backends.ssh_follow import follow_remote
from rocketui.backends.ssh_sessions import open_session
from rocketui.backends.ssh_shell import ShellBroken
from rocketui.model.cluster import Host

T = TypeVar("T")

FILE_TIMEOUT = 60.0
SCRIPT_TIMEOUT = 30.0
UPLOAD_MIN_RATE = 256 * 1024  # bytes/s: an upload slower than this (2 Mbit/s) times out


CLOSE_WAIT = 2.0  # seconds an exec channel's close may take before its slot is given back anyway


class _NeverStarted(HostUnreachable):
    """The connection was already dead when a channel was requested: nothing ran remotely."""


class SSHBackend(Backend):
    def __init__(
        self,
        host: Host,
        *,
        resolver: Callable[[str], Backend] | None = None,
        keepalive_interval: float = 10.0,
        keepalive_count_max: int = 3,
        max_channels: int = 7,
        backoff: tuple[float, float] = (0.5, 15.0),
        on_trusted: list[TrustListener] | None = None,
    ) -> None:
        self.host = host
        self.name = host.name
        self.address = host.address
        self.stats = BackendStats()
        self._resolver = resolver
        self._link = HostConnection(
            host,
            self.stats,
            tunnel=self._jump if host.jump_host else None,
            keepalive_interval=keepalive_interval,
            keepalive_count_max=keepalive_count_max,
            max_channels=max_channels,
            backoff=backoff,
            on_trusted=on_trusted,
        )
        self._home: str | None = None
        self._clock: scripts.HostClock | None = None  # CLK_TCK and btime, kept while boot_id holds
        self._user: tuple[asyncssh.SSHClientConnection, scripts.RemoteUser] | None = None

    def connection_state(self) -> str:
        return self._link.state()

    @property
    def trusted_keys(self) -> list[HostKeyTrusted]:
        """Host keys this backend accepted on first use and added to known_hosts."""
        return self._link.trusted

    async def _jump(self) -> asyncssh.SSHClientConnection:
        jump = self._resolver(self.host.jump_host) if self._resolver and self.host.jump_host else None
        if not isinstance(jump, SSHBackend):
            raise HostUnreachable(f"{self.name}: jump_host {self.host.jump_host!r} is not an ssh host of this cluster")
        return await jump._link.connection()

    # ------------------------------------------------------------------ operation plumbing
    async def _guard(
        self, conn: asyncssh.SSHClientConnection, what: str, fn: Callable[[], Awaitable[T]], timeout: float
    ) -> T:
        """Run one step on `conn`, turning asyncssh's errors into BackendError subclasses."""
        label = self._link.label
        try:
            async with asyncio.timeout(timeout):
                return await fn()
        except TimeoutError:
            raise SSHTimeout(f"{label}: {what} timed out after {timeout:g}s") from None
        except asyncssh.ChannelOpenError as exc:
            if conn.is_closed():
                self._link.lost(conn)
                raise _NeverStarted(f"{label}: connection lost: {reason(exc)}") from None
            raise BackendError(f"{label}: {what}: cannot open a channel: {reason(exc)}") from None
        except CONNECTION_ERRORS as exc:
            self._link.lost(conn)
            raise HostUnreachable(f"{label}: connection lost during {what}: {reason(exc)}") from None
        except asyncssh.Error as exc:
            raise BackendError(f"{label}: {what}: {reason(exc)}") from None

    async def _attempt(
        self, what: str, op: Callable[[asyncssh.SSHClientConnection], Awaitable[T]], *, timeout: float, retry: bool
    ) -> T:
        """`op` on the live connection; once more on a fresh one when the old one turned out dead
        before anything started, or always when `retry` (the operation only reads)."""
        for attempt in (0, 1):
            conn = await self._link.connection()
            try:
                return await self._guard(conn, what, lambda: op(conn), timeout)  # noqa: B023 (awaited here)
            except _NeverStarted:
                if attempt:
                    raise
            except HostUnreachable:
                if attempt or not retry:
                    raise
        raise AssertionError("unreachable")

    async def _exec_on(
        self, conn: asyncssh.SSHClientConnection, script: str, input: bytes | None, pids: list[int]
    ) -> tuple[int, bytes, bytes]:
        """(exit status, stdout, stderr; -signal when killed) of a script on a new exec channel;
        the remote shell's pid goes to `pids` as soon as it is known."""
        await self._link.channels.acquire()
        try:
            proc = await open_session(conn, scripts.PID_PREFIX + script)
        except BaseException:
            self._link.channels.release()
            raise
        try:
            pre = b""
            while (line := await proc.stderr.readline()) and len(pre) < 65536:
                pid = scripts.split_pid_line(line)
                if pid is not None:
                    pids.append(pid)
                    break
                pre += line  # the login shell's own chatter before our first line
            if not input:
                proc.stdin.write_eof()
            out, err = await proc.communicate(input or None)
        finally:
            proc.close()
            self._link.release_when_closed(proc, CLOSE_WAIT)
        if proc.returncode is None:
            raise ConnectionResetError("the channel closed without an exit status")
        return proc.returncode, out, pre + err

    async def _kill_timed_out(self, pids: list[int]) -> None:
        for pid in pids:
            script = scripts.kill_group_script(pid)

            async def kill(conn: asyncssh.SSHClientConnection, script: str = script) -> asyncssh.SSHCompletedProcess:
                return await conn.run(script)

            with contextlib.suppress(BackendError):
                await self._attempt("kill", kill, timeout=5, retry=False)

    async def _exec(
        self, script: str, what: str, *, timeout: float, input: bytes | None = None, retry: bool = False
    ) -> tuple[int, bytes, bytes]:
        """A script on its own exec channel (operator commands: a fresh login shell each)."""
        pids: list[int] = []
        try:
            return await self._attempt(
                what, lambda conn: self._exec_on(conn, script, input, pids), timeout=timeout, retry=retry
            )
        except SSHTimeout:
            await self._kill_timed_out(pids)
            raise

    async def _script(
        self, script: str, what: str, *, timeout: float = SCRIPT_TIMEOUT, retry: bool
    ) -> tuple[int, bytes, bytes]:
        """One of our own scripts: in the resident shell when it is free, else on an exec channel."""
        pids: list[int] = []

        async def op(conn: asyncssh.SSHClientConnection) -> tuple[int, bytes, bytes]:
            shell = await self._link.shell(conn)
            if shell is not None:
                try:
                    return await shell.call(script)
                except ShellBroken as exc:
                    if conn.is_closed():
                        raise ConnectionResetError(str(exc)) from None
                    if exc.started and not retry:  # it may have run: do not run it twice
                        raise BackendError(f"{self._link.label}: {what}: {exc}") from None
            return await self._exec_on(conn, script, None, pids)

        try:
            return await self._attempt(what, op, timeout=timeout, retry=retry)
        except SSHTimeout:
            await self._kill_timed_out(pids)  # (the resident shell kills its own on a timeout)
            raise

    async def _sftp(
        self,
        what: str,
        fn: Callable[[asyncssh.SFTPClient], Awaitable[T]],
        *,
        retry: bool = True,
        timeout: float = FILE_TIMEOUT,
    ) -> T:
        async def op(conn: asyncssh.SSHClientConnection) -> T:
            return await fn(await self._link.sftp(conn))

        return await self._attempt(what, op, timeout=timeout, retry=retry)

    # ------------------------------------------------------------------ commands and processes
    async def run(self, command: Command, *, timeout: float = 30.0, input: bytes | None = None) -> CommandResult:
        line = command.shell()
        self.stats.record(self.name, line)
        status, out, err = await self._exec(line, f"command {line}", timeout=timeout, input=input)
        return CommandResult(command, status, out.decode(errors="replace"), err.decode(errors="replace"))

    async def start_detached(self, command: Command, *, output: str) -> int:
        script = detach_script(command, output)
        self.stats.record(self.name, self.detached_line(command, output))
        status, out, err = await self._exec(script, f"start {command.shell()}", timeout=15)
        try:
            return int(out.decode(errors="replace").strip().splitlines()[-1])
        except (ValueError, IndexError):
            detail = err.decode(errors="replace").strip() or f"exit status {status}"
            raise BackendError(f"{self.name}: could not start {command.shell()}: {detail}") from None

    async def processes(self, name: str = "java") -> list[ProcessInfo]:
        script = scripts.processes_script(name, self._clock)
        status, out, err = await self._script(script, "process listing", retry=True)
        try:
            found = scripts.parse_processes(out, name)
            self._clock = scripts.parse_clock(out)
            return found
        except scripts.ScriptOutputError as exc:
            detail = err.decode(errors="replace").strip() or str(exc)
            raise BackendError(f"{self.name}: cannot list processes (exit {status}): {detail}") from None

    async def snapshot(self, name: str = "java", ports: frozenset[int] | None = None) -> HostSnapshot:
        script = scripts.snapshot_script(name, ports, self._clock)
        status, out, err = await self._script(script, "process listing", retry=True)
        try:
            processes, listening = scripts.parse_snapshot(out, name)
            self._clock = scripts.parse_clock(out)
        except scripts.ScriptOutputError as exc:
            detail = err.decode(errors="replace").strip() or str(exc)
            raise BackendError(f"{self.name}: cannot list processes (exit {status}): {detail}") from None
        return HostSnapshot(processes, listening)

    async def signal(self, pid: int, sig: int, *, start_ticks: int | None = None) -> bool:
        signame = signal_mod.Signals(sig).name.removeprefix("SIG") if sig else "0"
        status, _, err = await self._script(
            scripts.signal_script(pid, signame, start_ticks), f"kill {pid}", retry=False
        )
        if status in (scripts.SIGNAL_GONE, scripts.SIGNAL_STALE):
            return False
        if status != 0:
            raise BackendError(f"{self.name}: kill -{signame} {pid} failed: {err.decode(errors='replace').strip()}")
        if sig:  # signal 0 only probes; it changes nothing, so it is not recorded as a command
            self.stats.record(self.name, f"kill -{signame} {pid}")
        return True

    # ------------------------------------------------------------------ files
    async def _home_dir(self) -> str:
        if self._home is None:
            self._home = await self._sftp("home directory", lambda s: s.realpath("."))
        return self._home

    async def expand_path(self, path: str) -> str:
        if path.startswith("~"):
            user, _, rest = path[1:].partition("/")
            if user:
                status, out, err = await self._script(scripts.home_script(user), f"home of {user}", retry=True)
                if status != 0:
                    raise BackendError(f"{self.name}: cannot expand ~{user}: {err.decode(errors='replace').strip()}")
                base = out.decode().strip()
            else:
                base = await self._home_dir()
            path = posixpath.join(base, rest) if rest else base
        elif not path.startswith("/"):
            path = posixpath.join(await self._home_dir(), path)
        return posixpath.normpath(path)

    async def read_file(self, path: str) -> bytes:
        path = await self.expand_path(path)

        async def fn(sftp: asyncssh.SFTPClient) -> bytes:
            async with _opened(sftp, path) as f:
                return await f.read()

        return await self._sftp(f"read {path}", fn)

    async def read_range(self, path: str, offset: int, length: int) -> bytes:
        path = await self.expand_path(path)

        async def fn(sftp: asyncssh.SFTPClient) -> bytes:
            async with _opened(sftp, path) as f:
                return await f.read(length, offset)

        return await self._sftp(f"read {path}", fn)

    async def write_file(
        self,
        path: str,
        data: bytes,
        *,
        expect: FileStat | None = None,
        backup_suffix: str | None = None,
        mode: int | None = None,
    ) -> Written:
        path = await self.expand_path(path)
        # Not retried: a rename whose reply was lost would make a retry overwrite the file again.
        return await self._sftp(
            f"write {path}",
            lambda sftp: atomic_write(
                sftp,
                self.stat,
                path,
                data,
                expect=expect,
                backup_suffix=backup_suffix,
                mode=mode,
                host=self.name,
                facts=self._file_facts,
                user=self.remote_user,
            ),
            retry=False,
        )

    async def remote_user(self) -> scripts.RemoteUser:
        """uid, name and groups of the login user, asked once per connection."""
        conn = await self._link.connection()
        if self._user is not None and self._user[0] is conn:
            return self._user[1]
        status, out, err = await self._script(scripts.IDENTITY_SCRIPT, "user id", retry=True)
        try:
            if status != 0:
                raise scripts.ScriptOutputError(err.decode(errors="replace").strip() or f"exit status {status}")
            user = scripts.parse_identity(out.decode(errors="replace"))
        except (scripts.ScriptOutputError, ValueError) as exc:
            raise BackendError(f"{self.name}: cannot tell the login user's uid and groups (id): {exc}") from None
        self._user = (conn, user)
        return user

    async def _file_facts(self, path: str) -> scripts.RemoteFile | None:
        status, out, err = await self._script(scripts.file_facts_script(path), f"check {path}", retry=True)
        if status == scripts.FILE_MISSING:
            return None
        try:
            if status != 0:
                raise scripts.ScriptOutputError(err.decode(errors="replace").strip() or f"exit status {status}")
            return scripts.parse_file_facts(out.decode(errors="replace"))
        except (scripts.ScriptOutputError, ValueError) as exc:
            raise BackendError(f"{self.name}: cannot check {path}: {exc}") from None

    async def stat(self, path: str) -> FileStat | None:
        path = await self.expand_path(path)
        status, out, err = await self._script(scripts.stat_script(path), f"stat {path}", retry=True)
        if status == scripts.STAT_MISSING:
            return None
        try:
            if status != 0:
                raise scripts.ScriptOutputError(err.decode(errors="replace").strip() or f"exit status {status}")
            return scripts.parse_stat(out.decode(errors="replace"))
        except (scripts.ScriptOutputError, ValueError) as exc:
            raise BackendError(f"{self.name}: cannot stat {path}: {exc}") from None

    async def stat_many(self, paths: Sequence[str]) -> list[FileStat | None]:
        if not paths:
            return []
        expanded = [await self.expand_path(p) for p in paths]
        status, out, err = await self._script(
            scripts.stat_many_script(expanded), f"stat {len(expanded)} files", retry=True
        )
        try:
            if status != 0:
                raise scripts.ScriptOutputError(err.decode(errors="replace").strip() or f"exit status {status}")
            return scripts.parse_stat_many(out.decode(errors="replace"), expanded)
        except (scripts.ScriptOutputError, ValueError) as exc:
            why = err.decode(errors="replace").strip()  # stat(1)'s own reason, when it gave one
            raise BackendError(f"{self.name}: {exc}" + (f" ({why})" if why and why not in str(exc) else "")) from None

    async def listdir(self, path: str) -> list[str]:
        path = await self.expand_path(path)

        async def fn(sftp: asyncssh.SFTPClient) -> list[str]:
            try:
                names = await sftp.listdir(path)
            except asyncssh.SFTPError:
                if not await sftp.isdir(path):
                    return []  # missing or not a directory, like the local backend
                raise
            return sorted(n for n in names if n not in (".", ".."))

        return await self._sftp(f"list {path}", fn)

    async def stream(
        self,
        command: Command,
        on_line: LineCallback,
        *,
        output: str,
        timeout: float | None = None,
        grace: float = 5.0,
    ) -> StreamResult:
        from rocketui.backends.stream import stream_detached

        return await stream_detached(self, command, on_line, output=output, timeout=timeout, grace=grace)

    async def upload(self, local_path: str, path: str, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Copy a local file to `path` on the host over SFTP (parallel requests); returns its size.
        Not atomic and not retried: upload to a temporary name, check it, then move it."""
        path = await self.expand_path(path)
        size = os.path.getsize(local_path)

        def handler(_src: bytes, _dst: bytes, done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)

        await self._sftp(
            f"upload {path}",
            lambda sftp: sftp.put(local_path, path, progress_handler=handler),
            retry=False,
            timeout=FILE_TIMEOUT + size / UPLOAD_MIN_RATE,
        )
        return size

    async def makedirs(self, path: str) -> None:
        path = await self.expand_path(path)
        await self._sftp(f"mkdir {path}", lambda sftp: sftp.makedirs(path, exist_ok=True))

    # ------------------------------------------------------------------ sockets seen from the host
    async def port_open(self, host: str, port: int, *, timeout: float = 1.0) -> bool:
        async def op(conn: asyncssh.SSHClientConnection) -> bool:
            try:
                async with asyncio.timeout(timeout):
                    _, writer = await conn.open_connection(host, port)
            except TimeoutError:
                return False
            except asyncssh.ChannelOpenError as exc:
                if conn.is_closed():
                    raise
                if exc.code == asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED:
                    raise BackendError(
                        f"{self.name}: sshd refuses TCP forwarding (AllowTcpForwarding), "
                        f"so ports cannot be checked from this host"
                    ) from None
                return False
            writer.close()
            return True

        return await self._attempt(f"port check {host}:{port}", op, timeout=timeout + 5, retry=True)

    async def open_connection(self, host: str, port: int) -> tuple[object, object]:
        async def op(conn: asyncssh.SSHClientConnection) -> tuple[object, object] | asyncssh.ChannelOpenError:
            try:
                return await conn.open_connection(host, port)
            except asyncssh.ChannelOpenError as exc:
                if conn.is_closed():
                    raise
                return exc  # the host answered: nothing listens there (raised below, not as a lost link)

        result = await self._attempt(f"tunnel to {host}:{port}", op, timeout=10, retry=True)
        if isinstance(result, asyncssh.ChannelOpenError):
            raise refused(host, port, result)
        return result

    # ------------------------------------------------------------------ follow
    def follow(self, path: str, *, start: int | None = None, poll: float = 0.1) -> AsyncIterator[FollowEvent]:
        return self._follow(path, start, poll)

    async def _follow(self, path: str, start: int | None, poll: float) -> AsyncIterator[FollowEvent]:
        path = await self.expand_path(path)
        files = _RemoteFiles(self)
        events = follow_remote(files, path, start=start, poll=poll, retryable=(HostUnreachable, SSHTimeout))
        async with contextlib.aclosing(cast(AsyncGenerator[FollowEvent, None], events)):
            async for event in events:
                yield event

    async def close(self) -> None:
        await self._link.close()


@contextlib.asynccontextmanager
async def _opened(sftp: asyncssh.SFTPClient, path: str) -> AsyncIterator[asyncssh.SFTPClientFile]:
    try:
        f = await sftp.open(path, "rb")
    except asyncssh.SFTPNoSuchFile:
        raise FileNotFoundError(2, "No such file or directory", path) from None
    try:
        yield f
    finally:
        with contextlib.suppress(asyncssh.Error, OSError):
            await f.close()


class _RemoteReader:
    """An open SFTP handle of the follower, bound to the connection it was opened on."""

    def __init__(
        self, backend: SSHBackend, conn: asyncssh.SSHClientConnection, f: asyncssh.SFTPClientFile, path: str
    ) -> None:
        self._backend, self._conn, self._f, self._path = backend, conn, f, path

    async def read(self, length: int, offset: int) -> bytes:
        return await self._backend._guard(
            self._conn, f"read {self._path}", lambda: self._f.read(length, offset), FILE_TIMEOUT
        )

    async def close(self) -> None:
        if not self._conn.is_closed():
            await self._backend._guard(self._conn, f"close {self._path}", self._f.close, 5)


class _RemoteFiles:
    """What the follower needs from the host (ssh_follow.RemoteFiles)."""

    def __init__(self, backend: SSHBackend) -> None:
        self._backend = backend

    async def identity(self, path: str) -> FileStat | None:
        return await self._backend.stat(path)

    async def size(self, path: str) -> int | None:
        async def fn(sftp: asyncssh.SFTPClient) -> int | None:
            try:
                return (await sftp.stat(path)).size
            except asyncssh.SFTPNoSuchFile:
                return None

        return await self._backend._sftp(f"stat {path}", fn)

    async def open_reader(self, path: str) -> _RemoteReader:
        backend = self._backend

        async def op(conn: asyncssh.SSHClientConnection) -> _RemoteReader:
            sftp = await backend._link.sftp(conn)
            try:
                f = await sftp.open(path, "rb")
            except asyncssh.SFTPNoSuchFile:
                raise FileNotFoundError(2, "No such file or directory", path) from None
            return _RemoteReader(backend, conn, f, path)

        return await backend._attempt(f"open {path}", op, timeout=FILE_TIMEOUT, retry=True)
