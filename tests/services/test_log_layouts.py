"""Which XML decides a node's log files and line layouts, read through the real local backend:
the running JVM's (an edited copy is followed), the installation's, 4.x's conf/logback_<kind>.xml,
or the stock layout with the reason it was assumed.  XMLs are the real ones of tests/data/logback."""

from __future__ import annotations

import shutil
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

from rocketui.backends.base import ProcessInfo
from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import Node
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.log_format import Level
from rocketui.services.logs import LogService
from rocketui.services.nodes import NodeService

DATA = Path(__file__).resolve().parent.parent / "data"


class OneJvm(NodeService):
    """The real service, except that `find` reports a JVM with the given command line."""

    argv: tuple[str, ...] | None = None

    async def find(self, node: Node, processes: list[ProcessInfo] | None = None) -> ProcessInfo | None:
        return None if self.argv is None else ProcessInfo(4242, 1, 4242, 0, 0.0, self.argv)


def service(tmp_path: Path, version: str = "5.5.0") -> tuple[LogService, OneJvm, Node]:
    (tmp_path / "work/broker-a").mkdir(parents=True, exist_ok=True)
    (tmp_path / "work/broker-a/stdout.log").write_text("")  # listed once it exists
    text = textwrap.dedent(f"""\
        cluster: Layouts
        rocketmq: {{home: {tmp_path}/rocketmq, version: "{version}"}}
        work_dir: {tmp_path}/work
        hosts:
          local: {{backend: local, address: 127.0.0.1}}
        nodes:
          - {{name: ns, kind: namesrv, host: local, port: 9876}}
          - {{name: ns2, kind: namesrv, host: local, port: 9877}}
          - {{name: broker-a, kind: broker, host: local, port: 10911, broker_name: broker-a, config: /etc/a.properties}}
        """)
    cluster = parse_cluster(text, str(tmp_path / "c.yaml"))
    nodes = OneJvm(cluster, BackendPool(cluster))
    return LogService(cluster, nodes), nodes, cluster.node("broker-a")


async def test_the_running_jvms_edited_xml_decides_paths_and_layouts(tmp_path: Path) -> None:
    xml = (DATA / "logback/5.5.0/rmq.broker.logback.xml").read_text()
    stock = "<pattern>%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n</pattern>"
    assert xml.count(stock) == 17
    # an operator's copy: broker.log (the second appender with this pattern) with milliseconds in UTC
    first = xml.index(stock, xml.index("broker.log"))
    edited = (
        xml[:first] + "<pattern>%d{yyyy-MM-dd HH:mm:ss.SSS,UTC} %-5p [%t] %m%n</pattern>" + xml[first + len(stock) :]
    )
    (tmp_path / "edited.xml").write_text(edited)
    logs, nodes, broker = service(tmp_path)
    home = tmp_path / "jvm-home"
    (home / "logs/rocketmqlogs").mkdir(parents=True)
    for name in ("store.log", "watermark.log"):  # written by now (a file is listed once it exists)
        (home / "logs/rocketmqlogs" / name).write_text("")
    nodes.argv = ("java", f"-Duser.home={home}", f"-Drmq.logback.configurationFile={tmp_path}/edited.xml", "Main")
    listed = {f.name: f for f, _ in await logs.files(broker)}
    main = listed["broker.log"]
    assert main.path == f"{home}/logs/rocketmqlogs/broker.log"
    fmt = main.format
    assert fmt.origin == f"{tmp_path}/edited.xml" and not fmt.assumed
    assert fmt.millis and fmt.zone is not None and fmt.zone.utcoffset(None) == timedelta(0)
    line = "2026-11-30 05:22:05.123 ERROR [brokerOutApi_thread_2] Failed to register"
    assert fmt.classify(line) == (Level.ERROR, True)
    assert fmt.time(line) == datetime.fromisoformat("2026-11-30T05:22:05.123+00:00").timestamp()
    # the other files keep the XML's own patterns
    assert listed["store.log"].format.pattern == "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n"
    assert listed["watermark.log"].format.pattern == "%d{yyy-MM-dd HH:mm:ss,GMT+8} - %m%n"
    stdout = listed["stdout.log"].format
    assert stdout.kind == "stdout" and stdout.pattern == "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n"


async def test_a_stopped_node_is_read_with_the_installations_xml(tmp_path: Path) -> None:
    conf = tmp_path / "rocketmq" / "conf"
    conf.mkdir(parents=True)
    shutil.copy(DATA / "logback/5.5.0/rmq.broker.logback.xml", conf)
    logs, _, broker = service(tmp_path)
    listed = await logs.files(broker)
    main = listed[0][0]
    assert main.name == "broker.log" and main.path == f"{tmp_path}/work/broker-a/logs/rocketmqlogs/broker.log"
    assert main.format.origin == f"{conf}/rmq.broker.logback.xml" and main.format.zone_label == "GMT+8"


async def test_nodes_sharing_the_installations_xml_each_get_their_own_paths(tmp_path: Path) -> None:
    conf = tmp_path / "rocketmq" / "conf"
    conf.mkdir(parents=True)
    shutil.copy(DATA / "logback/5.5.0/rmq.namesrv.logback.xml", conf)
    logs, _, _ = service(tmp_path)
    first = (await logs.files(logs.cluster.node("ns")))[0][0]
    second = (await logs.files(logs.cluster.node("ns2")))[0][0]
    assert first.path == f"{tmp_path}/work/ns/logs/rocketmqlogs/namesrv.log"
    assert second.path == f"{tmp_path}/work/ns2/logs/rocketmqlogs/namesrv.log"
    assert first.format.origin == second.format.origin == f"{conf}/rmq.namesrv.logback.xml"


async def test_without_a_readable_xml_the_stock_layout_is_assumed_and_why(tmp_path: Path) -> None:
    logs, _, broker = service(tmp_path)
    main = (await logs.files(broker))[0][0]
    assert main.format.assumed
    assert (
        "RocketMQ 5.5.0 default" in main.format.origin and "rmq.broker.logback.xml does not exist" in main.format.origin
    )
    assert main.format.classify("2026-11-30 13:22:05 ERROR brokerOutApi_thread_2 - x") == (Level.ERROR, True)


async def test_4x_reads_conf_logback_broker_xml(tmp_path: Path) -> None:
    conf = tmp_path / "rocketmq" / "conf"
    conf.mkdir(parents=True)
    shutil.copy(DATA / "logback/4.9.7/logback_broker.xml", conf)
    logs, _, broker = service(tmp_path, version="4.9.7")
    listed = await logs.files(broker)
    main, stdout = listed[0][0], next(f for f, _ in listed if f.name == "stdout.log")
    # 4.9.7 puts the files under rocketmqlogs/${brokerLogDir}/ ("" unless isolateLogEnable)
    assert main.path == f"{tmp_path}/work/broker-a/logs/rocketmqlogs/broker.log"
    assert main.format.origin == f"{conf}/logback_broker.xml" and main.format.zone_label == "GMT+8"
    assert stdout.format.pattern == r"%d{yyy-MM-dd HH\:mm\:ss,GMT+8} %p %t - %m%n"


async def test_a_pattern_without_zone_takes_the_jvms_zone(tmp_path: Path) -> None:
    conf = tmp_path / "rocketmq" / "conf"
    conf.mkdir(parents=True)
    xml = (DATA / "logback/5.5.0/rmq.broker.logback.xml").read_text()
    (conf / "rmq.broker.logback.xml").write_text(xml.replace("HH:mm:ss,GMT+8}", "HH:mm:ss}"))
    logs, nodes, broker = service(tmp_path)
    main = (await logs.files(broker))[0][0]
    assert main.format.zone is None
    nodes.argv = (
        "java",
        "-Duser.timezone=Asia/Tokyo",
        f"-Drmq.logback.configurationFile={conf}/rmq.broker.logback.xml",
    )
    tokyo = await logs.resolve_zone(broker, main.format)
    assert "-Duser.timezone=Asia/Tokyo" in tokyo.zone_label
    assert (
        tokyo.time("2026-11-30 14:22:05 INFO main - x")
        == datetime.fromisoformat("2026-11-30T05:22:05+00:00").timestamp()
    )
    nodes.argv = None  # no JVM: the host's offset (`date +%z` through the backend)
    host = await logs.resolve_zone(broker, main.format)
    assert host.zone is not None and "host local" in host.zone_label


async def test_last_entries_reads_back_across_blocks_and_keeps_traces_whole(tmp_path: Path) -> None:
    logs, _, broker = service(tmp_path)
    log_dir = tmp_path / "work/broker-a/logs/rocketmqlogs"
    log_dir.mkdir(parents=True)
    shutil.copy(DATA / "logs/5.5.0/broker.log", log_dir / "broker.log")
    main = (await logs.files(broker))[0][0]
    lines = (log_dir / "broker.log").read_text().replace("\t", "    ").splitlines()
    starts = [i for i, line in enumerate(lines) if " ERROR " in line[:30]]
    errors = [lines[i : i + 9] for i in starts]
    for chunk in (7, 50, 2000):  # entries cut by block edges are still found whole
        entries, end, gave_up = await logs.last_entries(broker, main, 2, Level.ERROR, chunk=chunk)
        assert entries == errors[-2:] and end == (log_dir / "broker.log").stat().st_size and not gave_up
    entries, _, gave_up = await logs.last_entries(broker, main, 10, Level.ERROR, chunk=50, max_lines=100)
    assert gave_up and entries == []  # the last 100 lines hold no ERROR: the search says it gave up
