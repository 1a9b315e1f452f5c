"""The remote check a save runs (ssh_scripts.file_facts_script, identity): run here with sh on real
files, with getfattr and, with a PATH that lacks it, with the ls fallback."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from rocketui.backends import ssh_scripts as scripts


def run(script: str, path_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"PATH": path_env} if path_env else {})}
    return subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, env=env)


@pytest.fixture
def no_getfattr(tmp_path: Path) -> str:
    """A PATH with what the script needs but getfattr."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("stat", "ls", "id"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def acl(path: Path) -> None:
    """user::rw- user:root:r-- group::r-- mask::r-- other::r-- (as setfacl would store it)."""
    none = 0xFFFFFFFF
    entries = [(1, 6, none), (2, 4, 0), (4, 4, none), (0x10, 4, none), (0x20, 4, none)]
    os.setxattr(
        path, "system.posix_acl_access", struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)
    )


def test_a_plain_file(tmp_path: Path, no_getfattr: str) -> None:
    path = tmp_path / "broker.conf"
    path.write_text("x")
    path.chmod(0o640)
    for path_env in (None, no_getfattr):
        done = run(scripts.file_facts_script(str(path)), path_env)
        facts = scripts.parse_file_facts(done.stdout)
        assert (facts.nlink, facts.uid, facts.gid, facts.mode) == (1, os.getuid(), os.getgid(), 0o100640)
        assert facts.writable and not facts.has_attributes()
        assert facts.tool == ("ls" if path_env else ("getfattr" if shutil.which("getfattr") else "ls"))
    os.link(path, tmp_path / "second")
    assert scripts.parse_file_facts(run(scripts.file_facts_script(str(path))).stdout).nlink == 2
    assert run(scripts.file_facts_script(str(tmp_path / "missing"))).returncode == scripts.FILE_MISSING


def test_acl_and_attributes_seen_both_ways(tmp_path: Path, no_getfattr: str) -> None:
    path = tmp_path / "broker.conf"
    path.write_text("x")
    acl(path)
    os.setxattr(path, "user.origin", b"test")
    by_ls = scripts.parse_file_facts(run(scripts.file_facts_script(str(path)), no_getfattr).stdout)
    assert by_ls.tool == "ls" and by_ls.has_attributes() and by_ls.describe_attributes() == "an ACL"
    if shutil.which("getfattr"):
        full = scripts.parse_file_facts(run(scripts.file_facts_script(str(path))).stdout)
        assert full.tool == "getfattr" and full.describe_attributes() == "system.posix_acl_access, user.origin"
        assert dict(full.attributes)["user.origin"] == "0x74657374"


def test_parse_the_outputs_seen_on_a_host() -> None:
    """Output captured from this script on Debian 12 (coreutils 9.1, attr 2.5.1), 2026-11-30."""
    getfattr = (
        "rocketui-file 1 0 0 81a4 root:root w\nattributes getfattr\n# file: /tmp/xa\n"
        "system.posix_acl_access=0x0200000001000600ffffffff02000400feff000004000400ffffffff10000400ffffffff"
        "20000400ffffffff\nuser.t=0x31\n\n"
    )
    facts = scripts.parse_file_facts(getfattr)
    assert facts.owner == "root:root" and [n for n, _ in facts.attributes] == ["system.posix_acl_access", "user.t"]
    ls = scripts.parse_file_facts("rocketui-file 1 0 0 81a4 root:root w\nattributes ls -rw-r--r--+ ?\n")
    assert ls.attributes == (("acl", "+"), ("context", "?")) and ls.describe_attributes() == "an ACL"
    selinux = scripts.parse_file_facts(
        "rocketui-file 1 0 0 81a4 root:root - \nattributes ls -rw-r--r--. system_u:object_r:etc_t:s0\n"
    )
    assert not selinux.writable and selinux.describe_attributes() == "SELinux context system_u:object_r:etc_t:s0"
    with pytest.raises(scripts.ScriptOutputError):
        scripts.parse_file_facts("stat: cannot statx\n")


def test_identity() -> None:
    user = scripts.parse_identity(run(scripts.IDENTITY_SCRIPT).stdout)
    assert user.uid == os.getuid() and os.getgid() in user.gids


def test_the_host_clock_is_asked_once_per_boot() -> None:
    """The listing script on this machine's own /proc: a known clock is used while the boot_id
    is the same; another boot's clock is ignored and the host asked again."""
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    btime = next(
        int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
    )

    def listing(clock: scripts.HostClock | None) -> bytes:
        return subprocess.run(["/bin/sh", "-c", scripts.processes_script("sh", clock)], capture_output=True).stdout

    fresh = scripts.parse_clock(listing(None))
    assert fresh == scripts.HostClock(os.sysconf("SC_CLK_TCK"), float(btime), boot)
    # values no host has, to see which were printed
    assert scripts.parse_clock(listing(scripts.HostClock(77, 5.0, boot))) == scripts.HostClock(77, 5.0, boot)
    assert scripts.parse_clock(listing(scripts.HostClock(77, 5.0, "another-boot"))) == fresh
    # and the processes are listed either way (the script's own /bin/sh among them)
    assert all(p.argv[0].endswith("sh") for p in scripts.parse_processes(listing(fresh), "sh"))
    assert scripts.parse_processes(listing(fresh), "sh")


def test_a_listing_without_a_boot_id_still_parses() -> None:
    """A host whose /proc has no boot_id (old kernels, some containers) prints an empty field."""
    out = b"rocketui-procs 100 1732950000 \n"
    assert scripts.parse_processes(out, "java") == [] and scripts.parse_clock(out) is None
    with pytest.raises(scripts.ScriptOutputError):
        scripts.parse_processes(b"rocketui-procs x y\n", "java")
