"""One namesrv and two masters (broker-a, broker-b) of one cluster on loopback, launched with
`java -cp` (small heaps, everything under one temp dir), plus a cluster file describing them.
Always pair `start(root)` with `stop(root)` (a `finally`), or use `running` in a module fixture."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rocketmq.remoting import jvms as base
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home

CLUSTER = "AdminCluster"
NAMES = ("broker-a", "broker-b")


@dataclass(frozen=True)
class TwoBrokers:
    root: Path
    home: Path
    namesrv: str
    brokers: dict[str, str]  # broker name -> address
    cluster_file: Path
    cluster: str = CLUSTER

    def mqadmin(self) -> Path:
        return self.home / "bin" / "mqadmin"


def _properties(root: Path, name: str, port: int, ns_port: int, extra: dict[str, str]) -> Path:
    config = {
        "brokerClusterName": CLUSTER,
        "brokerName": name,
        "brokerId": "0",
        "brokerRole": "ASYNC_MASTER",
        "flushDiskType": "ASYNC_FLUSH",
        "listenPort": str(port),
        "brokerIP1": "127.0.0.1",
        "brokerIP2": "127.0.0.1",
        "bindAddress": "127.0.0.1",
        "namesrvAddr": f"127.0.0.1:{ns_port}",
        "storePathRootDir": str(root / name / "store"),
        "storePathCommitLog": str(root / name / "store" / "commitlog"),
        "mappedFileSizeCommitLog": "67108864",
        "autoCreateTopicEnable": "false",
        "autoCreateSubscriptionGroup": "true",
        "waitTimeMillsInSendQueue": "1000",
        **extra,
    }
    path = root / f"{name}.properties"
    path.write_text("".join(f"{k}={v}\n" for k, v in config.items()))
    return path


def _cluster_yaml(root: Path, home: Path, ns_port: int, ports: dict[str, int]) -> str:
    brokers = "".join(
        f"""\
          - name: {name}
            kind: broker
            host: local
            port: {port}
            broker_name: {name}
            config: {root / f"{name}.properties"}
            jvm: {{xms: 256m, xmx: 256m, xmn: 128m}}
"""
        for name, port in ports.items()
    )
    return textwrap.dedent(f"""\
        cluster: {CLUSTER}
        rocketmq:
          home: {home}
          version: "5.5.0"
        work_dir: {root / "work"}
        hosts:
          local:
            backend: local
            address: 127.0.0.1
        nodes:
          - name: ns
            kind: namesrv
            host: local
            port: {ns_port}
            listen_address: 127.0.0.1
            jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}
        """) + textwrap.indent(textwrap.dedent(brokers), "  ")


def start(root: Path, extra: dict[str, str] | None = None) -> TwoBrokers:
    home = rocketmq_home()
    java = base._require_java()
    ns_port = namesrv_port()
    ports = {name: broker_port() for name in NAMES}
    ns_config = root / "namesrv.properties"
    ns_config.write_text(f"listenPort={ns_port}\nbindAddress=127.0.0.1\n")
    namesrv = base._launch(
        java, home, root, "namesrv", "128m", "org.apache.rocketmq.namesrv.NamesrvStartup", ns_config,
        "rmq.namesrv.logback.xml", [],
    )  # fmt: skip
    base._wait_boot(namesrv, root / "namesrv.out", "The Name Server boot success")
    procs = {}
    for name, port in ports.items():  # both boot at once: half the wait on two cores
        config = _properties(root, name, port, ns_port, extra or {})
        (root / name).mkdir(exist_ok=True)
        procs[name] = base._launch(
            java, home, root / name, "broker", "256m", "org.apache.rocketmq.broker.BrokerStartup", config,
            "rmq.broker.logback.xml", ["-XX:MaxDirectMemorySize=256m"],
        )  # fmt: skip
    for name, proc in procs.items():
        base._wait_boot(proc, root / name / "broker.out", "boot success")
        asyncio.run(base._wait_registered(f"127.0.0.1:{ns_port}", f"127.0.0.1:{ports[name]}", root / name))
    cluster_file = root / "cluster.yaml"
    cluster_file.write_text(_cluster_yaml(root, home, ns_port, ports))
    return TwoBrokers(
        root=root,
        home=home,
        namesrv=f"127.0.0.1:{ns_port}",
        brokers={name: f"127.0.0.1:{port}" for name, port in ports.items()},
        cluster_file=cluster_file,
    )


def stop(root: Path) -> None:
    kill_jvms_under(str(root))


def running(tmp_path_factory: pytest.TempPathFactory, extra: dict[str, str] | None = None) -> Iterator[TwoBrokers]:
    """Body of a module-scoped fixture: the JVMs live for one module, stopped also on failure."""
    root = tmp_path_factory.mktemp("two-brokers")
    try:
        yield start(root, extra)
    finally:
        stop(root)
