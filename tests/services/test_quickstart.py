"""Streaming a host command (both the local pipe and the detached-file path) and counting the
quickstart clients' output; shell stand-ins, no JVM (the real clients run in test_mq_integration)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from rocketui.backends.base import Command, capture_commands
from rocketui.backends.local import LocalBackend
from rocketui.backends.stream import stream_detached, stream_local
from rocketui.model.loader import parse_cluster
from rocketui.services.quickstart import CONSUMER_CLASS, PRODUCER_CLASS, Which, _Counter, quickstart_command

SEND_OK = (
    "SendResult [sendStatus=SEND_OK, msgId=FD00000000000000000000000000000275F6130946E097CF9F4DF03E5, "
    "offsetMsgId=7F00000100008477000000000004079F, messageQueue=MessageQueue [topic=TopicTest, "
    "brokerName=broker-m, queueId=3], queueOffset=249, recallHandle=null]"
)
RECEIVED = (
    "ConsumeMessageThread_please_rename_unique_group_name_4_3 Receive New Messages: [MessageExt "
    "[brokerName=broker-m, queueId=0, storeSize=240, queueOffset=12, sysFlag=0, ...], body=[72, 101]]] "
)


def sh(script: str) -> Command:
    return Command.of(["sh", "-c", script])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def wait_gone(pid: int) -> bool:
    for _ in range(100):
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_local_stream_is_recorded_once_for_the_journal() -> None:
    captured: list[str] = []
    with capture_commands(captured):
        await stream_local(LocalBackend(), sh("echo hi"), lambda _: None)
    assert captured == ["local: sh -c 'echo hi'"]


async def test_local_stream_delivers_lines_and_exit_status() -> None:
    lines: list[str] = []
    result = await stream_local(LocalBackend(), sh("echo one; echo two >&2; printf 'three'; exit 3"), lines.append)
    assert lines == ["one", "two", "three"]
    assert (result.exit_status, result.stopped, result.lines) == (3, None, 3)


async def test_local_stream_stop_kills_the_whole_group() -> None:
    pids: list[int] = []

    def on_line(line: str) -> bool:
        pids.append(int(line))
        return True

    # the child that prints its pid is a grandchild, like java under `sh tools.sh`
    result = await stream_local(LocalBackend(), sh("sh -c 'echo $$; exec sleep 60'; sleep 60"), on_line)
    assert result.stopped == "requested" and result.exit_status is None
    assert await wait_gone(pids[0])


async def test_local_stream_timeout_and_cancel_stop_the_process(tmp_path: Path) -> None:
    result = await stream_local(LocalBackend(), sh("echo $$; exec sleep 60"), lambda line: None, timeout=0.5)
    assert result.stopped == "timeout" and result.lines == 1
    pid_file = tmp_path / "pid"
    task = asyncio.create_task(
        stream_local(LocalBackend(), sh(f"echo $$ > {pid_file}; exec sleep 60"), lambda line: None)
    )
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await wait_gone(int(pid_file.read_text()))


async def test_detached_stream_reads_the_file_and_the_exit_marker(tmp_path: Path) -> None:
    lines: list[str] = []
    out = str(tmp_path / "out.log")
    result = await stream_detached(
        LocalBackend(), sh("for i in 1 2 3; do echo line $i; sleep 0.05; done; exit 4"), lines.append, output=out
    )
    assert lines == ["line 1", "line 2", "line 3"]
    assert (result.exit_status, result.stopped) == (4, None)


async def test_detached_stream_stop_signals_the_group(tmp_path: Path) -> None:
    pids: list[int] = []

    def on_line(line: str) -> bool:
        pids.append(int(line))
        return True

    result = await stream_detached(
        LocalBackend(),
        sh("sh -c 'echo $$; exec sleep 60'; sleep 60"),
        on_line,
        output=str(tmp_path / "out.log"),
        grace=2.0,
    )
    assert result.stopped == "requested" and result.exit_status is None
    assert await wait_gone(pids[0])


def test_counting_producer_and_consumer_output() -> None:
    producer = _Counter(Which.PRODUCER, None, None)
    for line in [
        SEND_OK,
        SEND_OK,
        SEND_OK.replace("SEND_OK", "FLUSH_DISK_TIMEOUT"),
        "org.apache.rocketmq.client.exception.MQClientException: No route info of this topic: TopicTest",
        "\tat org.apache.rocketmq.client.impl.producer.DefaultMQProducerImpl.sendDefaultImpl(...)",
        "06:25:51,544 |-INFO in ch.qos.logback.classic.LoggerContext[default] - Found resource",
    ]:
        assert producer(line) is False
    assert (producer.send_ok, producer.send_failed) == (2, 2)
    seen: list[str] = []
    consumer = _Counter(Which.CONSUMER, 3, seen.append)
    assert [consumer("Consumer Started."), consumer(RECEIVED), consumer(RECEIVED + RECEIVED)] == [False, False, True]
    assert consumer.received == 3 and len(seen) == 3


def test_quickstart_command_uses_the_cluster_namesrvs() -> None:
    cluster = parse_cluster(
        """\
cluster: C
rocketmq: {home: /opt/rocketmq, version: "5.5.0", java_home: /opt/jdk17}
work_dir: /tmp/x
hosts:
  local: {backend: local, address: 127.0.0.1}
topology: {masters: 1, namesrvs: 2}
""",
        "/c.yaml",
    )
    cmd = quickstart_command(cluster, "local", "/opt/rocketmq", Which.PRODUCER, java_opt="-Duser.home=/tmp/u")
    assert cmd.argv == ("sh", "/opt/rocketmq/bin/tools.sh", PRODUCER_CLASS)
    assert dict(cmd.env) == {
        "NAMESRV_ADDR": cluster.namesrv_addr(),
        "ROCKETMQ_HOME": "/opt/rocketmq",
        "JAVA_HOME": "/opt/jdk17",
        "JAVA_OPT": "-Duser.home=/tmp/u",
    }
    assert ";" in cluster.namesrv_addr()
    assert quickstart_command(cluster, "local", "/opt/rocketmq", Which.CONSUMER).argv[-1] == CONSUMER_CLASS


def cluster_on(home: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    return parse_cluster(
        f"""\
cluster: C
rocketmq: {{home: {home}, version: "4.9.7"}}
work_dir: {tmp_path / "work"}
hosts:
  local: {{backend: local, address: 127.0.0.1}}
topology: {{masters: 1, namesrvs: 1}}
""",
        str(tmp_path / "c.yaml"),
    )


async def test_no_example_jar_refuses_before_running_anything(tmp_path: Path) -> None:
    """An assembled 4.9.7 (Maven Central has no rocketmq-example 4.9.7): one clear line, no command."""
    from rocketui.backends.factory import BackendPool
    from rocketui.services.quickstart import QuickstartUnavailable, run_quickstart, unavailable_reason

    home = tmp_path / "rocketmq-4.9.7"
    (home / "lib").mkdir(parents=True)
    (home / "lib" / "rocketmq-broker-4.9.7.jar").write_bytes(b"")
    cluster = cluster_on(home, tmp_path)
    pool = BackendPool(cluster)
    ran: list[str] = []
    try:
        with capture_commands(ran), pytest.raises(QuickstartUnavailable) as info:
            await run_quickstart(cluster, pool, Which.PRODUCER)
        assert ran == []
        message = str(info.value)
        assert message.startswith("quickstart unavailable: RocketMQ 4.9.7 at ") and "\n" not in message
        assert "no rocketmq-example jar" in message
        (home / "lib" / "rocketmq-example-4.9.7.jar").write_bytes(b"")  # an official 4.9.7 zip has it
        assert await unavailable_reason(cluster, pool) is None
    finally:
        await pool.close_all()
