"""Config edits through the local backend: plan, save, conflicts, backups, crash safety, sharing."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest

from rocketui.backends.base import ProcessInfo
from rocketui.backends.local import LocalBackend
from rocketui.model.cluster import BackendKind, Cluster, Host, JvmMemory, Node, NodeKind, Pos, RocketMQ
from rocketui.rocketmq.install import render_script
from rocketui.services import config_edit as ce
from rocketui.services.node_match import find_jvm, node_config_path

BROKER = (
    b"# broker-a\nbrokerClusterName=C\nbrokerName=broker-a\nbrokerId=0\nbrokerRole=ASYNC_MASTER\nlistenPort=10911\n"
)


def host(name: str, backend: BackendKind = BackendKind.LOCAL, address: str = "127.0.0.1", **kw: object) -> Host:
    return Host(name, backend, address, Pos("c.yaml", 1), **kw)  # type: ignore[arg-type]


def broker(
    name: str, host_name: str, config: str, *, port: int = 10911, jvm: JvmMemory = JvmMemory(), broker_id: int = 0
) -> Node:
    return Node(
        name,
        NodeKind.BROKER,
        host_name,
        port,
        Pos("c.yaml", 2),
        jvm=jvm,
        config=config,
        broker_name=name,
        broker_id=broker_id,
    )


def cluster(hosts: list[Host], nodes: list[Node], home: str = "/opt/rmq") -> Cluster:
    return Cluster("C", "c.yaml", RocketMQ(home, "5.5.0"), "/tmp/w", tuple(hosts), tuple(nodes))


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "broker-a.properties"
    path.write_bytes(BROKER)
    path.chmod(0o640)
    return path


# ----------------------------------------------------------------------------- properties
async def test_plan_and_save_keeps_mode_and_a_backup(config_file: Path) -> None:
    backend = LocalBackend()
    loaded = await ce.load(backend, str(config_file))
    plan = ce.plan_properties(loaded, {"fileReservedTime": "48", "brokerRole": "SYNC_MASTER"})
    assert plan.changed and plan.errors == []
    assert plan.diff.splitlines()[2:] == [
        "@@ -2,5 +2,6 @@",
        " brokerClusterName=C",
        " brokerName=broker-a",
        " brokerId=0",
        "-brokerRole=ASYNC_MASTER",
        "+brokerRole=SYNC_MASTER",
        " listenPort=10911",
        "+fileReservedTime=48",
    ]
    assert plan.notes == (
        "takes effect when the broker restarts: brokerRole",
        "can also be applied to a running broker without a restart (mqadmin updateBrokerConfig): fileReservedTime",
    )
    saved = await ce.save(backend, plan, now=time.mktime((2026, 11, 25, 13, 53, 48, 0, 0, -1)))
    assert config_file.read_bytes() == plan.new
    assert oct(config_file.stat().st_mode & 0o777) == "0o640"
    assert saved.backup == f"{config_file}.bak.20261125-135348"
    assert Path(saved.backup).read_bytes() == BROKER
    # a second save in the same second keeps the first backup
    plan2 = ce.plan_properties(await ce.load(backend, str(config_file)), {"fileReservedTime": "24"})
    saved2 = await ce.save(backend, plan2, now=time.mktime((2026, 11, 25, 13, 53, 48, 0, 0, -1)))
    assert saved2.backup == f"{config_file}.bak.20261125-135348.2"
    assert Path(saved.backup).read_bytes() == BROKER


async def test_no_op_save_writes_nothing(config_file: Path) -> None:
    backend = LocalBackend()
    before = config_file.stat()
    plan = ce.plan_properties(await ce.load(backend, str(config_file)), {"brokerId": "0"})
    assert not plan.changed and plan.diff == ""
    saved = await ce.save(backend, plan)
    assert saved.backup is None and config_file.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["broker-a.properties"]


async def test_invalid_values_block_the_save(config_file: Path) -> None:
    backend = LocalBackend()
    plan = ce.plan_properties(
        await ce.load(backend, str(config_file)), {"brokerRole": "SLAVE", "namesrvAddr": "a:1,b:2", "listenPrt": "1"}
    )
    assert [str(p) for p in plan.errors] == [
        "error: unknown key 'listenPrt': RocketMQ silently ignores it; did you mean 'listenPort'? "
        "(checked against the bundled key list of RocketMQ 5.5.0)",
        "error: line 7: namesrvAddr='a:1,b:2': separate name servers with ';', not ',' (RocketMQ cannot parse a "
        "comma-separated list)",
        "error: line 4: brokerRole=SLAVE needs brokerId 1 or more (it is 0); the broker would exit with "
        '"Slave\'s brokerId must be > 0"',
    ]
    with pytest.raises(ce.ConfigEditError, match="^not saved: unknown key 'listenPrt'"):
        await ce.save(backend, plan)
    assert config_file.read_bytes() == BROKER


async def test_line_breaks_in_values_are_refused(config_file: Path) -> None:
    plan = ce.plan_properties(await ce.load(LocalBackend(), str(config_file)), {"brokerName": "a\nbrokerId=3"})
    assert [p.message for p in plan.errors][0] == "brokerName: a value cannot contain line breaks or control characters"


async def test_old_problems_warn_but_do_not_block(tmp_path: Path) -> None:
    path = tmp_path / "b.properties"
    path.write_bytes(b"brokerRole=SLAVE\nbrokerId=0\nlisten_port=1\n")
    plan = ce.plan_properties(await ce.load(LocalBackend(), str(path)), {"fileReservedTime": "24"})
    assert plan.errors == []
    assert [str(p) for p in plan.warnings] == [
        "warning: line 3: unknown key 'listen_port': RocketMQ silently ignores it; did you mean 'listenPort'? "
        "(checked against the bundled key list of RocketMQ 5.5.0) (already in the file)",
        "warning: line 2: brokerRole=SLAVE needs brokerId 1 or more (it is 0); the broker would exit with "
        '"Slave\'s brokerId must be > 0" (already in the file)',
    ]
    fixed = ce.plan_properties(plan.loaded, {"brokerId": "1"}, unset=["listen_port"])
    assert fixed.problems == ()


async def test_disagreeing_with_the_cluster_file_is_a_warning(config_file: Path) -> None:
    c = cluster([host("local")], [broker("broker-a", "local", str(config_file))])
    c = Cluster("C", c.source, c.rocketmq, c.work_dir, c.hosts, c.nodes)
    plan = ce.plan_properties(
        await ce.load(LocalBackend(), str(config_file)), {"listenPort": "10921"}, cluster=c, node=c.node("broker-a")
    )
    assert plan.errors == []
    assert [p.message for p in plan.warnings] == [
        f"{config_file}:6: listenPort=10921 but the cluster file says port: 10911 (c.yaml:2); expected "
        "listenPort=10911; rocketui start refuses the node until the cluster file and this file agree"
    ]


def test_namesrv_config_is_not_edited_here() -> None:
    ns = Node("ns", NodeKind.NAMESRV, "local", 9876, Pos("c.yaml", 9))
    with pytest.raises(
        ce.ConfigEditError,
        match="node 'ns' is a namesrv: its properties file is written from the "
        r"cluster file \('properties:' of the node, c.yaml:9\)",
    ):
        ce.broker_config_location(cluster([host("local")], [ns]), ns)


# ----------------------------------------------------------------------------- conflicts
async def test_file_changed_behind_is_refused_with_what_changed(config_file: Path) -> None:
    backend = LocalBackend()
    loaded = await ce.load(backend, str(config_file))
    plan = ce.plan_properties(loaded, {"fileReservedTime": "48"})
    config_file.write_bytes(BROKER.replace(b"listenPort=10911", b"listenPort=10921"))  # someone else's edit
    with pytest.raises(ce.ConfigConflict) as info:
        await ce.save(backend, plan)
    assert str(info.value) == (
        f"{config_file} on host 'local' changed on disk after it was loaded; nothing was written (your edit would "
        "have overwritten that change). What changed on disk:\n"
        "--- as loaded\n+++ on disk now\n@@ -3,4 +3,4 @@\n brokerName=broker-a\n brokerId=0\n"
        " brokerRole=ASYNC_MASTER\n-listenPort=10911\n+listenPort=10921\nLoad it again and redo the edit."
    )
    assert config_file.read_bytes() == BROKER.replace(b"listenPort=10911", b"listenPort=10921")
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["broker-a.properties"]


async def test_file_deleted_or_rewritten_behind(config_file: Path) -> None:
    backend = LocalBackend()
    plan = ce.plan_properties(await ce.load(backend, str(config_file)), {"fileReservedTime": "48"})
    os.utime(config_file, ns=(0, 0))
    with pytest.raises(ce.ConfigConflict, match="Its content is the same, but it was rewritten"):
        await ce.save(backend, plan)
    config_file.unlink()
    with pytest.raises(ce.ConfigConflict, match="It has been deleted"):
        await ce.save(backend, plan)


async def test_missing_file() -> None:
    with pytest.raises(ce.ConfigEditError, match="/nonexistent/b.properties does not exist on host 'local'"):
        await ce.load(LocalBackend(), "/nonexistent/b.properties")


# ----------------------------------------------------------------------------- crash safety
OLD = b"old\n" * 50_000  # 200 KB, so that a kill often lands inside a write
NEW = b"NEW-" * 70_000


def _writer(path: str) -> None:
    """Child: write the two versions back and forth through LocalBackend.write_file until killed."""
    backend = LocalBackend()

    async def loop() -> None:
        for i in range(10**9):
            await backend.write_file(path, NEW if i % 2 == 0 else OLD, backup_suffix=".bak")

    asyncio.run(loop())


def test_kill_9_mid_write_leaves_old_or_new_never_a_mix(tmp_path: Path) -> None:
    path = tmp_path / "broker.properties"
    path.write_bytes(OLD)
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(20261125)
    seen: set[bytes] = set()
    for _ in range(120):
        child = ctx.Process(target=_writer, args=(str(path),))
        child.start()
        time.sleep(rng.uniform(0.0, 0.03))
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        content = path.read_bytes()
        assert content in (OLD, NEW), f"mixed content of {len(content)} bytes"
        backup = tmp_path / "broker.properties.bak"
        if backup.exists():  # the backup is written atomically too
            assert backup.read_bytes() in (OLD, NEW), "partial backup"
        seen.add(content)
    assert seen == {OLD, NEW}  # the kills did land on both sides of a rename
    # temp files of interrupted writes prove that kills landed inside writes, not only between them
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    # only hidden temp files (data or backup) of an interrupted write are left, never a partial target
    assert leftovers and all(p.startswith(".broker.properties.") for p in leftovers)


# ----------------------------------------------------------------------------- JVM script
async def test_script_plan_save_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "runbroker.sh"
    path.write_text(render_script("runbroker.sh"))
    path.chmod(0o755)
    backend = LocalBackend()
    loaded = await ce.load(backend, str(path))
    bad = ce.plan_script(loaded, {"Xms": "512m", "Xmx": "512m"})
    assert [p.message for p in bad.errors] == [
        "-Xmn4g (line 57) must be smaller than -Xmx512m (line 71); set -Xmn too (say, a third to a half of -Xmx) "
        "or remove it"
    ]
    refused = ce.plan_script(loaded, {"Xmx": "1.5g"})
    assert [p.message for p in refused.errors] == [
        "-Xmx: '1.5g' is not a JVM size; expected a number with k, m, g or t, like 256m or 8g"
    ] and not refused.changed
    plan = ce.plan_script(loaded, {"Xms": "512m", "Xmx": "512m", "Xmn": "256m"})
    assert plan.errors == [] and plan.changed
    assert '-JAVA_OPT="${JAVA_OPT} -server -Xms8g -Xmx8g"' in plan.diff.splitlines()
    await ce.save(backend, plan)
    assert os.access(path, os.X_OK) and oct(path.stat().st_mode & 0o777) == "0o755"
    assert b"-server -Xms512m -Xmx512m -Xmn256m" in path.read_bytes()


def test_nodes_sharing_a_script() -> None:
    hosts = [
        host("local"),
        host("local2", address="127.0.0.2"),
        host("mq1", BackendKind.SSH, "10.0.0.1", user="ops"),
        host("mq1b", BackendKind.SSH, "10.0.0.1", user="ops"),
        host("mq2", BackendKind.SSH, "10.0.0.2"),
        host("other-home", rocketmq_home="/srv/rmq"),
    ]
    nodes = [
        broker("a", "local", "/c/a"),
        broker("b", "local2", "/c/b"),
        broker("c", "mq1", "/c/c"),
        broker("d", "mq1b", "/c/d"),
        broker("e", "mq2", "/c/e"),
        broker("f", "other-home", "/c/f"),
        Node("ns", NodeKind.NAMESRV, "local", 9876, Pos("c.yaml", 3)),
    ]
    c = cluster(hosts, nodes)
    assert [n.name for n in ce.nodes_sharing_script(c, c.node("a"))] == ["a", "b"]
    assert [n.name for n in ce.nodes_sharing_script(c, c.node("c"))] == ["c", "d"]
    assert [n.name for n in ce.nodes_sharing_script(c, c.node("e"))] == ["e"]
    assert [n.name for n in ce.nodes_sharing_script(c, c.node("f"))] == ["f"]
    assert [n.name for n in ce.nodes_sharing_script(c, c.node("ns"))] == ["ns"]
    assert ce.script_location(c, c.node("f")) == "/srv/rmq/bin/runbroker.sh"
    assert ce.script_location(c, c.node("ns")) == "/opt/rmq/bin/runserver.sh"
    # a home under ~ is per user
    tilde = cluster(
        [host("x", BackendKind.SSH, "10.0.0.1", user="a"), host("y", BackendKind.SSH, "10.0.0.1", user="b")],
        [broker("p", "x", "/c/p"), broker("q", "y", "/c/q")],
        home="~/rmq",
    )
    assert [n.name for n in ce.nodes_sharing_script(tilde, tilde.node("p"))] == ["p"]


def test_script_notes_name_sharing_nodes_and_overrides() -> None:
    c = cluster(
        [host("local")],
        [broker("a", "local", "/c/a", jvm=JvmMemory(xmx="256m", xms="256m")), broker("b", "local", "/c/b", port=10921)],
    )
    assert ce.script_notes(c, c.node("b"), {"Xmx": "1g", "Xmn": "512m"}) == [
        "runbroker.sh on host 'local' is used by 2 nodes: a, b",
        "a: the cluster file sets -Xmx256m (jvm: of the node or defaults, passed as JAVA_OPT_EXT), which overrides "
        "the script; edit the cluster file to change it",
    ]


async def test_restart_detection_from_the_running_jvm(tmp_path: Path) -> None:
    script = render_script("runbroker.sh").encode()
    node = broker("a", "local", str(tmp_path / "a.properties"), jvm=JvmMemory(xms="256m", xmx="256m"))
    c = cluster([host("local")], [node])
    argv = (
        "/usr/bin/java",
        "-server",
        "-Xms8g",
        "-Xmx8g",
        "-XX:MaxDirectMemorySize=15g",
        "-Xms256m",
        "-Xmx256m",
        "-cp",
        "x",
        "org.apache.rocketmq.broker.BrokerStartup",
        "-c",
        str(tmp_path / "a.properties"),
    )
    other = ("/usr/bin/java", "org.apache.rocketmq.broker.BrokerStartup", "-c", "/elsewhere.properties")
    procs = [ProcessInfo(7, 1, 7, 1, 0.0, other), ProcessInfo(42, 1, 42, 1, 0.0, argv)]
    proc = find_jvm(node, node_config_path(c, node), procs)  # as NodeService.find recognises it
    assert proc is not None and proc.pid == 42
    assert ce.restart_reasons(node, script, proc) == []
    from rocketui.rocketmq.jvm_script import set_flags

    edited = set_flags(script.decode(), {"MaxDirectMemorySize": "2g", "Xmx": "4g", "Xms": "4g"}).encode()
    assert ce.restart_reasons(node, edited, proc) == [
        "running with -XX:MaxDirectMemorySize=15g, the script now gives -XX:MaxDirectMemorySize=2g"
    ]
    assert ce.restart_reasons(node, edited, None) == []
