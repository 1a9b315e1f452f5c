"""Crash-safe replacement of a local file that keeps what the file is.

A reader (or a crash at any instant) sees either the old or the new content, never a mix: the
new content goes to a hidden temp file in the same directory, is fsynced, gets the old file's
owner, group, extended attributes (POSIX ACLs are stored as such) and mode, and is renamed over
the file; the directory is fsynced last.  Symlinks are resolved first: the target is replaced,
the link stays, and the backup lives beside the target.

A rename needs only the directory's permission, so the file's own is checked first.  A save is
refused (WriteRefused, nothing written) when:
* the user could not write the file itself (`access(W_OK)`: mode bits, ACLs, read-only mounts);
* its owner or group could not be kept: only root may give a file to another user, and a user
  may only give a file to one of their own groups.  Refusing beats silently taking the file over;
* an extended attribute cannot be copied (a `trusted.*` one for a non-root user, a label the
  policy does not allow): refusing beats silently dropping it.  Attributes that can be copied are
  kept, so an ACL'd config stays ACL'd.  (`trusted.*` attributes are invisible to a non-root user,
  so such a user's save cannot see them to keep or refuse; only root can set them);
* it has other hard links.  Replacing would silently split them (the other names keep the old
  content); writing in place would keep them together but give up the all-or-nothing guarantee
  above (a torn write would be seen through every name).  So neither: the message says how many
  links there are and how to find them;
* it is not a regular file.

Backups: the old content is copied to a hidden temp with the same attributes and hard-linked to
its backup name; link(2) fails when the name exists, so a backup appears whole and exclusively,
and a taken name moves on to .2, .3, ... (never overwriting an earlier backup).  A copy rather
than a link to the live file, because a save interrupted after the backup must not leave the
live file with a second link.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import secrets
import stat
from dataclasses import dataclass

from rocketui.backends.base import FileChanged, FileStat, WriteRefused, Written

# link(2) errors that mean "this filesystem or policy does not do hard links here"
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS, errno.EXDEV}
_MAX_BACKUPS = 10_000  # per suffix (per second, for timestamped suffixes)


def stat_path(path: str) -> FileStat | None:
    """FileStat of a local path, None when it does not exist."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return _file_stat(st)


def read_end(path: str, length: int) -> tuple[FileStat, bytes] | None:
    """`Backend.read_end` on this machine: one open, fstat and pread."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        st = os.fstat(fd)
        size = min(length, st.st_size)
        return _file_stat(st), (os.pread(fd, size, st.st_size - size) if size else b"")
    finally:
        os.close(fd)


def _file_stat(st: os.stat_result) -> FileStat:
    return FileStat(st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode & 0o7777)


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def read_xattrs(target: str | int) -> dict[str, bytes]:
    """Every extended attribute of a path or open fd this user may read ({} where unsupported)."""
    try:
        names = os.listxattr(target)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return {}
        raise
    return {name: os.getxattr(target, name) for name in names}


@dataclass(frozen=True)
class _Old:
    """The file being replaced: what the new one must look like."""

    st: os.stat_result
    xattrs: dict[str, bytes]

    @property
    def owner(self) -> str:
        return owner_text(self.st)


def owner_text(st: os.stat_result) -> str:
    return f"{user_name(st.st_uid)}:{group_name(st.st_gid)}"


class _Save:
    """One save of one file on host `host` (for messages)."""

    def __init__(self, host: str, path: str) -> None:
        self.host = host
        self.path = path
        self.directory = os.path.dirname(path) or "."
        self.user = user_name(os.geteuid())

    def refuse(self, why: str) -> WriteRefused:
        return WriteRefused(f"host '{self.host}': {self.path} {why}; nothing was written")

    # ------------------------------------------------------------------ checks
    def check(self, st: os.stat_result) -> None:
        """Refuse what a rename would do wrongly or behind the file's own permissions."""
        if not stat.S_ISREG(st.st_mode):
            raise self.refuse("is not a regular file")
        if st.st_nlink > 1:
            raise self.refuse(
                f"has {st.st_nlink} hard links: a save writes a new file and renames it over this name, so "
                f"the other {st.st_nlink - 1} name(s) would silently keep the old content (find them with: "
                f"find / -xdev -samefile {self.path}); make it a single file (a symlink is fine) and save again"
            )
        if not os.access(self.path, os.W_OK, effective_ids=os.access in os.supports_effective_ids):
            raise self.refuse(
                f"is not writable by user {self.user} (mode {stat.S_IMODE(st.st_mode):04o}, owner {owner_text(st)})"
            )
        euid = os.geteuid()
        if euid == 0:
            return
        if st.st_uid != euid:
            raise self.refuse(
                f"belongs to {user_name(st.st_uid)}, not to user {self.user}: a save replaces the file with a new "
                f"one, and only root can give that back to {user_name(st.st_uid)}"
            )
        if st.st_gid != os.getegid() and st.st_gid not in os.getgroups():
            raise self.refuse(
                f"has group {group_name(st.st_gid)}, which user {self.user} is not in, so the new file "
                "could not keep it"
            )

    # ------------------------------------------------------------------ writing
    def temp(self) -> tuple[str, int]:
        base = os.path.basename(self.path)
        tmp = os.path.join(self.directory, f".{base}.tmp-{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except PermissionError:
            raise self.refuse(
                f"cannot be replaced: user {self.user} cannot create files in {self.directory} "
                "(a save writes a new file there and renames it over the old one)"
            ) from None
        return tmp, fd

    def write_temp(self, data: bytes, old: _Old | None, mode: int) -> str:
        """A hidden temp file with `data`, fsynced, looking like `old` (or with `mode`)."""
        tmp, fd = self.temp()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if old is None:
                os.fchmod(fd, mode)
            else:
                self.carry(fd, old, mode)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            _unlink(tmp)
            raise
        os.close(fd)
        return tmp

    def carry(self, fd: int, old: _Old, mode: int) -> None:
        """Give the open temp file the owner, group, extended attributes and mode of `old`, and
        check that it has them; refuse (the caller removes the temp) when one cannot be kept."""
        st = os.fstat(fd)
        if (st.st_uid, st.st_gid) != (old.st.st_uid, old.st.st_gid):
            try:
                os.fchown(fd, old.st.st_uid, old.st.st_gid)
            except PermissionError:
                raise self.refuse(f"would lose its owner {old.owner} (user {self.user} cannot keep it)") from None
        have = read_xattrs(fd)
        try:
            for name in have.keys() - old.xattrs.keys():  # inherited from a default ACL, say
                os.removexattr(fd, name)
            for name, value in old.xattrs.items():
                if have.get(name) != value:
                    os.setxattr(fd, name, value)
        except OSError as exc:
            raise self.refuse(
                f"has extended attributes ({', '.join(sorted(old.xattrs)) or 'none'}) that user {self.user} "
                f"cannot give the new file ({exc.strerror}); rocketui does not drop them"
            ) from None
        os.fchmod(fd, mode)  # last: chown clears set-id bits; with an ACL, chmod keeps its mask in step
        after = os.fstat(fd)
        if (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) != (old.st.st_uid, old.st.st_gid, mode):
            raise self.refuse(f"would not keep its owner {old.owner} and mode {mode:04o}")
        if read_xattrs(fd) != old.xattrs:
            raise self.refuse(f"would not keep its extended attributes ({', '.join(sorted(old.xattrs))})")

    def backup(self, content: bytes, old: _Old, suffix: str) -> str:
        """Keep `content` at path+suffix (or .2, .3, ... when taken), created whole and exclusively."""
        tmp = self.write_temp(content, old, stat.S_IMODE(old.st.st_mode))
        try:
            for n in range(1, _MAX_BACKUPS):
                name = self.path + suffix + (f".{n}" if n > 1 else "")
                if _claim(tmp, name):
                    return name
            raise self.refuse(f"has {_MAX_BACKUPS} backups named {os.path.basename(self.path)}{suffix}.*")
        finally:
            _unlink(tmp)


def _claim(tmp: str, name: str) -> bool:
    """Give the finished temp file the name `name` unless that name exists (False then)."""
    try:
        os.link(tmp, name)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
    # No hard links here: reserve the name exclusively, then rename the temp over our own reservation.
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False
    os.replace(tmp, name)
    return True


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_version(save: _Save, expect: FileStat | None) -> bytes:
    """The old content for the backup; when `expect` is given, of exactly that version."""
    try:
        with open(save.path, "rb") as f:
            content = f.read()
            st = os.fstat(f.fileno())
    except PermissionError:
        raise save.refuse(f"is not readable by user {save.user}, so no backup of it can be kept") from None
    if expect is not None and not expect.same_version(_file_stat(st)):
        raise FileChanged(f"{save.path} changed on disk since it was loaded; not overwriting it")
    return content


def atomic_write(
    path: str,
    data: bytes,
    *,
    expect: FileStat | None = None,
    backup_suffix: str | None = None,
    mode: int | None = None,
    host: str = "local",
) -> Written:
    save = _Save(host, os.path.realpath(path))
    try:
        st: os.stat_result | None = os.stat(save.path)
    except FileNotFoundError:
        st = None
    if expect is not None and not expect.same_version(_file_stat(st) if st else None):
        raise FileChanged(f"{save.path} changed on disk since it was loaded; not overwriting it")
    old: _Old | None = None
    if st is not None:
        save.check(st)
        old = _Old(st, read_xattrs(save.path))
    final_mode = mode if mode is not None else (stat.S_IMODE(st.st_mode) if st else 0o644)
    content = _read_version(save, expect) if backup_suffix and st is not None else None
    tmp = save.write_temp(data, old, final_mode)
    try:
        backup = None
        if content is not None and old is not None and backup_suffix:
            backup = save.backup(content, old, backup_suffix)
        os.replace(tmp, save.path)
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_dir(save.directory)
    result = stat_path(save.path)
    assert result is not None
    return Written(save.path, result, backup)
