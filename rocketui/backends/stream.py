"""`Backend.stream`: run a command on a host and get its output line by line, stoppable at any time.

- local (`stream_local`): a child process in its own session with stdout+stderr on a pipe;
  stopping signals the whole process group (the JVM is a child of `sh tools.sh`, which does not
  exec);
- SSH (`stream_detached`, built on the Backend primitives): `start_detached` with the output in a
  file on that host, read with `follow`; the launch wrapper appends the exit marker, stopping
  signals the group with `kill -SIG -PGID` on that host (dash's kill builtin refuses `--`).
In both cases cancelling the caller stops the process too.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import TYPE_CHECKING

from rocketui.backends.base import EXIT_MARKER, Backend, Command, LineCallback, StreamResult

if TYPE_CHECKING:
    from rocketui.backends.local import LocalBackend

READ_LIMIT = 4 * 1024 * 1024  # longest line kept whole; longer ones arrive in pieces


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


async def stream_local(
    backend: LocalBackend, command: Command, on_line: LineCallback, *, timeout: float | None = None, grace: float = 5.0
) -> StreamResult:
    backend.stats.record(backend.name, command.shell())  # journaled like every backend command
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *command.argv,
        cwd=command.cwd or None,
        env={**os.environ, **dict(command.env)},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
        limit=READ_LIMIT,
    )
    assert proc.stdout is not None
    lines = 0
    stopped: str | None = None
    try:
        while True:
            remaining = None if timeout is None else timeout - (time.monotonic() - started)
            if remaining is not None and remaining <= 0:
                stopped = "timeout"
                break
            try:
                raw = await asyncio.wait_for(proc.stdout.readline(), remaining)
            except TimeoutError:
                stopped = "timeout"
                break
            except ValueError:  # a line longer than READ_LIMIT: hand it over in pieces
                raw = await proc.stdout.read(READ_LIMIT)
            if not raw:
                break
            lines += 1
            if on_line(raw.decode("utf-8", "replace").rstrip("\r\n")):
                stopped = "requested"
                break
        if stopped is None:
            return StreamResult(await proc.wait(), None, lines, time.monotonic() - started)
    finally:
        if proc.returncode is None:
            await _stop_local(proc, grace)
    return StreamResult(None, stopped, lines, time.monotonic() - started)


async def _stop_local(proc: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM the process group (JVM shutdown hooks run); after `grace` seconds, or when
    cancelled meanwhile, SIGKILL whatever of the group is left."""
    _killpg(proc.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except TimeoutError:
        pass
    finally:
        _killpg(proc.pid, signal.SIGKILL)


async def stream_detached(
    backend: Backend,
    command: Command,
    on_line: LineCallback,
    *,
    output: str,
    timeout: float | None = None,
    grace: float = 5.0,
) -> StreamResult:
    started = time.monotonic()
    await backend.write_file(output, b"")
    pgid = await backend.start_detached(command, output=output)
    lines = 0
    stopped: str | None = None
    status: int | None = None
    pending = b""
    events = backend.follow(output, start=0, poll=0.1)
    try:
        async with asyncio.timeout(timeout):
            async for event in events:
                if not event.data:
                    continue
                pending += event.data
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    text = raw.decode("utf-8", "replace").rstrip("\r")
                    if text.startswith(EXIT_MARKER):
                        status = int((text[len(EXIT_MARKER) :].split() or ["-1"])[0])
                        break
                    lines += 1
                    if on_line(text):
                        stopped = "requested"
                        break
                if status is not None or stopped is not None:
                    break
    except TimeoutError:
        stopped = "timeout"
    finally:
        await events.aclose()  # type: ignore[attr-defined]
        if status is None:
            await _stop_detached(backend, pgid, grace)
    return StreamResult(status, stopped, lines, time.monotonic() - started)


async def _stop_detached(backend: Backend, pgid: int, grace: float) -> None:
    for sig, wait in (("TERM", grace), ("KILL", 2.0)):
        await backend.run(Command.of(["sh", "-c", f"kill -{sig} -{pgid} 2>/dev/null; true"]), timeout=10)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not await backend.signal(pgid, 0):
                return
            await asyncio.sleep(0.1)
