"""What a running node's main log got since the last look (the events pane's WARN/ERROR counts),
read through the real local backend from a broker.log written with the real bytes of a 5.5.0
broker (tests/data/logs/5.5.0/broker.log): bounded reads, the first look only noting the end,
rotation and truncation read from byte 0, a line being written waiting for its newline."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from rocketui.backends.factory import BackendPool
from rocketui.model.cluster import Node
from rocketui.model.loader import parse_cluster
from rocketui.rocketmq.logs import display_lines
from rocketui.services.log_appended import AppendedReader
from rocketui.services.logs import LogService
from rocketui.services.nodes import NodeService

REAL = (Path(__file__).resolve().parents[1] / "data" / "logs" / "5.5.0" / "broker.log").read_bytes()
LINES = REAL.splitlines(keepends=True)  # 543 lines: the registration ERRORs with traces from line 335


class NoJvm(NodeService):
    async def find(self, node: Node, processes: object = None) -> None:  # type: ignore[override]
        return None  # the installation's XML (absent here): the stock layout


class ReadCounting(LogService):
    """The real service, its backend counting bytes read and refusing whole-file reads."""

    read = 0

    def backend(self, node: Node):  # type: ignore[no-untyped-def]
        backend = super().backend(node)
        if getattr(backend, "counted", False):
            return backend
        backend.counted = True  # type: ignore[attr-defined]
        service = self
        original = backend.read_range

        async def read_range(path: str, offset: int, length: int) -> bytes:
            data = await original(path, offset, length)
            service.read += len(data)
            return data

        async def read_file(path: str) -> bytes:
            raise AssertionError(f"{path} read whole")

        backend.read_range = read_range  # type: ignore[method-assign]
        backend.read_file = read_file  # type: ignore[method-assign]
        return backend


def reader(tmp_path: Path, cap: int = 256 * 1024) -> tuple[AppendedReader, ReadCounting, Node, Path]:
    text = textwrap.dedent(f"""\
        cluster: Appended
        rocketmq: {{home: {tmp_path}/rocketmq, version: "5.5.0"}}
        work_dir: {tmp_path}/work
        hosts:
          local: {{backend: local, address: 127.0.0.1}}
        nodes:
          - {{name: ns, kind: namesrv, host: local, port: 9876}}
          - {{name: broker-a, kind: broker, host: local, port: 10911, broker_name: broker-a, config: /etc/a.properties}}
        """)
    cluster = parse_cluster(text, str(tmp_path / "c.yaml"))
    logs = ReadCounting(cluster, NoJvm(cluster, BackendPool(cluster)))
    node = cluster.node("broker-a")
    log = Path(cluster.log_dir(node)) / "broker.log"
    log.parent.mkdir(parents=True)
    return AppendedReader(logs, cap=cap), logs, node, log


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


async def test_only_lines_appended_since_the_last_look_are_read(tmp_path: Path) -> None:
    appended, logs, node, log = reader(tmp_path)
    log.write_bytes(b"".join(LINES[:300]))
    assert await appended.read([(node, 4242)], 100.0) == []  # the first look: where it ends, nothing counted
    assert logs.read == 0
    append(log, b"".join(LINES[300:]))
    (got,) = await appended.read([(node, 4242)], 105.0)
    assert got.node == "broker-a" and got.log.name == "broker.log" and got.seconds == 5.0
    assert got.lines == display_lines(b"".join(LINES[300:])) and got.lines[34].startswith("2026-11-30 13:22:05 ERROR")
    assert (got.read, got.skipped, got.restarted) == (len(REAL) - len(b"".join(LINES[:300])), 0, "")
    assert logs.read == got.read
    (nothing,) = await appended.read([(node, 4242)], 110.0)
    assert nothing.lines == [] and nothing.read == 0


async def test_a_line_being_written_waits_for_its_newline(tmp_path: Path) -> None:
    appended, _, node, log = reader(tmp_path)
    log.write_bytes(b"".join(LINES[:10]))
    await appended.read([(node, 1)], 0.0)
    line = LINES[334]  # the first ERROR line
    append(log, LINES[10] + line[:40])
    (got,) = await appended.read([(node, 1)], 5.0)
    assert got.lines == display_lines(LINES[10])
    append(log, line[40:])
    (got,) = await appended.read([(node, 1)], 10.0)
    assert got.lines == display_lines(line)


async def test_more_than_the_cap_reads_only_the_newest_complete_lines_and_says_so(tmp_path: Path) -> None:
    appended, logs, node, log = reader(tmp_path, cap=4096)
    log.write_bytes(b"")
    await appended.read([(node, 1)], 0.0)
    append(log, REAL)
    (got,) = await appended.read([(node, 1)], 5.0)
    assert got.read == 4096 and logs.read == 4096
    assert got.lines == display_lines(REAL)[-len(got.lines) :]  # whole lines: the cut one left out
    assert got.skipped == len(REAL) - len(b"".join(LINES[-len(got.lines) :])) > len(REAL) - 4096
    append(log, LINES[0])
    (later,) = await appended.read([(node, 1)], 10.0)
    assert later.lines == display_lines(LINES[0]) and later.skipped == 0  # went on from the end


async def test_a_rotated_or_truncated_log_is_read_from_its_start(tmp_path: Path) -> None:
    appended, _, node, log = reader(tmp_path)
    log.write_bytes(b"".join(LINES[:100]))
    await appended.read([(node, 1)], 0.0)
    os.rename(log, log.with_name("broker.0.log"))  # as logback's rolling appender does
    log.write_bytes(b"".join(LINES[330:340]))
    (got,) = await appended.read([(node, 1)], 5.0)
    assert got.restarted == "rotated" and got.lines == display_lines(b"".join(LINES[330:340]))
    with open(log, "r+b") as f:
        f.truncate(0)
    append(log, LINES[334])
    (got,) = await appended.read([(node, 1)], 10.0)
    assert got.restarted == "truncated" and got.lines == display_lines(LINES[334])


async def test_a_restarted_jvm_goes_on_in_the_same_file_and_a_missing_one_appears(tmp_path: Path) -> None:
    appended, _, node, log = reader(tmp_path)
    assert await appended.read([(node, 1)], 0.0) == []  # no broker.log yet
    (none,) = await appended.read([(node, 1)], 5.0)
    assert none.lines == []
    log.write_bytes(b"".join(LINES[:5]))  # created: read from its start
    (got,) = await appended.read([(node, 1)], 10.0)
    assert got.lines == display_lines(b"".join(LINES[:5]))
    append(log, LINES[5])
    (got,) = await appended.read([(node, 2)], 15.0)  # another pid: the same file, from where it was
    assert got.lines == display_lines(LINES[5])


async def test_a_look_stats_the_logs_of_one_host_in_one_request(tmp_path: Path) -> None:
    # After the first look, each look asks a host once for the stat of all its nodes' logs (a
    # fleet look is one round trip per host), and reads only the logs that grew.
    appended, logs, node, log = reader(tmp_path)
    namesrv = logs.cluster.node("ns")
    ns_log = Path(logs.cluster.log_dir(namesrv)) / "namesrv.log"
    ns_log.parent.mkdir(parents=True, exist_ok=True)
    ns_log.write_bytes(b"")
    log.write_bytes(b"".join(LINES[:10]))
    backend = logs.backend(node)
    asked: list[list[str]] = []
    single: list[str] = []
    stat_many, stat = backend.stat_many, backend.stat

    inside = [False]

    async def counted_many(paths: list[str]) -> list[object]:
        asked.append(list(paths))
        inside[0] = True  # the local backend's stat_many is a loop over stat
        try:
            return await stat_many(paths)
        finally:
            inside[0] = False

    async def counted(path: str) -> object:
        if not inside[0]:
            single.append(path)
        return await stat(path)

    backend.stat_many = counted_many  # type: ignore[method-assign,assignment]
    backend.stat = counted  # type: ignore[method-assign,assignment]
    nodes = [(namesrv, 11), (node, 22)]
    assert await appended.read(nodes, 100.0) == []  # first look: each node's log found and noted
    # ... by its XML and one stat of the main log: the node's other logs are neither listed nor
    # stat'ed (a fleet's first look was ~10 requests per node)
    assert asked == [] and sorted(Path(p).suffix for p in single) == [".log", ".log", ".xml", ".xml"], single
    single.clear()
    append(log, b"".join(LINES[10:20]))
    got = await appended.read(nodes, 105.0)
    assert asked == [[str(ns_log), str(log)]] and single == []
    assert [(a.node, len(a.lines) > 0) for a in got] == [("ns", False), ("broker-a", True)]
