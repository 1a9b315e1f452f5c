"""Crash-safe replacement of a remote file over SFTP (the remote twin of local_files.atomic_write).

Temp file in the same directory, fsync (OpenSSH's fsync@openssh.com when offered), mode and
(when permitted) owner of the old file, then posix-rename@openssh.com over the target: plain
SFTP v3 rename refuses to overwrite.  Symlinks are resolved first, so the link's target is
replaced rather than the link.  SFTP cannot fsync a directory, so the rename itself is atomic
but its durability across a power cut is up to the remote filesystem.
"""

from __future__ import annotations

import posixpath
import secrets
import time
from collections.abc import Awaitable, Callable

import asyncssh

from rocketui.backends.base import FileChanged, FileStat

StatFn = Callable[[str], Awaitable[FileStat | None]]

# A save cut by a dropped connection leaves its hidden temp file behind (the server cannot remove
# it for us); the next save of that file removes temps older than this (a live save is seconds).
STALE_TEMP_AGE = 600.0


async def resolve(sftp: asyncssh.SFTPClient, path: str) -> str:
    """The path with symlinks resolved; a file that does not exist yet keeps its own name."""
    try:
        return await sftp.realpath(path)
    except asyncssh.SFTPError:
        parent = posixpath.dirname(path) or "."
        try:
            return posixpath.join(await sftp.realpath(parent), posixpath.basename(path))
        except asyncssh.SFTPError:
            return path


async def _replace(sftp: asyncssh.SFTPClient, path: str, data: bytes, mode: int, owner: tuple[int, int] | None) -> None:
    directory, base = posixpath.split(path)
    await _remove_stale_temps(sftp, directory, base)
    tmp = posixpath.join(directory, f".{base}.tmp-{secrets.token_hex(4)}")
    try:
        async with sftp.open(tmp, "xb", asyncssh.SFTPAttrs(permissions=0o600)) as f:
            await f.write(data)
            try:
                await f.fsync()
            except asyncssh.SFTPOpUnsupported:
                pass
        await sftp.chmod(tmp, mode)
        if owner is not None:
            try:
                await sftp.chown(tmp, *owner)
            except (asyncssh.SFTPPermissionDenied, asyncssh.SFTPFailure):
                pass  # only root may give a file away; the content and mode still match
        await sftp.posix_rename(tmp, path)
    except BaseException:
        try:
            await sftp.remove(tmp)
        except (asyncssh.Error, OSError):
            pass
        raise


async def atomic_write(
    sftp: asyncssh.SFTPClient,
    stat: StatFn,
    path: str,
    data: bytes,
    *,
    expect: FileStat | None,
    backup_suffix: str | None,
    mode: int | None,
) -> FileStat:
    path = await resolve(sftp, path)
    current = await stat(path)
    if expect is not None and not expect.same_version(current):
        raise FileChanged(f"{path} changed on disk since it was loaded; not overwriting it")
    owner: tuple[int, int] | None = None
    if current is not None:
        attrs = await sftp.stat(path)
        if attrs.uid is not None and attrs.gid is not None:
            owner = (attrs.uid, attrs.gid)
        if backup_suffix:
            async with sftp.open(path, "rb") as f:
                old = await f.read()
            await _replace(sftp, path + backup_suffix, old, current.mode, owner)
    final_mode = mode if mode is not None else (current.mode if current is not None else 0o644)
    await _replace(sftp, path, data, final_mode, owner)
    result = await stat(path)
    if result is None:
        raise FileNotFoundError(path)
    return result


async def _remove_stale_temps(sftp: asyncssh.SFTPClient, directory: str, base: str) -> None:
    prefix = f".{base}.tmp-"
    try:
        entries = await sftp.readdir(directory or ".")
    except asyncssh.SFTPError:
        return
    cutoff = time.time() - STALE_TEMP_AGE
    for entry in entries:
        name = entry.filename if isinstance(entry.filename, str) else entry.filename.decode(errors="replace")
        if name.startswith(prefix) and (entry.attrs.mtime or 0) < cutoff:
            try:
                await sftp.remove(posixpath.join(directory, name))
            except asyncssh.SFTPError:
                pass
