"""Pack a RocketMQ distribution installed here for another host: a tar.gz of bin/ conf/ lib/ and
rocketui's install marker, with the archive's sha256 (checked on the host after the upload).

Entries carry no owner (uid/gid 0, no names), so unpacking as any user gives files of that user;
modes are kept (the scripts stay executable).  Jars are already compressed: gzip level 1.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from rocketui.rocketmq.install import MARKER, InstallError, is_installed

PACKED = ("bin", "conf", "lib", MARKER)


@dataclass(frozen=True)
class Archive:
    path: str
    sha256: str
    size: int
    marker: bytes  # the source's .rocketui-install.json, as it will be on the host
    version: str


def read_marker(home: str) -> tuple[bytes, str]:
    """The install marker's bytes and version of a distribution installed by rocketui."""
    root = Path(home).expanduser()
    if not is_installed(str(root)):
        raise InstallError(
            f"no RocketMQ distribution installed by rocketui at {root} (bin/mqnamesrv, "
            f"bin/mqbroker, lib/ and {MARKER} needed); install one here first: "
            f"rocketui install --home {root}"
        )
    data = (root / MARKER).read_bytes()
    return data, str(json.loads(data)["version"])


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def pack(home: str, dest: str) -> Archive:
    """Write the archive of the distribution at `home` to the file `dest`."""
    root = Path(home).expanduser()
    marker, version = read_marker(str(root))
    with tarfile.open(dest, "w:gz", compresslevel=1) as tar:
        for name in PACKED:
            tar.add(root / name, arcname=name, filter=_anonymous)
    digest = hashlib.sha256()
    with open(dest, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return Archive(dest, digest.hexdigest(), Path(dest).stat().st_size, marker, version)
