"""Follow a local file by name, like `tail -F`.

RocketMQ's logback rolls a log by *renaming* it (to `otherdays/…`, then gzipping) and creating a
new file under the old name, so following an open descriptor would go silent at the first
rotation.  This follower keeps the descriptor only to drain what was written before a rename,
then re-opens by name.  It reads with `os.pread` in bounded chunks (never the whole file) and
polls with a short sleep when idle: inotify would add a dependency for a 50–100 ms gain that
the log view's own flush interval hides anyway.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

from rocketui.backends.base import FollowEvent

CHUNK = 1 << 18  # bytes per read: one event; 1 MiB kept keys waiting ~20 ms behind each (bench/log_tail.py)


def _open(path: str) -> tuple[int, os.stat_result] | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return fd, os.fstat(fd)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


async def follow_local(path: str, *, start: int | None = None, poll: float = 0.1) -> AsyncIterator[FollowEvent]:
    """Yield appended data from `start` (default: the current end) and notices:
    "missing" (no file yet / deleted), "appeared", "rotated" (new file under the name; reading
    restarts at 0 after the old file was drained), "truncated" (size fell below our offset)."""
    opened = _open(path)
    fd: int | None = None
    pos = 0
    inode = 0
    if opened is None:
        yield FollowEvent(notice="missing")
    else:
        fd, st = opened
        inode = st.st_ino
        pos = st.st_size if start is None else min(max(start, 0), st.st_size)
    try:
        while True:
            if fd is None:
                opened = _open(path)
                if opened is None:
                    await asyncio.sleep(poll)
                    continue
                fd, st = opened
                inode, pos = st.st_ino, 0
                yield FollowEvent(notice="appeared", inode=inode)
            data = os.pread(fd, CHUNK, pos)
            if data:
                yield FollowEvent(data=data, offset=pos, inode=inode)
                pos += len(data)
                # let the loop run between chunks (a consumer that never awaits would otherwise
                # starve the UI); with a full chunk more is waiting: read on without sleeping
                await asyncio.sleep(0)
                if len(data) == CHUNK:
                    continue
            by_name = _stat(path)
            if by_name is None or by_name.st_ino != inode:
                # renamed or deleted: whatever was written before is still readable through fd
                tail = os.pread(fd, CHUNK, pos)
                if tail:
                    continue
                os.close(fd)
                fd = None
                if by_name is None:
                    yield FollowEvent(notice="missing", inode=inode)
                else:
                    yield FollowEvent(notice="rotated", inode=by_name.st_ino)
                    opened = _open(path)
                    if opened is not None:
                        fd, st = opened
                        inode, pos = st.st_ino, 0
                continue
            if by_name.st_size < pos:
                pos = 0
                yield FollowEvent(notice="truncated", inode=inode)
                continue
            if not data:
                await asyncio.sleep(poll)
    finally:
        if fd is not None:
            os.close(fd)
