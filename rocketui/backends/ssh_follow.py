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
    follower = _Follower(files, path, start)
    try:
        while True:
            try:
                events, idle = await follower.step()
            except retryable:
                if not follower.started:
                    raise
                await follower.drop_reader()
                if not follower.disconnected:
                    follower.disconnected = True
                    yield FollowEvent(notice="disconnected", inode=follower.inode)
                await asyncio.sleep(max(poll, RETRY_PAUSE))
                continue
            for event in events:
                yield event
            if idle:
                await asyncio.sleep(poll)
    finally:
        await follower.drop_reader()


Step = tuple[list[FollowEvent], bool]  # events to deliver now; whether to wait a poll after them


class _Follower:
    """The follower's state and one step at a time.  A step returns as soon as it has an event,
    so an event is delivered before anything else can fail."""

    def __init__(self, files: RemoteFiles, path: str, start: int | None) -> None:
        self.files = files
        self.path = path
        self.start = start
        self.reader: Reader | None = None
        self.inode = 0  # the file our offset belongs to; 0 before the first sight of it
        self.pos = 0
        self.missing = False
        self.checked = time.monotonic()
        self.started = False  # failures before the first event propagate
        self.disconnected = False  # a "disconnected" notice was given and no round trip succeeded since

    async def drop_reader(self) -> None:
        old, self.reader = self.reader, None
        if old is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await old.close()

    async def step(self) -> Step:
        return await self._open() if self.reader is None else await self._read(self.reader)

    async def _open(self) -> Step:
        ident = await self.files.identity(self.path)
        if self.disconnected:  # the first answer since the outage
            self.disconnected = False
            return [FollowEvent(notice="reconnected", inode=self.inode)], False
        if ident is None:
            if self.missing:
                return [], True
            self.missing = self.started = True
            return [FollowEvent(notice="missing", inode=self.inode)], True
        event = self._position(ident)
        try:
            opened = await self.files.open_reader(self.path)
        except FileNotFoundError:
            return [], False  # gone between the two looks: look again
        again = await self.files.identity(self.path)
        if again is None or again.inode != ident.inode:
            await opened.close()  # renamed between the two looks: look again
            return [], False
        self.reader = opened
        self.checked = time.monotonic()
        self.started = True
        return ([event] if event is not None else []), False

    def _position(self, ident: FileStat) -> FollowEvent | None:
        """Where to read the file we are about to open, and what that says happened."""
        if self.missing:
            self.missing, self.inode, self.pos = False, ident.inode, 0
            return FollowEvent(notice="appeared", inode=self.inode)
        if self.inode == 0:
            self.inode = ident.inode
            self.pos = ident.size if self.start is None else min(max(self.start, 0), ident.size)
            return None
        if ident.inode != self.inode:  # rotated while we were not looking (reconnect)
            self.inode, self.pos = ident.inode, 0
            return FollowEvent(notice="rotated", inode=self.inode)
        if ident.size < self.pos:
            self.pos = 0
            return FollowEvent(notice="truncated", inode=self.inode)
        return None

    async def _read(self, reader: Reader) -> Step:
        data = await reader.read(CHUNK, self.pos)
        if data:
            self.started = True
            return [self._data(data)], False
        size = await self.files.size(self.path)
        if size == self.pos and time.monotonic() - self.checked < IDENTITY_EVERY:
            return [], True
        ident = await self.files.identity(self.path)
        self.checked = time.monotonic()
        if ident is None or ident.inode != self.inode:
            return await self._switch(reader, ident)
        if ident.size < self.pos:
            self.pos = 0
            return [FollowEvent(notice="truncated", inode=self.inode)], False
        return [], ident.size == self.pos

    async def _switch(self, reader: Reader, ident: FileStat | None) -> Step:
        """Renamed or deleted: whatever was written before is still readable by handle."""
        tail = await reader.read(CHUNK, self.pos)
        if tail:
            return [self._data(tail)], False
        await self.drop_reader()
        if ident is None:
            self.missing = True
            return [FollowEvent(notice="missing", inode=self.inode)], False
        self.inode, self.pos = ident.inode, 0
        return [FollowEvent(notice="rotated", inode=self.inode)], False

    def _data(self, data: bytes) -> FollowEvent:
        event = FollowEvent(data=data, offset=self.pos, inode=self.inode)
        self.pos += len(data)
        return event
