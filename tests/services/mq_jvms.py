"""One real namesrv + broker for the mqtest/health/quickstart tests on this helper's own ports
(ports from tests.support.ports), plus a cluster file describing them. Built on the launch helpers of
tests/rocketmq/remoting/jvms.py; the caller stops everything with `stop(root)` (or uses `running`).

Switching autoCreateTopicEnable off at run time strips TBW102's inherit permission until the
broker restarts, so tests sharing these JVMs create their topics instead of relying on it."""

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

NAMESRV_PORT = namesrv_port()
BROKER_PORT = broker_port()
CLUSTER = "MqTestCluster"
BROKER_NAME = "broker-m"


@dataclass(frozen=True)
class MqJvms:
    root: Path
    home: Path
    namesrv: str
    broker: str
    cluster_file: Path
    cluster: str = CLUSTER
    broker_name: str = BROKER_NAME


def _cluster_yaml(root: Path, home: Path, broker_config: Path) -> str:
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
            port: {NAMESRV_PORT}
            listen_address: 127.0.0.1
            jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}
          - name: {BROKER_NAME}
            kind: broker
            host: local
            port: {BROKER_PORT}
            broker_name: {BROKER_NAME}
            config: {broker_config}
            jvm: {{xms: 256m, xmx: 256m, xmn: 128m}}
        """)


def start(root: Path, *, auto_create_topic: bool = True) -> MqJvms:
    """Start the namesrv, then the broker; always pair with `stop(root)`."""
    home = rocketmq_home()
    java = base._require_java()
    for port in (NAMESRV_PORT, BROKER_PORT - 2, BROKER_PORT, BROKER_PORT + 1):
        if not base._port_free(port):
            pytest.fail(
                f"127.0.0.1:{port} is already in use; the mqtest tests need ports "
                f"{NAMESRV_PORT} and {BROKER_PORT - 2}-{BROKER_PORT + 1}"
            )
    ns_config = root / "namesrv.properties"
    ns_config.write_text(f"listenPort={NAMESRV_PORT}\nbindAddress=127.0.0.1\n")
    broker_config = root / "broker.properties"
    broker_config.write_text(
        "\n".join(
            [
                f"brokerClusterName={CLUSTER}",
                f"brokerName={BROKER_NAME}",
                "brokerId=0",
                "brokerRole=ASYNC_MASTER",
                "flushDiskType=ASYNC_FLUSH",
                f"listenPort={BROKER_PORT}",
                "brokerIP1=127.0.0.1",
                "brokerIP2=127.0.0.1",
                "bindAddress=127.0.0.1",
                f"namesrvAddr=127.0.0.1:{NAMESRV_PORT}",
                f"storePathRootDir={root / 'store'}",
                f"storePathCommitLog={root / 'store' / 'commitlog'}",
                "mappedFileSizeCommitLog=134217728",
                f"autoCreateTopicEnable={str(auto_create_topic).lower()}",
                "autoCreateSubscriptionGroup=true",
                "waitTimeMillsInSendQueue=1000",
                "",
            ]
        )
    )  # no SYSTEM_BUSY when 2 loaded cores slow the broker
    cluster_file = root / "cluster.yaml"
    cluster_file.write_text(_cluster_yaml(root, home, broker_config))
    namesrv = base._launch(
        java,
        home,
        root,
        "namesrv",
        "128m",
        "org.apache.rocketmq.namesrv.NamesrvStartup",
        ns_config,
        "rmq.namesrv.logback.xml",
        [],
    )
    base._wait_boot(namesrv, root / "namesrv.out", "The Name Server boot success")
    broker = base._launch(
        java,
        home,
        root,
        "broker",
        "256m",
        "org.apache.rocketmq.broker.BrokerStartup",
        broker_config,
        "rmq.broker.logback.xml",
        ["-XX:MaxDirectMemorySize=256m"],
    )
    base._wait_boot(broker, root / "broker.out", "boot success")
    asyncio.run(base._wait_registered(f"127.0.0.1:{NAMESRV_PORT}", f"127.0.0.1:{BROKER_PORT}", root))
    return MqJvms(
        root=root,
        home=home,
        namesrv=f"127.0.0.1:{NAMESRV_PORT}",
        broker=f"127.0.0.1:{BROKER_PORT}",
        cluster_file=cluster_file,
    )


def stop(root: Path) -> None:
    kill_jvms_under(str(root))


def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MqJvms]:
    """Body of a module-scoped fixture (`yield from running(tmp_path_factory)`): the JVMs live for
    one test module and are stopped after it, also when a test or the start failed."""
    root = tmp_path_factory.mktemp("mq-jvms")
    try:
        yield start(root)
    finally:
        stop(root)
