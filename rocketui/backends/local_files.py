"""Crash-safe replacement of a local file.

A reader (or a crash at any instant) sees either the old or the new content, never a mix:
write a temp file in the same directory, fsync it, rename over the target, fsync the
directory.  Mode and (when permitted) owner of the old file are kept.
"""

from __future__ import annotations

import os
import secrets
import shutil

from rocketui.backends.base import FileChanged, FileStat


def stat_path(path: str) -> FileStat | None:
    """FileStat of a local path, None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return FileStat(st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode & 0o7777)


def _backup(path: str, backup: str) -> None:
    """Keep the old content at `backup`, atomically: the old inode is hard-linked (the new
    content arrives by rename as a new inode, so the link keeps the old bytes for free), or
    copied to a temp name and renamed where links are not possible.  A crash never leaves a
    partial backup."""
    head, name = os.path.split(backup)
    tmp = os.path.join(head, f".{name}.tmp-{secrets.token_hex(4)}")  # hidden, like the data temp
    try:
        os.link(path, tmp)
    except OSError:
        shutil.copy2(path, tmp)
    os.replace(tmp, backup)


def atomic_write(
    path: str, data: bytes, *, expect: FileStat | None = None, backup_suffix: str | None = None, mode: int | None = None
) -> FileStat:
    # Resolve symlinks so we replace the target file, not the link.
    path = os.path.realpath(path)
    directory = os.path.dirname(path) or "."
    current = stat_path(path)
    if expect is not None and not expect.same_version(current):
        raise FileChanged(f"{path} changed on disk since it was loaded; not overwriting it")
    old_st = os.stat(path) if current is not None else None
    if backup_suffix and current is not None:
        _backup(path, path + backup_suffix)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        final_mode = mode if mode is not None else (old_st.st_mode & 0o7777 if old_st else 0o644)
        os.chmod(tmp, final_mode)
        if old_st is not None and os.geteuid() == 0:
            os.chown(tmp, old_st.st_uid, old_st.st_gid)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    result = stat_path(path)
    assert result is not None
    return result
