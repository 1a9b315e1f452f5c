"""Provision the RocketMQ distribution onto an SSH host (`rocketui install --host NAME`).

The distribution installed on this machine is packed once (dist_archive), uploaded over SFTP
next to the host's RocketMQ home under a temporary name, its sha256 checked on the host, and
unpacked into a temporary directory that is then renamed into place, so the home is never half
filled; a home installed earlier is renamed away first and removed after.  The install marker
makes it idempotent: a host whose marker equals ours (and whose launch scripts are there) is left
alone.  A home that exists but was not installed by rocketui is refused unless forced.
"""

from __future__ import annotations

import asyncio
import posixpath
import secrets
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rocketui.backends.base import Backend, BackendError, Command, HostPool
from rocketui.model.cluster import BackendKind, Cluster
from rocketui.rocketmq.dist_archive import Archive, pack, read_marker
from rocketui.rocketmq.install import MARKER, InstallError

Log = Callable[[str], None]

# $1 archive, $2 home.  Unpacked beside the home (same filesystem: the renames are atomic);
# the temporary directory and the archive are removed whatever happens.
UNPACK_SCRIPT = """\
set -e
archive=$1 home=$2
parent=$(dirname -- "$home") name=$(basename -- "$home")
tmp=$(mktemp -d "$parent/.$name.tmp-XXXXXX")
trap 'rm -rf -- "$tmp" "$archive"' EXIT
tar --no-same-owner -xzf "$archive" -C "$tmp"
chmod 755 "$tmp"
if [ -e "$home" ] || [ -L "$home" ]; then
  old="$parent/.$name.old-$$"
  mv -- "$home" "$old"
  mv -- "$tmp" "$home" || { mv -- "$old" "$home"; exit 1; }
  rm -rf -- "$old"
else
  mv -- "$tmp" "$home"
fi
"""


@dataclass(frozen=True)
class Provisioned:
    host: str
    home: str
    version: str
    already: bool
    seconds: float


def _size(n: int) -> str:
    from rocketui.text import human_bytes

    return human_bytes(n)


class RemoteInstaller:
    """Installs one local distribution onto hosts of a cluster (packed once for all of them)."""

    def __init__(self, cluster: Cluster, pool: HostPool, source: str, *, force: bool = False, log: Log = print) -> None:
        self.cluster = cluster
        self.pool = pool
        self.source = source
        self.force = force
        self.log = log
        self.marker, self.version = read_marker(source)
        self._archive: Archive | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None

    async def _packed(self) -> Archive:
        if self._archive is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="rocketui-pack-")
            self.log(f"packing {self.source} (bin/ conf/ lib/ and {MARKER}) ...")
            dest = posixpath.join(self._workdir.name, f"rocketmq-{self.version}.tar.gz")
            self._archive = await asyncio.to_thread(pack, self.source, dest)
            self.log(f"packed {_size(self._archive.size)}, sha256 {self._archive.sha256}")
        return self._archive

    async def install(self, host_name: str) -> Provisioned:
        t0 = time.monotonic()
        try:
            host = self.cluster.host(host_name)
        except KeyError:
            names = ", ".join(h.name for h in self.cluster.hosts)
            raise InstallError(f"no host '{host_name}' in {self.cluster.source} (hosts: {names})") from None
        if host.backend is not BackendKind.SSH:
            raise InstallError(
                f"host '{host_name}' is this machine (backend: local); install with: "
                f"rocketui install --cluster {self.cluster.source}"
            )
        if self.version != self.cluster.rocketmq.version:
            raise InstallError(
                f"{self.source} holds RocketMQ {self.version}, but {self.cluster.source} says "
                f"version {self.cluster.rocketmq.version}; pass --source with a {self.cluster.rocketmq.version} "
                "distribution"
            )
        backend = self.pool.get(host_name)
        try:
            home = await backend.expand_path(self.cluster.rocketmq_home(host))
            current = await _read(backend, home)  # the install marker, read once
            if not self.force and await self._same_install(backend, home, current):
                self.log(
                    f"{host_name}: RocketMQ {self.version} is already installed at {home} (same install "
                    "marker); nothing to do"
                )
                return Provisioned(host_name, home, self.version, True, time.monotonic() - t0)
            await self._refuse_foreign(backend, host_name, home, current)
            archive = await self._packed()
            parent = posixpath.dirname(home)
            await backend.makedirs(parent)
            upload = posixpath.join(parent, f".{posixpath.basename(home)}.upload-{secrets.token_hex(4)}.tar.gz")
            self.log(f"{host_name}: uploading {_size(archive.size)} to {upload} ...")
            await backend.upload(archive.path, upload, progress=self._progress(host_name))
            await self._verify(backend, host_name, upload, archive.sha256)
            result = await backend.run(
                Command.of(["sh", "-c", UNPACK_SCRIPT, "rocketui-install", upload, home]), timeout=600
            )
            if not result.ok:
                raise InstallError(
                    f"{host_name}: unpacking into {home} failed (exit {result.exit_status}): "
                    f"{result.stderr.strip() or result.stdout.strip()}"
                )
            if await _read(backend, home) != self.marker:
                raise InstallError(f"{host_name}: {home}/{MARKER} is not the uploaded one after unpacking")
        except BackendError as exc:  # its message already names the host
            raise InstallError(str(exc)) from None
        self.log(f"{host_name}: RocketMQ {self.version} installed at {home} ({time.monotonic() - t0:.1f} s)")
        return Provisioned(host_name, home, self.version, False, time.monotonic() - t0)

    def _progress(self, host_name: str) -> Callable[[int, int], None]:
        """Logs the upload at each quarter (a WAN upload of ~90 MiB takes minutes)."""
        shown = [0]

        def progress(done: int, total: int) -> None:
            quarter = done * 4 // max(total, 1)
            if 0 < quarter < 4 and quarter > shown[0]:
                shown[0] = quarter
                self.log(f"{host_name}: uploaded {quarter * 25}% ({_size(done)})")

        return progress

    async def _same_install(self, backend: Backend, home: str, current: bytes | None) -> bool:
        if current != self.marker:
            return False
        scripts = [await backend.stat(posixpath.join(home, "bin", s)) for s in ("mqnamesrv", "mqbroker")]
        return all(scripts) and bool(await backend.listdir(posixpath.join(home, "lib")))

    async def _refuse_foreign(self, backend: Backend, host_name: str, home: str, current: bytes | None) -> None:
        if self.force or current is not None:
            return
        entries = await backend.listdir(home)
        if entries:
            raise InstallError(
                f"{host_name}: {home} exists and was not installed by rocketui ({len(entries)} "
                f"entries, no {MARKER}); refusing to replace it (use --force, or set "
                "rocketmq_home of the host to another directory)"
            )

    async def _verify(self, backend: Backend, host_name: str, upload: str, want: str) -> None:
        result = await backend.run(Command.of(["sha256sum", "--", upload]), timeout=300)
        got = result.stdout.split()[0] if result.ok and result.stdout.split() else ""
        if got != want:
            await backend.run(Command.of(["rm", "-f", "--", upload]))
            detail = f"the host computed {got}" if got else f"sha256sum failed: {result.stderr.strip()}"
            raise InstallError(
                f"{host_name}: checksum of the uploaded archive does not match (expected {want}, "
                f"{detail}); nothing was installed"
            )
        self.log(f"{host_name}: sha256 verified on the host")


async def _read(backend: Backend, home: str) -> bytes | None:
    try:
        return await backend.read_file(posixpath.join(home, MARKER))
    except FileNotFoundError:
        return None


async def install_on_hosts(
    cluster: Cluster, pool: HostPool, hosts: Sequence[str], source: str, *, force: bool = False, log: Log = print
) -> list[Provisioned]:
    installer = RemoteInstaller(cluster, pool, source, force=force, log=log)
    try:
        return [await installer.install(h) for h in hosts]
    finally:
        installer.close()
