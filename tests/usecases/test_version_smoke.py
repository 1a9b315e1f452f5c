"""Version smoke: each release line rocketui operates, end to end on real JVMs, through the use cases
both front ends call.  Per case: install, start-all (namesrv + broker), 1,000 messages produced and
read back, log levels found on the real files, a properties save + live apply, stop with no JVM
left (and no `abort`: the broker unmapped its files cleanly on this JDK).

Cases (5.5.0 is what the rest of the suite runs on):
* 4.9.7 assembled by `rocketui install` (rocketui's 4.x launchers and logback XMLs);
* 4.9.7 from an official-layout zip (`install --from`): the official bin/ and conf/ of the tag
  (tests/data/dist/4.9.7) around the Maven jars, operated with its own scripts and XMLs;
* 5.1.4, the older 5.x line (its broker needs --add-exports on JDK 9+), and 5.3.3 (needs none).
One case at a time, small heaps, ports from tests/support/ports.py; every JVM is killed at the end.
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from rocketui.model.loader import load_cluster
from rocketui.rocketmq.install import InstallError, install_distribution
from rocketui.rocketmq.logs import Level, line_level
from rocketui.rocketmq.remoting.broker import BrokerClient
from rocketui.rocketmq.versions import MODULE_OPTIONS_4X, MODULE_OPTIONS_5_0
from rocketui.services.health import HealthKind
from rocketui.services.mqtest import ProduceSpec, TopicCreation
from rocketui.services.node_status import NodeState
from rocketui.services.quickstart import Which
from rocketui.usecases.operations import Operations
from tests.support.ports import broker_port, namesrv_port
from tests.support.rocketmq import java_processes_under, kill_jvms_under

pytestmark = [pytest.mark.rocketmq]

DIST = Path(__file__).parent.parent / "data" / "dist"
SHARE = Path.home() / ".local/share/rocketui"


@dataclass(frozen=True)
class Case:
    id: str
    version: str
    official: bool  # an official-layout zip, operated with its own launchers
    module_options: tuple[str, ...]


CASES = [
    Case("4.9.7", "4.9.7", False, MODULE_OPTIONS_4X),
    Case("4.9.7-official-zip", "4.9.7", True, MODULE_OPTIONS_4X),
    Case("5.1.4", "5.1.4", False, MODULE_OPTIONS_5_0),
    Case("5.3.3", "5.3.3", False, ()),
]
TIMES: dict[str, dict[str, float]] = {}  # case -> step -> seconds (printed; bench numbers, not asserted)


def assembled(version: str) -> Path:
    """rocketui's own install of `version` (a no-op when scripts/test made it already)."""
    home = SHARE / f"rocketmq-{version}"
    try:
        install_distribution(str(home), version, log=lambda m: None)
    except InstallError as exc:
        pytest.fail(f"cannot install RocketMQ {version} (needed by the version smoke): {exc}")
    return home


def official_zip(tmp: Path, version: str) -> Path:
    """What rocketmq-all-<v>-bin-release.zip holds: the tag's bin/ and conf/, and the jars."""
    top = f"rocketmq-all-{version}-bin-release"
    path = tmp / f"{top}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for part in ("bin", "conf"):
            for f in sorted((DIST / version / part).iterdir()):
                zf.write(f, f"{top}/{part}/{f.name}")
        for jar in sorted((assembled(version) / "lib").glob("*.jar")):
            zf.write(jar, f"{top}/lib/{jar.name}")
    return path


def install(case: Case, tmp: Path) -> Path:
    if not case.official:
        home = assembled(case.version)
        assert (home / "conf" / ("logback_broker.xml" if case.version < "5" else "rmq.broker.logback.xml")).exists()
        return home
    home = tmp / f"rocketmq-{case.version}-official"
    result = install_distribution(str(home), case.version, from_zip=str(official_zip(tmp, case.version)), log=print)
    assert result.version == case.version
    # operated as it is: the official launcher (no logback property, no JDK module options)
    assert "runbroker.sh org.apache.rocketmq.broker.BrokerStartup" in (home / "bin" / "mqbroker").read_text()
    return home


def write_cluster(tmp: Path, case: Case, home: Path, ns_port: int, port: int) -> Path:
    name = "Smoke" + case.version.replace(".", "")
    props = [
        f"brokerClusterName={name}",
        "brokerName=broker-v",
        "brokerId=0",
        "brokerRole=ASYNC_MASTER",
        "flushDiskType=ASYNC_FLUSH",
        f"listenPort={port}",
        "brokerIP1=127.0.0.1",
        "brokerIP2=127.0.0.1",
        "autoCreateTopicEnable=true",
        "mappedFileSizeCommitLog=134217728",
        "waitTimeMillsInSendQueue=1000",  # no SYSTEM_BUSY on 2 loaded cores
    ]
    if not case.version.startswith("4."):
        props.append("bindAddress=127.0.0.1")  # 4.x has no such key and binds 0.0.0.0
    (tmp / "broker-v.properties").write_text("\n".join(props) + "\n")
    path = tmp / "cluster.yaml"
    path.write_text(f"""\
cluster: {name}
rocketmq:
  home: {home}
  version: "{case.version}"
work_dir: {tmp / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
nodes:
  - name: ns
    kind: namesrv
    host: local
    port: {ns_port}
    jvm: {{xms: 128m, xmx: 128m, xmn: 64m}}
  - name: broker-v
    kind: broker
    host: local
    port: {port}
    broker_name: broker-v
    config: broker-v.properties
    jvm: {{xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}}
""")
    return path


async def slave_linked(ops: Operations, master: str) -> bool:
    from rocketui.services.ha_status import ha_connections

    return await ha_connections(ops.nodes, ops.cluster.node(master)) == 1


async def wait_until(check, what: str, timeout: float = 30.0) -> None:  # check: async () -> bool
    import asyncio

    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def broker_port_block(count: int = 4, step: int = 10) -> int:
    """A first broker port such that `count` brokers `step` apart (the topology's placement) each
    find their -2..+1 ports free."""
    from tests.support.ports import free_port

    return free_port(offsets=tuple(i * step + d for i in range(count) for d in (-2, 0, 1)))


def argv_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


class Clock:
    def __init__(self, case: str) -> None:
        self.name = case
        self.times = TIMES.setdefault(case, {})
        self.t = time.monotonic()

    def lap(self, step: str) -> None:
        now = time.monotonic()
        self.times[step] = round(now - self.t, 1)
        self.t = now


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_version_smoke(case: Case, tmp_path: Path) -> None:
    clock = Clock(case.id)
    home = install(case, tmp_path)
    clock.lap("install")
    path = write_cluster(tmp_path, case, home, namesrv_port(), broker_port())
    ops = Operations(load_cluster(str(path)))
    broker = ops.cluster.node("broker-v")
    try:
        # ---- start-all: namesrv, then the broker, registered
        started = await ops.lifecycle.start_all()
        assert started.ok, started.summary
        statuses = await ops.status_all()
        assert {n: s.state for n, s in statuses.items()} == {"ns": NodeState.RUNNING, "broker-v": NodeState.RUNNING}
        assert statuses["broker-v"].registered is True
        assert statuses["broker-v"].version == statuses["ns"].version == case.version  # from the jars
        cmdline = argv_of(statuses["broker-v"].pid or 0)
        for option in case.module_options:  # by rocketui's launcher, or handed to the official one
            assert option in cmdline, (option, cmdline)
        # adoption: a rocketui that did not start them (no state in memory) finds the same JVMs
        fresh = Operations(load_cluster(str(path)))
        try:
            adopted = await fresh.status_all()
        finally:
            await fresh.close()
        assert {n: (s.state, s.pid) for n, s in adopted.items()} == {n: (s.state, s.pid) for n, s in statuses.items()}
        clock.lap("start-all")

        # ---- the server says which release it is; health sees one release
        async with BrokerClient(ops.cluster.endpoint(broker)) as client:
            table = (await client.get_runtime_info()).table
            assert client.server_release == case.version
        assert table["brokerVersionDesc"] == "V" + case.version.replace(".", "_")
        report = await ops.mq.health()
        assert report.ok, report.all_problems()
        assert not [p for _, p in report.all_problems() if p.kind is HealthKind.MIXED_VERSIONS]

        # ---- produce 1,000 and read them back
        produced = await ops.mq.produce(
            ProduceSpec(topic="VersionSmoke", count=1000, create=TopicCreation(cluster=ops.cluster.name)),
            verify=True,
        )
        assert produced.ok, produced.summary
        assert produced.value is not None
        sent, verified = produced.value
        assert sent.progress.sent == 1000 and verified is not None
        assert (verified.received, verified.missing, verified.duplicated) == (1000, 0, 0)
        clock.lap("produce+verify 1000")

        # ---- the quickstart is refused in one line (no rocketmq-example jar on Central for these)
        quick = await ops.mq.quickstart(Which.PRODUCER)
        assert quick.refused and "no rocketmq-example jar" in quick.summary

        # ---- log levels on the real files the JVMs wrote (where this release's XML puts them)
        logs = dict((f.name, (f, st)) for f, st in await ops.logs.files(broker))
        main, stat = logs["broker.log"]
        assert stat is not None and main.path == f"{ops.cluster.log_dir(broker)}/broker.log"
        levels = [line_level(line) for line in Path(main.path).read_text(errors="replace").splitlines()]
        assert levels.count(Level.INFO) > 20, main.path
        ns_log = Path(ops.cluster.log_dir(ops.cluster.node("ns"))) / "namesrv.log"
        assert Level.INFO in [line_level(line) for line in ns_log.read_text(errors="replace").splitlines()]

        # ---- properties: this release's keys, a save, and a live apply verified on the broker
        known = await ops.edits.known_keys(broker)
        assert known.version == case.version
        loaded = await ops.edits.load_properties(broker)
        if case.version.startswith("4."):
            wrong = ops.edits.plan_properties(loaded, broker, {"bindAddress": "127.0.0.1"}, known=known)
            assert [p.key for p in wrong.errors] == ["bindAddress"]
        plan = ops.edits.plan_properties(loaded, broker, {"fileReservedTime": "49"}, known=known)
        assert not plan.errors, plan.problems
        saved = await ops.edits.save(broker, plan, action="config save")
        assert saved.ok, saved.summary
        live = await ops.edits.apply_live(broker, plan, {"fileReservedTime": "49"})
        assert live.ok, live.summary
        async with BrokerClient(ops.cluster.endpoint(broker)) as client:
            assert (await client.get_broker_config())["fileReservedTime"] == "49"
        assert Path(plan.loaded.path).read_bytes() == plan.new  # rocketui's file, not the broker's dump
        clock.lap("logs+config+live apply")

        # ---- stop-all: no JVM left, and the broker unmapped its files (no abort, no JDK error)
        stopped = await ops.lifecycle.stop_all()
        assert stopped.ok, stopped.summary
        assert not java_processes_under(str(tmp_path))
        store = Path(ops.cluster.user_home(broker)) / "store"
        assert (store / "checkpoint").exists() and not (store / "abort").exists()
        out = (Path(ops.cluster.run_dir(broker)) / "stdout.log").read_text(errors="replace")
        assert "InaccessibleObjectException" not in out and "IllegalAccessError" not in out
        clock.lap("stop-all")
    finally:
        await ops.close()
        kill_jvms_under(str(tmp_path))
        print(f"\nversion smoke {case.id}: " + ", ".join(f"{k} {v}s" for k, v in TIMES[case.id].items()))


# The JVM's own words when a broker of these releases stops on JDK 9+ without the module options
# rocketui adds (what tests/data/logs/<version>/broker-stdout-jdk17-without-module-options.log keeps).
UNMAP_ERRORS = {
    "4.9.7": 'InaccessibleObjectException: Unable to make public java.lang.Object java.nio.DirectByteBuffer.attachment() accessible: module java.base does not "opens java.nio" to unnamed module',
    "5.1.4": "IllegalAccessError: class org.apache.rocketmq.common.UtilAll (in unnamed module",
}


@pytest.mark.parametrize("version", sorted(UNMAP_ERRORS))
def test_broker_without_module_options_cannot_unmap_on_this_jdk(version: str, tmp_path: Path) -> None:
    """Why rocketui adds them: the release's own launcher, no options, SIGTERM -> the shutdown hook
    dies with the error above and `abort` stays (the next start recovers abnormally)."""
    import os
    import shutil
    import signal
    import subprocess

    home = tmp_path / "official"
    for part in ("bin", "conf"):
        shutil.copytree(DIST / version / part, home / part)
    (home / "lib").symlink_to(assembled(version) / "lib")
    port = broker_port()
    (tmp_path / "b.properties").write_text(
        f"brokerName=broker-x\nlistenPort={port}\nbrokerIP1=127.0.0.1\nstorePathRootDir={tmp_path / 'store'}\n"
        "mappedFileSizeCommitLog=134217728\n"
    )
    java_home = str(Path(os.path.realpath(shutil.which("java") or "java")).parent.parent)
    env = {
        **os.environ,
        "ROCKETMQ_HOME": str(home),
        "JAVA_HOME": java_home,  # the 4.x launcher finds no Java by itself
        "JAVA_OPT_EXT": f"-Xms128m -Xmx128m -Xmn64m -XX:MaxDirectMemorySize=128m -XX:-AlwaysPreTouch -Duser.home={tmp_path}",
    }
    out = tmp_path / "stdout.log"
    try:
        with out.open("wb") as sink:
            subprocess.Popen(
                ["sh", str(home / "bin" / "mqbroker"), "-c", str(tmp_path / "b.properties")],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while "boot success" not in out.read_text(errors="replace"):
            assert time.monotonic() < deadline, out.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        (pid,) = java_processes_under(str(tmp_path))
        os.kill(pid, signal.SIGTERM)
        while pid in java_processes_under(str(tmp_path)):
            assert time.monotonic() < deadline + 60, "the broker did not exit after SIGTERM"
            time.sleep(0.2)
        text = out.read_text(errors="replace")
        assert UNMAP_ERRORS[version] in text, text[-3000:]
        assert (tmp_path / "store" / "abort").exists()
    finally:
        kill_jvms_under(str(tmp_path))


async def test_rolling_restart_of_2m_2s_sync_on_4_9_7(tmp_path: Path) -> None:
    """2 SYNC_MASTERs with a slave each on 4.9.7 (files generated for 4.9.7: no 5.x keys): a rolling
    restart takes them one at a time, slaves first, each waited for until registered and — 4.x has
    no GET_BROKER_HA_STATUS — until its slave's commit log is within reach of its master's."""
    clock = Clock("4.9.7 2m-2s-sync rolling")
    home = assembled("4.9.7")
    path = tmp_path / "2m-2s-sync.yaml"
    path.write_text(f"""\
cluster: Rolling497
rocketmq: {{home: {home}, version: "4.9.7"}}
work_dir: {tmp_path / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
defaults:
  jvm: {{xms: 256m, xmx: 256m, xmn: 128m, max_direct: 256m, extra: ["-XX:-AlwaysPreTouch"]}}
topology:
  masters: 2
  slaves_per_master: 1
  replication: sync
  namesrvs: 1
  namesrv_port: {namesrv_port()}
  broker_port: {broker_port_block()}
  config_dir: conf
  jvm:
    namesrv: {{xms: 128m, xmx: 128m, xmn: 64m}}
  properties: {{mappedFileSizeCommitLog: 134217728, waitTimeMillsInSendQueue: 1000}}
""")
    ops = Operations(load_cluster(str(path)))
    try:
        generated = await ops.provision.generate(await ops.provision.plan_generate())
        assert generated.ok, generated.summary
        for f in (tmp_path / "conf").iterdir():
            assert "bindAddress" not in f.read_text() and "inSyncReplicas" not in f.read_text()
        started = await ops.lifecycle.start_all(timeout=180)
        assert started.ok, started.summary
        for master in ("broker-a", "broker-b"):  # 4.x: the HA link read from the kernel's socket table
            await wait_until(lambda m=master: slave_linked(ops, m), f"{master}'s slave to connect")
        clock.lap("start-all (5 JVMs)")
        before = {n: s.pid for n, s in (await ops.status_all()).items()}
        steps: list[tuple[str, str]] = []
        rolled = await ops.lifecycle.rolling_restart(progress=lambda n, m: steps.append((n, m)), timeout=180)
        assert rolled.ok and rolled.value is not None, rolled.summary
        assert [s.node for s in rolled.value.steps] == ["broker-a-s", "broker-a", "broker-b-s", "broker-b"]
        after = await ops.status_all()
        for name in ("broker-a", "broker-a-s", "broker-b", "broker-b-s"):
            assert after[name].state is NodeState.RUNNING and after[name].registered is True
            assert after[name].pid != before[name]
        assert after["namesrv-1"].pid == before["namesrv-1"]
        clock.lap("rolling restart (4 brokers)")
        produced = await ops.mq.produce(
            # SYNC_FLUSH + SYNC_MASTER on two loaded cores: a first send may wait for flush and slave
            # longer than the default 3 s (the broker itself waits up to syncFlushTimeout, 5 s)
            ProduceSpec(topic="Rolling497", count=200, create=TopicCreation(cluster="Rolling497"), send_timeout=10),
            verify=True,
        )
        assert produced.ok, (produced.summary, produced.value[0].progress.errors if produced.value else None)
        stopped = await ops.lifecycle.stop_all()
        assert stopped.ok, stopped.summary
        assert not java_processes_under(str(tmp_path))
        for broker in ops.cluster.brokers:
            assert not (Path(ops.cluster.user_home(broker)) / "store" / "abort").exists(), broker.name
        clock.lap("produce 200 + stop-all")
    finally:
        await ops.close()
        kill_jvms_under(str(tmp_path))
        print("\n" + clock.name + ": " + ", ".join(f"{k} {v}s" for k, v in clock.times.items()))
