"""Local saves as an unprivileged user (`nobody`, in a forked child; see tests/support/unprivileged.py):
a file the user may not write, or whose owner, group or attributes could not be kept, is refused
with nothing written; what can be kept is kept; hard links are refused; symlinked files are
written at their target with the backups beside it; no save ever overwrites a backup."""

from __future__ import annotations

import asyncio
import grp
import os
import stat
import struct
import threading
from pathlib import Path

import pytest

from rocketui.backends.base import Written
from rocketui.backends.local import LocalBackend
from rocketui.backends.local_files import read_xattrs
from rocketui.services import config_edit as ce
from tests.support.unprivileged import ChildFailed, User, as_user, nobody, owned, require_root, shared_dir

OLD = b"brokerClusterName=C\nbrokerName=broker-a\nbrokerId=0\nbrokerRole=ASYNC_MASTER\n"
NEW = OLD.replace(b"ASYNC_MASTER", b"SYNC_MASTER")


@pytest.fixture
def shared() -> Path:
    require_root()
    with shared_dir() as path:
        yield path


def user_dir(shared: Path, user: User, name: str = "conf") -> Path:
    """A directory the user owns (so a rename there is allowed: only the file's permission decides)."""
    d = shared / name
    d.mkdir()
    owned(d, user, 0o755)
    return d


def write(path: str, data: bytes, suffix: str | None = ".bak.20261125-135348") -> Written:
    return asyncio.run(LocalBackend().write_file(path, data, backup_suffix=suffix))


def snapshot(directory: Path) -> dict[str, tuple[bytes, int, int, int, int]]:
    """name -> (content, mode, uid, gid, inode) of every entry: what "untouched" means."""
    out = {}
    for p in sorted(directory.iterdir()):
        st = p.lstat()
        out[p.name] = (p.read_bytes() if p.is_file() else b"", st.st_mode, st.st_uid, st.st_gid, st.st_ino)
    return out


def refused(user: User, path: Path) -> str:
    before = snapshot(path.parent)
    with pytest.raises(ChildFailed) as failed:
        as_user(user, write, str(path), NEW)
    assert failed.value.kind == "WriteRefused", failed.value.trace
    assert snapshot(path.parent) == before  # same bytes, owner, mode, inode; no temp, no backup
    message = failed.value.message
    assert message.startswith(f"host 'local': {path} ") and message.endswith("; nothing was written")
    assert "\n" not in message
    return message


# ----------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "name,mode,owner,group,why",
    [
        ("broker.conf", 0o444, "nobody", None, "is not writable by user nobody (mode 0444, owner nobody:nogroup)"),
        ("runbroker.sh", 0o555, "nobody", None, "is not writable by user nobody (mode 0555, owner nobody:nogroup)"),
        ("broker.conf", 0o644, "root", None, "is not writable by user nobody (mode 0644, owner root:root)"),
        ("broker.conf", 0o666, "root", None, "belongs to root, not to user nobody"),
        ("broker.conf", 0o664, "nobody", "root", "has group root, which user nobody is not in"),
    ],
)
def test_a_file_the_user_may_not_replace_is_refused_untouched(
    shared: Path, name: str, mode: int, owner: str, group: str | None, why: str
) -> None:
    user = nobody()
    path = user_dir(shared, user) / name
    path.write_bytes(OLD)
    uid, gid = (0, 0) if owner == "root" else (user.uid, user.gid)
    os.chown(path, uid, grp.getgrnam(group).gr_gid if group else gid)
    path.chmod(mode)
    assert why in refused(user, path)
    assert path.stat().st_uid == uid


def test_root_may_still_save_what_it_can_keep(shared: Path) -> None:
    """Root writes a 0444 file of another user and keeps its owner, group and mode."""
    user = nobody()
    path = user_dir(shared, user) / "broker.conf"
    path.write_bytes(OLD)
    owned(path, user, 0o444)
    written = write(str(path), NEW)
    st = path.stat()
    assert path.read_bytes() == NEW and (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (user.uid, user.gid, 0o444)
    backup = Path(written.backup or "")
    assert backup.read_bytes() == OLD and backup.stat().st_uid == user.uid


def test_a_directory_the_user_cannot_write_is_refused(shared: Path) -> None:
    user = nobody()
    root_dir = shared / "conf"
    root_dir.mkdir(mode=0o755)
    path = root_dir / "broker.conf"
    path.write_bytes(OLD)
    owned(path, user, 0o644)
    assert "user nobody cannot create files in " + str(root_dir) in refused(user, path)


def test_a_second_hard_link_is_refused_not_split(shared: Path) -> None:
    user = nobody()
    conf = user_dir(shared, user)
    path = conf / "broker.conf"
    path.write_bytes(OLD)
    owned(path, user, 0o644)
    os.link(path, conf / "broker-copy.conf")
    message = refused(user, path)
    assert "has 2 hard links" in message and "the other 1 name(s) would silently keep the old content" in message
    assert f"find / -xdev -samefile {path}" in message


def test_an_attribute_the_user_cannot_set_is_refused_not_dropped(shared: Path) -> None:
    """A file capability (security.capability) only root may set: nobody's save would drop it."""
    user = nobody()
    path = user_dir(shared, user) / "runbroker.sh"
    path.write_bytes(OLD)
    owned(path, user, 0o755)
    # VFS_CAP_REVISION_2, permitted CAP_NET_BIND_SERVICE (bit 10)
    os.setxattr(path, "security.capability", struct.pack("<5I", 0x02000000, 1 << 10, 0, 0, 0))
    message = refused(user, path)
    assert "has extended attributes (security.capability) that user nobody cannot give the new file" in message
    assert "security.capability" in os.listxattr(path)


# ----------------------------------------------------------------------------- kept
def acl_access(*entries: tuple[int, int, int]) -> bytes:
    """A system.posix_acl_access value (version 2, entries of tag, perm, id) as setfacl writes it."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def test_owner_group_mode_acl_and_xattrs_are_kept(shared: Path) -> None:
    """nobody saves its own file whose group is one of its supplementary groups (`users`), with
    an ACL and a user attribute: all of them are on the new file and on the backup."""
    users = grp.getgrnam("users").gr_gid
    user = User("nobody", nobody().uid, nobody().gid, (nobody().gid, users))
    path = user_dir(shared, user) / "broker.conf"
    path.write_bytes(OLD)
    owned(path, user, 0o640, group=users)
    none = 0xFFFFFFFF
    acl = acl_access((1, 6, none), (2, 4, 0), (4, 4, none), (0x10, 4, none), (0x20, 0, none))  # user:root:r--
    os.setxattr(path, "system.posix_acl_access", acl)
    os.setxattr(path, "user.origin", b"rocketui-test")
    before = read_xattrs(str(path))
    mode_before = stat.S_IMODE(path.stat().st_mode)
    written = as_user(user, write, str(path), NEW)
    assert path.read_bytes() == NEW
    for p in (path, Path(written.backup)):
        st = p.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (user.uid, users, mode_before)
        assert read_xattrs(str(p)) == before
    assert Path(written.backup).read_bytes() == OLD


# ----------------------------------------------------------------------------- symlinks and backups
def save_three_times(link: str, now: float) -> list[tuple[str, str | None]]:
    """Three config edits in the same second through config_edit (as the CLI and the forms do)."""
    backend = LocalBackend()
    out = []
    for role in ("SYNC_MASTER", "ASYNC_MASTER", "SLAVE"):

        async def once(role: str = role) -> ce.Saved:
            loaded = await ce.load(backend, link)
            plan = ce.plan_properties(loaded, {"brokerRole": role, "brokerId": "1" if role == "SLAVE" else "0"})
            return await ce.save(backend, plan, now=now)

        saved = asyncio.run(once())
        out.append((saved.path, saved.backup))
    return out


@pytest.mark.parametrize("linked", [True, False], ids=["symlinked", "plain"])
def test_every_backup_is_kept_beside_the_file_written(shared: Path, linked: bool) -> None:
    user = nobody()
    real_dir = user_dir(shared, user, "real")
    conf = user_dir(shared, user, "conf")
    target = real_dir / "broker.conf"
    target.write_bytes(OLD)
    owned(target, user, 0o640)
    if linked:
        (conf / "broker.conf").symlink_to("../real/broker.conf")
    path = conf / "broker.conf" if linked else target
    versions = [target.read_bytes()]
    saves = as_user(user, save_three_times, str(path), 1795000000.0)
    stamp = ce.backup_suffix(1795000000.0)
    assert saves == [(str(target), f"{target}{stamp}{n}") for n in ("", ".2", ".3")]  # messages name the target
    backups = sorted(p for p in real_dir.iterdir() if ".bak." in p.name)
    assert [p.name for p in backups] == [f"broker.conf{stamp}{n}" for n in ("", ".2", ".3")]
    # each backup holds the version before its save: nothing was overwritten
    assert Path(saves[0][1] or "").read_bytes() == versions[0] == OLD
    assert b"brokerRole=SYNC_MASTER" in Path(saves[1][1] or "").read_bytes()
    assert b"brokerRole=ASYNC_MASTER" in Path(saves[2][1] or "").read_bytes()
    if linked:
        assert (conf / "broker.conf").is_symlink() and sorted(p.name for p in conf.iterdir()) == ["broker.conf"]
    assert [p.name for p in real_dir.iterdir() if ".tmp-" in p.name] == []


def test_many_concurrent_saves_in_one_second_keep_every_backup(shared: Path) -> None:
    """Twelve saves racing on one file with one backup name: twelve backups, none overwritten."""
    user = nobody()
    conf = user_dir(shared, user)
    path = conf / "broker.conf"
    path.write_bytes(b"v=start\n")
    owned(path, user, 0o644)

    def race() -> list[str | None]:
        barrier = threading.Barrier(12)
        results: list[str | None] = [None] * 12

        def one(i: int) -> None:
            barrier.wait()
            try:
                results[i] = write(str(path), b"v=%d\n" % i, ".bak.same").backup
            except Exception as exc:
                results[i] = repr(exc)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    backups = as_user(user, race)
    assert all(str(b).startswith(str(path)) for b in backups), backups
    assert len(set(backups)) == 12
    on_disk = sorted(p.name for p in conf.iterdir() if ".bak.same" in p.name)
    assert len(on_disk) == 12
    versions = {b"v=start\n", *(b"v=%d\n" % i for i in range(12))}
    # each backup is a whole version (racing saves without `expect` may back up the same one)
    assert all((conf / n).read_bytes() in versions for n in on_disk)
    assert path.read_bytes() in versions and [p.name for p in conf.iterdir() if ".tmp-" in p.name] == []


def test_refused_through_config_edit_is_a_save_refused(shared: Path) -> None:
    user = nobody()
    path = user_dir(shared, user) / "broker.conf"
    path.write_bytes(OLD)
    owned(path, user, 0o444)

    def attempt() -> str:
        backend = LocalBackend()

        async def go() -> str:
            plan = ce.plan_properties(await ce.load(backend, str(path)), {"brokerRole": "SYNC_MASTER"})
            try:
                await ce.save(backend, plan)
            except ce.SaveRefused as exc:
                return str(exc)
            return "saved"

        return asyncio.run(go())

    assert as_user(user, attempt) == (
        f"host 'local': {path} is not writable by user nobody (mode 0444, owner nobody:nogroup); nothing was written"
    )
    assert path.read_bytes() == OLD
