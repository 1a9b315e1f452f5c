"""The distribution a node runs, probed through a real LocalBackend on a small home built from
real files (the 4.9.7 broker jar's manifest, the file names of the 4.x / 5.x conf/)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from rocketui.backends.base import ProcessInfo
from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import Cluster
from rocketui.model.loader import parse_cluster
from rocketui.services.distribution import Distributions

DIST = Path(__file__).parent.parent / "data" / "dist"


def make_home(root: Path, version: str, conf: str, *, marker: bool) -> Path:
    (root / "lib").mkdir(parents=True)
    (root / "conf").mkdir()
    (root / "bin").mkdir()
    with zipfile.ZipFile(root / "lib" / f"rocketmq-broker-{version}.jar", "w") as zf:
        zf.writestr("META-INF/MANIFEST.MF", (DIST / version / "broker-MANIFEST.MF").read_text())
    (root / "conf" / conf).write_text("<configuration/>")
    (root / "bin" / "mqbroker").write_text("#!/bin/sh\n")
    if marker:
        digest = hashlib.sha256(b"#!/bin/sh\n").hexdigest()
        (root / ".rocketui-install.json").write_text(
            json.dumps({"version": version, "source": "maven-central", "scripts_sha256": {"mqbroker": digest}})
        )
    return root


def local_cluster(tmp_path: Path, home: Path, topology: str) -> Cluster:
    """A cluster on this machine whose configured home is `home`."""
    text = f"""\
cluster: C
rocketmq: {{home: {home}, version: "5.5.0"}}
work_dir: {tmp_path / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
topology: {{{topology}}}
"""
    return parse_cluster(text, str(tmp_path / "c.yaml"))


async def test_configured_home_then_the_running_jvms_home(tmp_path: Path) -> None:
    configured = make_home(tmp_path / "a", "5.5.0", "rmq.broker.logback.xml", marker=True)
    other = make_home(tmp_path / "b", "4.9.7", "logback_broker.xml", marker=False)
    cluster = local_cluster(tmp_path, configured, "masters: 1, namesrvs: 1")
    pool = BackendPool(cluster)
    dists = Distributions(cluster, pool)
    try:
        broker = cluster.brokers[0]
        stopped = await dists.of_node(broker)
        assert (stopped.version, stopped.logging, stopped.by_rocketui, stopped.own_scripts) == (
            "5.5.0",
            "5.x",
            True,
            True,
        )
        assert stopped.manifest_checked
        jvm = ProcessInfo(1, 1, 1, 1, 0.0, ("java", "-cp", f".:{other}/bin/../conf:{other}/bin/../lib/*", "Main"))
        running = await dists.of_node(broker, jvm)
        assert (running.version, running.logging, running.by_rocketui) == ("4.9.7", "4.x", False)
        (configured / "bin" / "mqbroker").write_text("#!/bin/sh\n# edited\n")
        assert (await dists.of_node(broker)).own_scripts, "cached for a minute"
        dists.forget()
        assert not (await dists.of_node(broker)).own_scripts
    finally:
        await pool.close_all()


async def test_the_nodes_of_a_host_asking_at_once_share_one_probe(tmp_path: Path) -> None:
    import asyncio

    home = make_home(tmp_path / "a", "5.5.0", "rmq.broker.logback.xml", marker=True)
    cluster = local_cluster(tmp_path, home, "masters: 2, slaves_per_master: 1, namesrvs: 1")
    pool = BackendPool(cluster)
    backend = pool.get("local")
    listed: list[str] = []
    listdir = backend.listdir

    async def counted(path: str) -> list[str]:
        listed.append(path)
        return await listdir(path)

    backend.listdir = counted  # type: ignore[method-assign]
    dists = Distributions(cluster, pool)
    try:
        found = await asyncio.gather(*(dists.of_node(n) for n in cluster.nodes))  # as a status poll asks
        assert {d.version for d in found} == {"5.5.0"} and len(found) == 5
        assert sorted(listed) == [f"{home}/conf", f"{home}/lib"]  # one probe: lib and conf listed once
    finally:
        await pool.close_all()
