"""`rocketui install --host`: a distribution copied onto an SSH host (real sshd, no JVM).

The source is a small fake distribution with rocketui's marker; the host's home is a path with a
space and a quote, so every remote command's quoting is exercised.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import Cluster
from rocketui.model.loader import load_cluster
from rocketui.rocketmq import dist_archive
from rocketui.rocketmq.install import MARKER, InstallError
from rocketui.services import remote_install
from rocketui.services.nodes import NodeError, NodeService
from rocketui.services.remote_install import Provisioned
from rocketui.services.remote_install import install_on_hosts as install_with_pool
from tests.support.sshd import CLOSED, SSHFarm, SSHServer, ssh_client_keys, sshd_farm  # noqa: F401 (fixtures)


async def install_on_hosts(cluster: Cluster, hosts: list[str], source: str, **kw: Any) -> list[Provisioned]:
    pool = BackendPool(cluster)
    try:
        return await install_with_pool(cluster, pool, hosts, source, **kw)
    finally:
        await pool.close_all()


pytestmark = pytest.mark.ssh


def fake_distribution(root: Path, stamp: str = "1") -> Path:
    (root / "bin").mkdir(parents=True)
    (root / "conf").mkdir()
    (root / "lib").mkdir()
    for script in ("mqnamesrv", "mqbroker", "runbroker.sh"):
        (root / "bin" / script).write_text(f"#!/bin/sh\necho {script} {stamp}\n")
        (root / "bin" / script).chmod(0o755)
    (root / "conf" / "broker.conf").write_text("brokerName=broker-a\n")
    (root / "lib" / "rocketmq-broker-5.5.0.jar").write_bytes(os.urandom(300_000))  # incompressible
    (root / MARKER).write_text(json.dumps({"version": "5.5.0", "source": "test", "stamp": stamp}))
    return root


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mode & 0o777)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def write_cluster(
    tmp: Path, server: SSHServer, home: Path, *, address: str | None = None, port: int | None = None
) -> Path:
    known = server.known_hosts_file(tmp / "known_hosts")
    path = tmp / "cluster.yaml"
    path.write_text(f"""\
cluster: Remote
rocketmq: {{home: /nowhere/rocketmq, version: "5.5.0"}}
work_dir: {tmp}/work
hosts:
  mq1: {{backend: ssh, address: {address or server.address}, port: {port or server.port}, user: {getpass.getuser()},
        identity_file: {server.keys.key}, known_hosts: {known}, connect_timeout: 3,
        rocketmq_home: "{home}"}}
  here: {{backend: local, address: 127.0.0.1}}
nodes:
  - {{name: ns, kind: namesrv, host: mq1, port: 9876}}
""")
    return path


@pytest.fixture
def setup(sshd_farm: SSHFarm, tmp_path: Path) -> tuple[Cluster, Path, Path, SSHServer]:
    server = sshd_farm.start(1)[0]
    source = fake_distribution(tmp_path / "src" / "rocketmq-5.5.0")
    home = tmp_path / "remote-hosts" / "mq1" / "rocketmq-5.5.0"  # odd names are refused at load
    return load_cluster(str(write_cluster(tmp_path, server, home))), source, home, server


async def test_install_uploads_verifies_unpacks_and_is_idempotent(setup) -> None:
    cluster, source, home, server = setup
    log: list[str] = []
    [first] = await install_on_hosts(cluster, ["mq1"], str(source), log=log.append)
    assert not first.already and first.home == str(home) and first.version == "5.5.0"
    assert tree(home) == tree(source)  # contents and modes (scripts stay executable)
    assert home.stat().st_mode & 0o777 == 0o755
    assert sorted(os.listdir(home.parent)) == ["rocketmq-5.5.0"]  # no upload or temp dir left
    assert any("sha256 verified on the host" in line for line in log)
    inode = home.stat().st_ino

    log.clear()
    [again] = await install_on_hosts(cluster, ["mq1"], str(source), log=log.append)
    assert again.already and home.stat().st_ino == inode
    assert log == [f"mq1: RocketMQ 5.5.0 is already installed at {home} (same install marker); nothing to do"]


async def test_a_new_local_install_replaces_the_old_one_atomically(setup, tmp_path: Path) -> None:
    cluster, source, home, server = setup
    await install_on_hosts(cluster, ["mq1"], str(source), log=lambda m: None)
    (home / "lib" / "stale.jar").write_bytes(b"old")  # gone after the reinstall: the home is replaced
    newer = fake_distribution(tmp_path / "src2" / "rocketmq-5.5.0", stamp="2")
    [result] = await install_on_hosts(cluster, ["mq1"], str(newer), log=lambda m: None)
    assert not result.already and tree(home) == tree(newer)
    assert sorted(os.listdir(home.parent)) == ["rocketmq-5.5.0"]


async def test_a_foreign_home_is_refused_unless_forced(setup) -> None:
    cluster, source, home, server = setup
    home.mkdir(parents=True)
    (home / "mine.txt").write_text("an operator's own install")
    with pytest.raises(InstallError, match=r"exists and was not installed by rocketui \(1 entries"):
        await install_on_hosts(cluster, ["mq1"], str(source), log=lambda m: None)
    assert (home / "mine.txt").exists()
    await install_on_hosts(cluster, ["mq1"], str(source), force=True, log=lambda m: None)
    assert tree(home) == tree(source)


async def test_a_checksum_mismatch_installs_nothing(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster, source, home, server = setup
    real_pack = dist_archive.pack

    def corrupt(src: str, dest: str) -> dist_archive.Archive:
        archive = real_pack(src, dest)
        return dist_archive.Archive(archive.path, "0" * 64, archive.size, archive.marker, archive.version)

    monkeypatch.setattr(remote_install, "pack", corrupt)
    with pytest.raises(
        InstallError,
        match=r"mq1: checksum of the uploaded archive does not match \(expected 0{64}, "
        r"the host computed [0-9a-f]{64}\); nothing was installed",
    ):
        await install_on_hosts(cluster, ["mq1"], str(source), log=lambda m: None)
    assert not home.exists() and os.listdir(home.parent) == []


async def test_clear_errors(setup, tmp_path: Path) -> None:
    cluster, source, home, server = setup
    with pytest.raises(InstallError, match=r"no RocketMQ distribution installed by rocketui at .*missing"):
        await install_on_hosts(cluster, ["mq1"], str(tmp_path / "missing"))
    with pytest.raises(InstallError, match=r"no host 'mq9' in .*\(hosts: mq1, here\)"):
        await install_on_hosts(cluster, ["mq9"], str(source))
    with pytest.raises(InstallError, match=r"host 'here' is this machine"):
        await install_on_hosts(cluster, ["here"], str(source))
    down = load_cluster(str(write_cluster(tmp_path, server, home, address=CLOSED[0], port=CLOSED[1])))
    with pytest.raises(InstallError, match=rf"^mq1 \(127\.0\.0\.9:{CLOSED[1]}\): cannot connect: connection refused$"):
        await install_on_hosts(down, ["mq1"], str(source), log=lambda m: None)


async def test_starting_a_node_before_the_install_names_the_command(setup) -> None:
    cluster, source, home, server = setup
    service = NodeService(cluster, BackendPool(cluster))
    try:
        with pytest.raises(
            NodeError, match=rf"run: rocketui install --cluster {re.escape(cluster.source)} --host mq1$"
        ):
            await service.start(cluster.node("ns"))
    finally:
        await service.close()


def test_cli_install_on_a_host(setup, tmp_path: Path) -> None:
    cluster, source, home, server = setup

    def rocketui(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rocketui", "install", *args], capture_output=True, text=True, timeout=120
        )

    done = rocketui("--cluster", cluster.source, "--host", "mq1", "--source", str(source))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"mq1: RocketMQ 5.5.0 installed at {home} (")
    again = rocketui("--cluster", cluster.source, "--host", "mq1", "--source", str(source))
    assert again.returncode == 0 and "already installed" in again.stdout
    usage = rocketui("--host", "mq1")
    assert usage.returncode == 2 and "--host needs --cluster FILE" in usage.stderr
    wrong = rocketui("--cluster", cluster.source, "--host", "mq1", "--source", str(tmp_path))
    assert wrong.returncode == 1 and "no RocketMQ distribution installed by rocketui" in wrong.stderr
