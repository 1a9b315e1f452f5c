"""The one async interface rocketui needs from a host.

Everything that touches a host's processes, files and sockets goes through a
`Backend`; `local.py` implements it with the OS of this machine, `ssh.py` over
one pooled asyncssh connection.  Commands are argv lists (`Command`), never
pre-joined strings, so the same command can be executed without a shell
locally, quoted once for a remote shell, and shown verbatim to the operator.
"""

from __future__ import annotations

import asyncio
import shlex
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol

from rocketui.model.command import Command

__all__ = ["Command"]


# The last line `start_detached` appends to the output file when the started command exits,
# followed by its exit status: a daemon's parent is init, so nobody else can learn why it died.
EXIT_MARKER = "[rocketui] exited with status "


class BackendError(Exception):
    """A host operation failed; the message says which host and what."""


class HostUnreachable(BackendError):
    """The host cannot be reached at all (connect refused, auth failed, timeout)."""


class FileChanged(BackendError):
    """A file changed on disk since it was read; the write was refused."""


class WriteRefused(BackendError):
    """A save was refused before the file was touched: the file is not writable by the user doing
    the save, its owner, group, mode or extended attributes could not be kept, it has other hard
    links, or it is not a regular file.  The message names the host, the path and why."""


@dataclass(frozen=True)
class CommandResult:
    command: Command
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


# on_line returns True to stop the process (e.g. "enough messages received").
LineCallback = Callable[[str], bool | None]


@dataclass(frozen=True)
class StreamResult:
    exit_status: int | None  # None when rocketui stopped it (or its status is unknown)
    stopped: str | None  # "requested" (on_line said so) | "timeout" | None (exited by itself)
    lines: int
    duration: float


@dataclass(frozen=True)
class ProcessInfo:
    """A process on a host, identified by (pid, start_ticks) to survive pid reuse."""

    pid: int
    ppid: int
    pgid: int
    start_ticks: int
    started_at: float  # epoch seconds
    argv: tuple[str, ...]


@dataclass(frozen=True)
class HostSnapshot:
    """What a status poll needs from a host, in one round trip: its processes of one name and
    the TCP sockets listening there (None when the host would not say)."""

    processes: list[ProcessInfo]
    listening: frozenset[tuple[str, int]] | None

    def listens(self, address: str, port: int) -> bool | None:
        """Is something listening on address:port (or on every address at that port)?  None:
        unknown from here (ask with a connection)."""
        if self.listening is None:
            return None
        listening = self.listening
        return any((a, port) in listening for a in (address, "0.0.0.0", "::", "::ffff:" + address))


@dataclass(frozen=True)
class FileStat:
    size: int
    mtime_ns: int
    inode: int
    mode: int

    def same_version(self, other: FileStat | None) -> bool:
        return other is not None and (self.size, self.mtime_ns, self.inode) == (other.size, other.mtime_ns, other.inode)


@dataclass(frozen=True)
class Written:
    """What `Backend.write_file` did: the file actually written (symlinks resolved), its new
    version, and where the old content was kept (beside that file; None when no backup was
    asked for or the file did not exist)."""

    path: str
    stat: FileStat
    backup: str | None = None


@dataclass(frozen=True)
class HostKeyTrusted:
    """An SSH host key accepted on first use (`trust_on_first_use`) and appended to known_hosts:
    data for the use-case layer, which shows it and journals it."""

    host: str  # the host's name in the cluster file
    spec: str  # as known_hosts names it: addr or [addr]:port
    algorithm: str  # ssh-ed25519, ...
    fingerprint: str  # SHA256:... as ssh-keygen -l shows it
    known_hosts: str  # the file it was added to

    def message(self) -> str:
        return (
            f"host '{self.host}': trusted on first use the key {self.spec} offered: {self.algorithm} "
            f"{self.fingerprint}, added to {self.known_hosts}. Compare it with the host's own "
            f"(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on its console); if it differs, remove it with "
            f"ssh-keygen -R '{self.spec}' -f {self.known_hosts}"
        )


@dataclass(frozen=True)
class FollowEvent:
    """One item of `Backend.follow`: data appended, or a notice (rotated, truncated, missing)."""

    data: bytes = b""
    offset: int = 0  # file offset of data[0]
    notice: str = ""  # "rotated" | "truncated" | "missing" | "appeared" | ""
    inode: int = 0


# The commands of the action running in this task (see NodeService.act): a context variable, so
# actions running concurrently on one host (start-all) each journal only their own commands.
_ACTION_COMMANDS: ContextVar[list[str] | None] = ContextVar("rocketui_action_commands", default=None)


@contextmanager
def capture_commands(into: list[str]) -> Iterator[None]:
    """Collect, as "host: command", every command a backend runs in this task until exit."""
    token = _ACTION_COMMANDS.set(into)
    try:
        yield
    finally:
        _ACTION_COMMANDS.reset(token)


@dataclass
class BackendStats:
    """Counters for tests and benchmarks (connections opened, commands run)."""

    connections: int = 0
    commands: list[str] = field(default_factory=list)

    def record(self, host: str, line: str) -> None:
        """A command that changes or starts something on `host` (probes are not recorded)."""
        self.commands.append(line)
        captured = _ACTION_COMMANDS.get()
        if captured is not None:
            captured.append(f"{host}: {line}")


class HostPool(Protocol):
    """One Backend per host of a cluster (`backends.factory.BackendPool` is the real one)."""

    def get(self, host_name: str) -> Backend: ...

    def connection_state(self, host_name: str) -> str:
        """'local', 'connected', 'connecting', 'unreachable: reason', 'not connected'."""
        ...

    async def close_all(self) -> None: ...


class Backend(ABC):
    """What rocketui needs from one host.  All methods are coroutines."""

    name: str
    address: str
    stats: BackendStats

    @abstractmethod
    async def run(self, command: Command, *, timeout: float = 30.0, input: bytes | None = None) -> CommandResult:
        """Run a command to completion and capture its output."""

    @abstractmethod
    async def stream(
        self,
        command: Command,
        on_line: LineCallback,
        *,
        output: str,
        timeout: float | None = None,
        grace: float = 5.0,
    ) -> StreamResult:
        """Run `command` and call `on_line` per output line (stdout and stderr, no newline) until
        it exits, `on_line` returns True or `timeout` passes; then stop its whole process group
        (SIGTERM, SIGKILL after `grace`).  `output` is a file on the host the output may be
        staged in (a remote host streams through it); cancelling the caller stops the process."""

    @abstractmethod
    async def upload(self, local_path: str, path: str, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Copy a file of this machine to `path` on the host; returns its size.  Not atomic: upload
        to a temporary name, check it, then move it."""

    @abstractmethod
    async def start_detached(self, command: Command, *, output: str) -> int:
        """Start a daemon in its own session, stdin from /dev/null, stdout+stderr appended to
        `output`; it outlives rocketui and the connection.  Returns the session leader pid
        (which is also its process group id)."""

    @abstractmethod
    async def processes(self, name: str = "java") -> list[ProcessInfo]:
        """All processes whose executable basename is `name`, in one round trip."""

    @abstractmethod
    async def snapshot(self, name: str = "java", ports: frozenset[int] | None = None) -> HostSnapshot:
        """`processes(name)` and the listening TCP sockets, in one round trip; only those on
        `ports` when given (a host with thousands of listeners then answers with a few lines)."""

    @abstractmethod
    async def signal(self, pid: int, sig: int, *, start_ticks: int | None = None) -> bool:
        """Send `sig` to `pid` (only if its start time still equals `start_ticks`).  False when
        the process no longer exists; signal 0 (a probe) also says False for a zombie."""

    @abstractmethod
    async def read_file(self, path: str) -> bytes:
        """Whole file; raises FileNotFoundError."""

    @abstractmethod
    async def read_range(self, path: str, offset: int, length: int) -> bytes:
        """Up to `length` bytes at `offset` without reading the rest of the file."""

    async def read_end(self, path: str, length: int) -> tuple[FileStat, bytes] | None:
        """A file's stat and its last `length` bytes (all of it when shorter), ending at the
        stat's size; None when it does not exist.  What a log view opens with: a local host
        answers in one call (one thread hop instead of two)."""
        st = await self.stat(path)
        if st is None:
            return None
        size = min(length, st.size)
        return st, (await self.read_range(path, st.size - size, size) if size else b"")

    @abstractmethod
    async def write_file(
        self,
        path: str,
        data: bytes,
        *,
        expect: FileStat | None = None,
        backup_suffix: str | None = None,
        mode: int | None = None,
    ) -> Written:
        """Atomically replace the file `path` names (symlinks resolved: the target is written,
        the link stays) with a temp file in the same directory, fsync and rename, keeping its
        owner, group, mode (`mode` when given) and extended attributes.

        Raises WriteRefused, with nothing written, when the file itself is not writable by the
        user doing the save (a rename would only need the directory), when its owner, group or
        attributes cannot be kept, when it has other hard links (they would keep the old
        content), or when it is not a regular file; FileChanged when `expect` is given and the
        file's current stat differs.  With `backup_suffix` the old content is kept beside the
        written file at <file><suffix>, or <suffix>.2, .3, ... when taken: an existing backup is
        never overwritten."""

    @abstractmethod
    async def stat(self, path: str) -> FileStat | None:
        """None when the file does not exist."""

    async def stat_many(self, paths: Sequence[str]) -> list[FileStat | None]:
        """`stat` of each path, in order; a remote host answers them in one round trip."""
        return [await self.stat(p) for p in paths]

    @abstractmethod
    async def listdir(self, path: str) -> list[str]:
        """Names in a directory ([] when it does not exist)."""

    @abstractmethod
    async def makedirs(self, path: str) -> None: ...

    @abstractmethod
    async def expand_path(self, path: str) -> str:
        """Expand a leading ~ on that host and make the path absolute."""

    @abstractmethod
    async def port_open(self, host: str, port: int, *, timeout: float = 1.0) -> bool:
        """Does host:port accept a TCP connection, seen from that host?"""

    @abstractmethod
    async def open_connection(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | tuple[object, object]:
        """A TCP stream to host:port as seen from that host (tunnelled for SSH)."""

    @abstractmethod
    def follow(self, path: str, *, start: int | None = None, poll: float = 0.1) -> AsyncIterator[FollowEvent]:
        """Follow a growing file by name (like `tail -F`): from byte `start` (default: the
        current end), surviving rename-rotation, truncation, and a file that does not exist yet."""

    @abstractmethod
    async def close(self) -> None: ...

    @staticmethod
    def detached_line(command: Command, output: str) -> str:
        """How a detached start is shown and journaled: the command itself, not the setsid/nohup
        wrapper around it (that wrapper is the same for every start)."""
        return f"{command.shell()} >>{shlex.quote(output)} 2>&1 &  # detached (setsid, stdin /dev/null)"

    def describe(self, command: Command) -> str:
        """How this backend shows a command to the operator (for confirmations and the journal)."""
        return f"{self.name}: {command.shell()}"
