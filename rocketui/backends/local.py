"""The local backend: this machine's processes, files and sockets."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import signal as signal_mod
from collections.abc import AsyncIterator, Callable

from rocketui.backends import local_files, procfs
from rocketui.backends.base import (
    EXIT_MARKER,
    Backend,
    BackendError,
    BackendStats,
    Command,
    CommandResult,
    FileStat,
    FollowEvent,
    HostSnapshot,
    LineCallback,
    ProcessInfo,
    StreamResult,
    Written,
)
from rocketui.backends.local_files import stat_path


def detach_script(command: Command, output: str) -> str:
    """A shell line that starts `command` as a daemon in its own session and prints its pid.

    `exec setsid` inside a subshell keeps the printed pid equal to the session leader (also the
    process group id); every stream is redirected so nothing holds the caller's pipes (an SSH
    channel would otherwise hang until the daemon exits).  A small `sh -c` wrapper waits for
    the command and appends its exit status to the output file, because a daemon's parent is
    init and nobody else can learn why it died.
    """
    env = [f"{k}={v}" for k, v in command.env]
    wrapper = f'"$@"; s=$?; echo "{EXIT_MARKER}$s at $(date +%s)"'
    argv = ["setsid", *(["env", *env] if env else []), "sh", "-c", wrapper, "rocketui-launch", *command.argv]
    cd = f"cd {shlex.quote(command.cwd)} && " if command.cwd else ""
    return f"({cd}exec {shlex.join(argv)}) >>{shlex.quote(output)} 2>&1 </dev/null & echo $!"


class LocalBackend(Backend):
    def __init__(self, name: str = "local", address: str = "127.0.0.1") -> None:
        self.name = name
        self.address = address
        self.stats = BackendStats()

    async def run(self, command: Command, *, timeout: float = 30.0, input: bytes | None = None) -> CommandResult:
        self.stats.record(self.name, command.shell())
        return await self._run(command, timeout=timeout, input=input)

    async def _run(self, command: Command, *, timeout: float, input: bytes | None = None) -> CommandResult:
        env = {**os.environ, **dict(command.env)}
        try:
            proc = await asyncio.create_subprocess_exec(
                *command.argv,
                cwd=command.cwd or None,
                env=env,
                stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError as exc:
            raise BackendError(f"{self.name}: cannot run {command.argv[0]!r}: {exc.strerror}") from exc
        try:
            out, err = await asyncio.wait_for(proc.communicate(input), timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise BackendError(f"{self.name}: command timed out after {timeout:g}s: {command.shell()}") from None
        return CommandResult(command, proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace"))

    async def start_detached(self, command: Command, *, output: str) -> int:
        script = detach_script(command, output)
        # the journal gets the daemon's own command line, not the sh -c wrapper around it
        self.stats.record(self.name, self.detached_line(command, output))
        result = await self._run(Command.of(["sh", "-c", script]), timeout=15)
        try:
            return int(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BackendError(f"{self.name}: could not start {command.shell()}: {result.stderr.strip()}") from None

    async def stream(
        self,
        command: Command,
        on_line: LineCallback,
        *,
        output: str,
        timeout: float | None = None,
        grace: float = 5.0,
    ) -> StreamResult:
        from rocketui.backends.stream import stream_local

        return await stream_local(self, command, on_line, timeout=timeout, grace=grace)

    async def upload(self, local_path: str, path: str, *, progress: Callable[[int, int], None] | None = None) -> int:
        size = os.path.getsize(local_path)
        await asyncio.to_thread(shutil.copyfile, local_path, self._abs(path))
        if progress is not None:
            progress(size, size)
        return size

    async def processes(self, name: str = "java") -> list[ProcessInfo]:
        return await asyncio.to_thread(procfs.list_processes, name)

    async def snapshot(self, name: str = "java", ports: frozenset[int] | None = None) -> HostSnapshot:
        def read() -> HostSnapshot:
            return HostSnapshot(procfs.list_processes(name), procfs.listening(ports))

        return await asyncio.to_thread(read)

    async def signal(self, pid: int, sig: int, *, start_ticks: int | None = None) -> bool:
        if start_ticks is not None and procfs.start_ticks(pid) != start_ticks:
            return False
        if sig:  # signal 0 only probes; it changes nothing, so it is not recorded as a command
            self.stats.record(self.name, f"kill -{signal_mod.Signals(sig).name.removeprefix('SIG')} {pid}")
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return False
        return not (sig == 0 and procfs.is_zombie(pid))

    async def read_file(self, path: str) -> bytes:
        return await asyncio.to_thread(_read, self._abs(path))

    async def read_range(self, path: str, offset: int, length: int) -> bytes:
        return await asyncio.to_thread(_pread, self._abs(path), offset, length)

    async def read_end(self, path: str, length: int) -> tuple[FileStat, bytes] | None:
        return await asyncio.to_thread(local_files.read_end, self._abs(path), length)

    async def write_file(
        self,
        path: str,
        data: bytes,
        *,
        expect: FileStat | None = None,
        backup_suffix: str | None = None,
        mode: int | None = None,
    ) -> Written:
        return await asyncio.to_thread(
            local_files.atomic_write,
            self._abs(path),
            data,
            expect=expect,
            backup_suffix=backup_suffix,
            mode=mode,
            host=self.name,
        )

    async def stat(self, path: str) -> FileStat | None:
        return await asyncio.to_thread(stat_path, self._abs(path))

    async def listdir(self, path: str) -> list[str]:
        try:
            return sorted(await asyncio.to_thread(os.listdir, self._abs(path)))
        except (FileNotFoundError, NotADirectoryError):
            return []

    async def makedirs(self, path: str) -> None:
        await asyncio.to_thread(os.makedirs, self._abs(path), exist_ok=True)

    async def expand_path(self, path: str) -> str:
        return self._abs(path)

    async def port_open(self, host: str, port: int, *, timeout: float = 1.0) -> bool:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (TimeoutError, OSError):
            return False
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
        return True

    async def open_connection(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(host, port)

    def follow(self, path: str, *, start: int | None = None, poll: float = 0.1) -> AsyncIterator[FollowEvent]:
        from rocketui.backends.local_follow import follow_local

        return follow_local(self._abs(path), start=start, poll=poll)

    async def close(self) -> None:
        return None

    @staticmethod
    def _abs(path: str) -> str:
        return os.path.abspath(os.path.expanduser(path))


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _pread(path: str, offset: int, length: int) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, length, offset)
    finally:
        os.close(fd)
