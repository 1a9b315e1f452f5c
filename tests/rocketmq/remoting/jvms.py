"""Start one real namesrv + broker for the remoting integration tests (direct `java -cp`
launches with small heaps, loopback only, everything under one temp dir)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from rocketui.rocketmq.remoting import NamesrvClient
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import kill_jvms_under, rocketmq_home

NAMESRV_PORT = namesrv_port()
BROKER_PORT = broker_port()
CLUSTER = "RemotingCluster"
BROKER_NAME = "broker-x"
BOOT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Jvms:
    root: Path
    namesrv: str
    broker: str
    broker_config: Path
    cluster: str = CLUSTER
    broker_name: str = BROKER_NAME


def _require_java() -> str:
    java = shutil.which("java")
    if java is None:
        message = "java not found on PATH (needed to start RocketMQ)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return java


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        # like the JVM's server sockets: TIME_WAIT leftovers of a previous run do not count
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _launch(
    java: str, home: Path, root: Path, name: str, heap: str, main: str, config: Path, logback: str, extra: list[str]
) -> subprocess.Popen[bytes]:
    argv = [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *extra,
        "-cp",
        f"{home}/conf:{home}/lib/*",
        f"-Drocketmq.home.dir={home}",
        f"-Duser.home={root}",
        f"-Drmq.logback.configurationFile={home}/conf/{logback}",
        main,
        "-c",
        str(config),
    ]
    out = open(root / f"{name}.out", "wb")
    try:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=root, start_new_session=True)
    finally:
        out.close()


def _wait_boot(proc: subprocess.Popen[bytes], out: Path, marker: str) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        text = out.read_text(errors="replace") if out.exists() else ""
        if marker in text:
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{out.stem} exited with {proc.returncode} before '{marker}':\n{text[-3000:]}")
        time.sleep(0.2)
    raise RuntimeError(
        f"{out.stem} did not print '{marker}' within {BOOT_TIMEOUT:.0f}s:\n{out.read_text(errors='replace')[-3000:]}"
    )


async def _wait_registered(namesrv: str, broker: str, root: Path) -> None:
    deadline = time.monotonic() + BOOT_TIMEOUT
    async with NamesrvClient(namesrv) as ns:
        while time.monotonic() < deadline:
            if broker in (await ns.cluster_info()).broker_addrs():
                return
            await asyncio.sleep(0.1)
    log = root / "logs" / "rocketmqlogs" / "broker.log"
    raise RuntimeError(f"broker {broker} not registered at {namesrv} within {BOOT_TIMEOUT:.0f}s; see {log}")


def start(root: Path) -> Jvms:
    """Start namesrv then broker under `root`; the caller must call `stop(root)` in all cases."""
    home = rocketmq_home()
    java = _require_java()
    for port in (NAMESRV_PORT, BROKER_PORT - 2, BROKER_PORT, BROKER_PORT + 1):
        if not _port_free(port):
            pytest.fail(
                f"127.0.0.1:{port} is already in use; the remoting tests need ports "
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
                f"listenPort={BROKER_PORT}",
                "brokerIP1=127.0.0.1",
                "brokerIP2=127.0.0.1",
                "bindAddress=127.0.0.1",
                f"namesrvAddr=127.0.0.1:{NAMESRV_PORT}",
                f"storePathRootDir={root / 'store'}",
                f"storePathCommitLog={root / 'store' / 'commitlog'}",
                "mappedFileSizeCommitLog=134217728",
                "autoCreateTopicEnable=true",
                "autoCreateSubscriptionGroup=true",
                "fileReservedTime=72",
                # 64 sends in flight to a 256m broker sharing 2 cores: the default 200 ms queue wait
                # answers SYSTEM_BUSY when the machine is loaded (what operators raise on small hosts)
                "waitTimeMillsInSendQueue=1000",
                "",
            ]
        )
    )
    namesrv = _launch(
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
    _wait_boot(namesrv, root / "namesrv.out", "The Name Server boot success")
    broker = _launch(
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
    _wait_boot(broker, root / "broker.out", "boot success")
    # 5.5.0 registers at the namesrv on a background thread: the boot line can come first.
    asyncio.run(_wait_registered(f"127.0.0.1:{NAMESRV_PORT}", f"127.0.0.1:{BROKER_PORT}", root))
    return Jvms(
        root=root, namesrv=f"127.0.0.1:{NAMESRV_PORT}", broker=f"127.0.0.1:{BROKER_PORT}", broker_config=broker_config
    )


def stop(root: Path) -> None:
    """SIGTERM (then SIGKILL) every JVM whose command line mentions `root`."""
    kill_jvms_under(str(root))
