"""Follow a remote file by name, like `tail -F`, with the local follower's events and semantics.

Data is read through an open SFTP handle at our own offset (so a file renamed away by log
rotation is drained before switching, as the local follower does with its descriptor).  SFTP v3
reports no inode, so the file's identity comes from a `stat` exec (`RemoteFiles.identity`); it is
asked only when the handle is idle and the cheap SFTP size by name disagrees with our offset, or
every IDENTITY_EVERY seconds of idleness (a new file that grew to exactly our offset).

The follower owns its offset: when the connection drops, it waits for the backend to reconnect,
re-opens the name and, if it is still the same inode, resumes at the last delivered offset (no
byte lost or repeated).  A file rotated or truncated while disconnected is reported as such.
The outage itself is reported too: one "disconnected" notice when the first operation fails and
one "reconnected" when the host answers again, so a viewer can tell a quiet log from a dead link.
Only a failure before the first event propagates (the host is unreachable from the start).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Protocol

from rocketui.backends.base import FileStat, FollowEvent, HostUnreachable

CHUNK = 1 << 20  # bytes per read, like the local follower
IDENTITY_EVERY = 2.0  # seconds of idleness between identity checks when nothing looks changed
RETRY_PAUSE = 0.25  # minimum pause between attempts while the host is unreachable


class Reader(Protocol):
    async def read(self, length: int, offset: int) -> bytes: ...
    async def close(self) -> None: ...


class RemoteFiles(Protocol):
    async def identity(self, path: str) -> FileStat | None: ...
    async def size(self, path: str) -> int | None: ...
    async def open_reader(self, path: str) -> Reader: ...


async def follow_remote(
    files: RemoteFiles,
    path: str,
    *,
    start: int | None = None,
    poll: float = 0.1,
    retryable: tuple[type[BaseException], ...] = (HostUnreachable,),
) -> AsyncIterator[FollowEvent]:
    reader: Reader | None = None
    inode = 0  # the file our offset belongs to; 0 before the first sight of it
    pos = 0
    missing = False
    checked = time.monotonic()
    started = False  # failures before the first event propagate
    disconnected = False  # a "disconnected" notice was given and no round trip succeeded since

    async def drop_reader() -> None:
        nonlocal reader
        old, reader = reader, None
        if old is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await old.close()

    try:
        while True:
            try:
                if reader is None:
                    ident = await files.identity(path)
                    if disconnected:  # the first answer since the outage
                        disconnected = False
                        yield FollowEvent(notice="reconnected", inode=inode)
                    if ident is None:
                        if not missing:
                            missing = True
                            started = True
                            yield FollowEvent(notice="missing", inode=inode)
                        await asyncio.sleep(poll)
                        continue
                    event: FollowEvent | None = None
                    if missing:
                        missing, inode, pos = False, ident.inode, 0
                        event = FollowEvent(notice="appeared", inode=inode)
                    elif inode == 0:
                        inode = ident.inode
                        pos = ident.size if start is None else min(max(start, 0), ident.size)
                    elif ident.inode != inode:  # rotated while we were not looking (reconnect)
                        inode, pos = ident.inode, 0
                        event = FollowEvent(notice="rotated", inode=inode)
                    elif ident.size < pos:
                        pos = 0
                        event = FollowEvent(notice="truncated", inode=inode)
                    try:
                        opened = await files.open_reader(path)
                    except FileNotFoundError:
                        continue  # gone between the two looks: look again
                    again = await files.identity(path)
                    if again is None or again.inode != ident.inode:
                        await opened.close()  # renamed between the two looks: look again
                        continue
                    reader = opened
                    checked = time.monotonic()
                    started = True
                    if event is not None:
                        yield event
                    continue
                data = await reader.read(CHUNK, pos)
                if data:
                    started = True
                    yield FollowEvent(data=data, offset=pos, inode=inode)
                    pos += len(data)
                    continue
                size = await files.size(path)
                if size == pos and time.monotonic() - checked < IDENTITY_EVERY:
                    await asyncio.sleep(poll)
                    continue
                ident = await files.identity(path)
                checked = time.monotonic()
                if ident is None or ident.inode != inode:
                    # renamed or deleted: whatever was written before is still readable by handle
                    tail = await reader.read(CHUNK, pos)
                    if tail:
                        yield FollowEvent(data=tail, offset=pos, inode=inode)
                        pos += len(tail)
                        continue
                    await drop_reader()
                    if ident is None:
                        missing = True
                        yield FollowEvent(notice="missing", inode=inode)
                    else:
                        inode, pos = ident.inode, 0
                        yield FollowEvent(notice="rotated", inode=inode)
                    continue
                if ident.size < pos:
                    pos = 0
                    yield FollowEvent(notice="truncated", inode=inode)
                    continue
                if ident.size == pos:
                    await asyncio.sleep(poll)
            except retryable:
                if not started:
                    raise
                await drop_reader()
                if not disconnected:
                    disconnected = True
                    yield FollowEvent(notice="disconnected", inode=inode)
                await asyncio.sleep(max(poll, RETRY_PAUSE))
    finally:
        await drop_reader()
