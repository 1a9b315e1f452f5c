"""Crash-safe replacement of a remote file over SFTP (the remote twin of local_files.atomic_write).

Temp file in the same directory, fsync (OpenSSH's fsync@openssh.com when offered), the old
file's owner, group and mode, then posix-rename@openssh.com over the file: plain SFTP v3 rename
refuses to overwrite.  Symlinks are resolved first (realpath), so the link's target is replaced
rather than the link, and the backup lives beside the target.  SFTP cannot fsync a directory, so
the rename itself is atomic but its durability across a power cut is up to the remote filesystem.

The same refusals as locally, decided from a small remote check (`ssh_scripts.file_facts_script`:
stat, `[ -w ]` for the login user, getfattr) and the login user's uid and groups (asked once per
connection): not writable by that user, owner or group that could not be kept, other hard links,
not a regular file.  Extended attributes and ACLs cannot be copied over SFTP (OpenSSH offers no
extension for them), so a file that has any is refused unless the new file turns out to have the
very same ones (a directory's default ACL, an SELinux label given by policy): rocketui never
drops them silently.  Without getfattr on the host only ACLs and SELinux labels are seen (ls).

Backups: the old content is uploaded to a hidden temp with the file's attributes and given its
backup name with a plain SFTP rename, which never overwrites (OpenSSH links, then unlinks), so a
backup appears whole and exclusively; a taken name moves on to .2, .3, ...
"""

from __future__ import annotations

import posixpath
import secrets
import stat as stat_mod
import time
from collections.abc import Awaitable, Callable

import asyncssh

from rocketui.backends.base import FileChanged, FileStat, WriteRefused, Written
from rocketui.backends.ssh_scripts import RemoteFile, RemoteUser

StatFn = Callable[[str], Awaitable[FileStat | None]]
FactsFn = Callable[[str], Awaitable[RemoteFile | None]]
UserFn = Callable[[], Awaitable[RemoteUser]]

# A save cut by a dropped connection leaves its hidden temp file behind (the server cannot remove
# it for us); the next save of that file removes temps older than this (a live save is seconds).
STALE_TEMP_AGE = 600.0
_MAX_BACKUPS = 10_000


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


class _RemoteSave:
    """One save of one remote file: the checks, the temp files, the backup."""

    def __init__(self, sftp: asyncssh.SFTPClient, host: str, path: str, facts: FactsFn) -> None:
        self.sftp = sftp
        self.host = host
        self.path = path
        self.directory, self.base = posixpath.split(path)
        self.facts = facts

    def refuse(self, why: str) -> WriteRefused:
        return WriteRefused(f"host '{self.host}': {self.path} {why}; nothing was written")

    def check(self, old: RemoteFile, user: RemoteUser) -> None:
        if not stat_mod.S_ISREG(old.mode):
            raise self.refuse("is not a regular file")
        if old.nlink > 1:
            raise self.refuse(
                f"has {old.nlink} hard links: a save writes a new file and renames it over this name, so the "
                f"other {old.nlink - 1} name(s) would silently keep the old content (find them on the host with: "
                f"find / -xdev -samefile {self.path}); make it a single file (a symlink is fine) and save again"
            )
        if not old.writable:
            raise self.refuse(
                f"is not writable by user {user.name} (mode {stat_mod.S_IMODE(old.mode):04o}, owner {old.owner})"
            )
        if user.uid == 0:
            return
        owner, group = old.owner.split(":", 1)
        if old.uid != user.uid:
            raise self.refuse(
                f"belongs to {owner}, not to user {user.name}: a save replaces the file with a new one, "
                f"and only root can give that back to {owner}"
            )
        if old.gid not in user.gids:
            raise self.refuse(f"has group {group}, which user {user.name} is not in, so the new file could not keep it")

    async def write_temp(self, data: bytes, old: RemoteFile | None, mode: int) -> str:
        """A hidden temp file with `data`, looking like `old` (or with `mode`), checked."""
        tmp = posixpath.join(self.directory, f".{self.base}.tmp-{secrets.token_hex(4)}")
        try:
            f = await self.sftp.open(tmp, "xb", asyncssh.SFTPAttrs(permissions=0o600))
        except asyncssh.SFTPPermissionDenied:
            raise self.refuse(
                f"cannot be replaced: the login user cannot create files in {self.directory} "
                "(a save writes a new file there and renames it over the old one)"
            ) from None
        try:
            async with f:
                await f.write(data)
                try:
                    await f.fsync()
                except asyncssh.SFTPOpUnsupported:
                    pass
            if old is None:
                await self.sftp.chmod(tmp, mode)
            else:
                await self.carry(tmp, old, mode)
        except BaseException:
            await self.remove(tmp)
            raise
        return tmp

    async def carry(self, tmp: str, old: RemoteFile, mode: int) -> None:
        attrs = await self.sftp.stat(tmp)
        if (attrs.uid, attrs.gid) != (old.uid, old.gid):
            try:
                await self.sftp.chown(tmp, old.uid, old.gid)
            except (asyncssh.SFTPPermissionDenied, asyncssh.SFTPFailure):
                raise self.refuse(f"would lose its owner {old.owner} (the login user cannot keep it)") from None
        await self.sftp.chmod(tmp, mode)  # after chown, which clears set-id bits
        new = await self.facts(tmp)
        if new is None or (new.uid, new.gid, stat_mod.S_IMODE(new.mode)) != (old.uid, old.gid, mode):
            raise self.refuse(f"would not keep its owner {old.owner} and mode {mode:04o}")
        if new.attributes != old.attributes:
            have = old.describe_attributes() if old.has_attributes() else "no extended attributes"
            raise self.refuse(
                f"has {have}, which SFTP cannot carry to the new file (it would get "
                f"{new.describe_attributes() if new.has_attributes() else 'none'}); rocketui does not drop "
                "them: edit the file on the host, or remove them there if they are not needed"
            )

    async def backup(self, content: bytes, old: RemoteFile, suffix: str) -> str:
        tmp = await self.write_temp(content, old, stat_mod.S_IMODE(old.mode))
        try:
            for n in range(1, _MAX_BACKUPS):
                name = self.path + suffix + (f".{n}" if n > 1 else "")
                try:
                    await self.sftp.rename(tmp, name)  # SFTP v3 rename: fails when `name` exists
                    return name
                except asyncssh.SFTPError:
                    if not await self.exists(name):
                        raise
            raise self.refuse(f"has {_MAX_BACKUPS} backups named {self.base}{suffix}.*")
        except BaseException:
            await self.remove(tmp)
            raise

    async def exists(self, path: str) -> bool:
        try:
            await self.sftp.lstat(path)
        except asyncssh.SFTPNoSuchFile:
            return False
        return True

    async def remove(self, path: str) -> None:
        try:
            await self.sftp.remove(path)
        except (asyncssh.Error, OSError):
            pass


async def atomic_write(
    sftp: asyncssh.SFTPClient,
    stat: StatFn,
    path: str,
    data: bytes,
    *,
    expect: FileStat | None,
    backup_suffix: str | None,
    mode: int | None,
    host: str,
    facts: FactsFn,
    user: UserFn,
) -> Written:
    save = _RemoteSave(sftp, host, await resolve(sftp, path), facts)
    current = await stat(save.path)
    if expect is not None and not expect.same_version(current):
        raise FileChanged(f"{save.path} changed on disk since it was loaded; not overwriting it")
    old: RemoteFile | None = None
    if current is not None:
        old = await facts(save.path)
        if old is None:
            raise FileChanged(f"{save.path} was removed while it was being saved; not writing it")
        save.check(old, await user())
    await _remove_stale_temps(sftp, save.directory, save.base)
    content: bytes | None = None
    if backup_suffix and current is not None:
        async with sftp.open(save.path, "rb") as f:
            raw = await f.read()
        assert isinstance(raw, bytes)  # binary mode
        content = raw
        if expect is not None and not expect.same_version(await stat(save.path)):
            raise FileChanged(f"{save.path} changed on disk since it was loaded; not overwriting it")
    final_mode = mode if mode is not None else (current.mode if current is not None else 0o644)
    tmp = await save.write_temp(data, old, final_mode)
    try:
        backup = None
        if content is not None and old is not None and backup_suffix:
            backup = await save.backup(content, old, backup_suffix)
        await sftp.posix_rename(tmp, save.path)
    except BaseException:
        await save.remove(tmp)
        raise
    result = await stat(save.path)
    if result is None:
        raise FileNotFoundError(save.path)
    return Written(save.path, result, backup)


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
