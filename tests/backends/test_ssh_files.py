"""SSH saves as an unprivileged login user against a real sshd (tests/support/sshd.py): the same
refusals as locally (file not writable by that user, owner or group that could not be kept,
hard links, ACLs and extended attributes SFTP cannot carry), nothing written when refused; owner,
group and mode kept; symlinked files written at the target with every backup beside it.

The login user is a dedicated one (tests/support/unprivileged.login_user), created for the
module and removed after it if this run created it."""

from __future__ import annotations

import asyncio
import grp
import os
import shutil
import stat
import struct
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from rocketui.backends.base import WriteRefused
from rocketui.backends.ssh import SSHBackend
from rocketui.model.cluster import BackendKind, Host, Pos
from tests.support.sshd import SSHFarm, SSHServer, ssh_client_keys, sshd_farm  # noqa: F401 (fixtures)
from tests.support.unprivileged import User, login_user, owned, require_root, shared_dir, sshd_for

pytestmark = pytest.mark.ssh

OLD = b"brokerClusterName=C\nbrokerName=broker-a\nbrokerId=0\nbrokerRole=ASYNC_MASTER\n"
NEW = OLD.replace(b"ASYNC_MASTER", b"SYNC_MASTER")


@pytest.fixture(scope="module")
def login() -> Iterator[tuple[User, SSHServer, Path]]:
    require_root()
    with shared_dir("rocketui-sshsave-") as shared, login_user(shared) as user, sshd_for(user, shared) as server:
        yield user, server, shared


def host_for(server: SSHServer, user: str | None = None) -> Host:
    return Host(
        "h1",
        BackendKind.SSH,
        server.address,
        Pos("test.yaml", 1),
        port=server.port,
        user=user,
        identity_file=str(server.keys.key),
        known_hosts=str(server.known_hosts_file()),
        connect_timeout=5.0,
    )


@pytest.fixture
async def as_login(login: tuple[User, SSHServer, Path]) -> AsyncIterator[tuple[SSHBackend, User, Path]]:
    """A backend logged in as the test user, and a fresh directory that user owns."""
    user, server, shared = login
    work = shared / f"work-{os.urandom(4).hex()}"
    work.mkdir()
    owned(work, user, 0o755)
    backend = SSHBackend(host_for(server, user.name))
    try:
        yield backend, user, work
    finally:
        await backend.close()
        shutil.rmtree(work, ignore_errors=True)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int, int, int, int]]:
    out = {}
    for p in sorted(directory.iterdir()):
        st = p.lstat()
        out[p.name] = (p.read_bytes() if p.is_file() else b"", st.st_mode, st.st_uid, st.st_gid, st.st_ino)
    return out


async def refused(backend: SSHBackend, path: Path) -> str:
    before = snapshot(path.parent)
    with pytest.raises(WriteRefused) as failed:
        await backend.write_file(str(path), NEW, backup_suffix=".bak.20261125-135348")
    assert snapshot(path.parent) == before  # same bytes, owner, mode, inode; no temp, no backup
    message = str(failed.value)
    assert message.startswith(f"host 'h1': {path} ") and message.endswith("; nothing was written")
    assert "\n" not in message
    return message


def acl_access(*entries: tuple[int, int, int]) -> bytes:
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


NONE = 0xFFFFFFFF


@pytest.mark.parametrize(
    "case",
    ["read-only", "root-owned", "root-owned-world-writable", "foreign-group", "hard-link", "acl", "user-xattr"],
)
async def test_refused_over_sftp_with_nothing_written(as_login: tuple[SSHBackend, User, Path], case: str) -> None:
    backend, user, work = as_login
    path = work / "broker.conf"
    path.write_bytes(OLD)
    owned(path, user, 0o644)
    expected = {
        "read-only": f"is not writable by user {user.name} (mode 0444, owner {user.name}:{user.name})",
        "root-owned": f"is not writable by user {user.name} (mode 0644, owner root:root)",
        "root-owned-world-writable": f"belongs to root, not to user {user.name}",
        "foreign-group": f"has group root, which user {user.name} is not in",
        "hard-link": "has 2 hard links: a save writes a new file and renames it over this name",
        "acl": "has system.posix_acl_access, which SFTP cannot carry to the new file",
        "user-xattr": "has user.origin, which SFTP cannot carry to the new file",
    }[case]
    if case == "read-only":
        path.chmod(0o444)
    elif case.startswith("root-owned"):
        os.chown(path, 0, 0)
        path.chmod(0o666 if case.endswith("writable") else 0o644)
    elif case == "foreign-group":
        os.chown(path, user.uid, 0)
        path.chmod(0o664)
    elif case == "hard-link":
        os.link(path, work / "other-name.conf")
    elif case == "acl":
        os.setxattr(
            path,
            "system.posix_acl_access",
            acl_access((1, 6, NONE), (2, 4, 0), (4, 4, NONE), (0x10, 4, NONE), (0x20, 4, NONE)),
        )
        if not shutil.which("getfattr"):
            expected = "has an ACL, which SFTP cannot carry to the new file"
    else:
        if not shutil.which("getfattr"):
            pytest.skip("user.* attributes are seen only with getfattr on the host (apt-get install attr)")
        os.setxattr(path, "user.origin", b"rocketui-test")
    assert expected in await refused(backend, path)


async def test_owner_group_and_mode_are_kept(as_login: tuple[SSHBackend, User, Path]) -> None:
    backend, user, work = as_login
    path = work / "broker.conf"
    path.write_bytes(OLD)
    owned(path, user, 0o640)
    written = await backend.write_file(str(path), NEW, backup_suffix=".bak.x")
    assert path.read_bytes() == NEW and Path(written.backup or "").read_bytes() == OLD
    for p in (path, Path(written.backup or "")):
        st = p.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (user.uid, user.gid, 0o640)


async def test_root_keeps_another_users_ownership(sshd_farm: SSHFarm, login: tuple[User, SSHServer, Path]) -> None:
    user, _, shared = login
    server = sshd_farm.start(1)[0]
    work = shared / f"root-{os.urandom(4).hex()}"
    work.mkdir()
    path = work / "runbroker.sh"
    path.write_bytes(b"#!/bin/sh\n")
    users = grp.getgrnam("users").gr_gid
    owned(path, user, 0o750, group=users)
    backend = SSHBackend(host_for(server))  # as root, like the other SSH tests
    try:
        written = await backend.write_file(str(path), b"#!/bin/sh\n# edited\n", backup_suffix=".bak")
    finally:
        await backend.close()
    for p in (path, Path(written.backup or "")):
        st = p.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (user.uid, users, 0o750)


@pytest.mark.parametrize("linked", [True, False], ids=["symlinked", "plain"])
async def test_many_saves_in_one_second_keep_every_backup_beside_the_target(
    as_login: tuple[SSHBackend, User, Path], linked: bool
) -> None:
    backend, user, work = as_login
    real, conf = work / "real", work / "conf"
    for d in (real, conf):
        d.mkdir()
        owned(d, user, 0o755)
    target = real / "broker.conf"
    target.write_bytes(b"v=0\n")
    owned(target, user, 0o640)
    if linked:
        (conf / "broker.conf").symlink_to("../real/broker.conf")
    path = conf / "broker.conf" if linked else target
    suffix = ".bak.20261125-135348"
    results = [await backend.write_file(str(path), b"v=%d\n" % i, backup_suffix=suffix) for i in range(1, 7)]
    assert [r.path for r in results] == [str(target)] * 6
    assert [r.backup for r in results] == [f"{target}{suffix}{n}" for n in ("", ".2", ".3", ".4", ".5", ".6")]
    assert [Path(r.backup or "").read_bytes() for r in results] == [b"v=%d\n" % i for i in range(6)]
    # and racing saves on the one connection: one backup each, none overwritten
    racing = await asyncio.gather(
        *(backend.write_file(str(path), b"r=%d\n" % i, backup_suffix=".bak.race") for i in range(6))
    )
    assert len({r.backup for r in racing}) == 6
    assert sorted(p.name for p in real.iterdir() if ".bak.race" in p.name) == sorted(
        Path(r.backup or "").name for r in racing
    )
    assert [p.name for p in real.iterdir() if ".tmp-" in p.name] == []
    if linked:
        assert (conf / "broker.conf").is_symlink() and [p.name for p in conf.iterdir()] == ["broker.conf"]


async def test_the_login_users_ids_are_asked_once_per_connection(as_login: tuple[SSHBackend, User, Path]) -> None:
    backend, user, _ = as_login
    first = await backend.remote_user()
    assert (first.uid, first.name, first.gids) == (user.uid, user.name, frozenset(user.groups))
    assert await backend.remote_user() is first
