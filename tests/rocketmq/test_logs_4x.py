"""Real RocketMQ 4.9.7 output (tests/data/logs/4.9.7, see its README): boot lines, levels,
continuation lines and the JDK 17 unmapping failure, as rocketui reads them."""

from __future__ import annotations

from pathlib import Path

from rocketui.model.cluster import NodeKind
from rocketui.rocketmq.layout import BOOT_LINE
from rocketui.rocketmq.logs import Level, has_timestamp, line_level, line_time

DATA = Path(__file__).parent.parent / "data" / "logs" / "4.9.7"


def lines(name: str) -> list[str]:
    return (DATA / name).read_text().splitlines()


def test_boot_lines_of_both_kinds() -> None:
    assert any(BOOT_LINE[NodeKind.NAMESRV].search(line) for line in lines("namesrv-stdout.log"))
    assert any(BOOT_LINE[NodeKind.BROKER].search(line) for line in lines("broker-stdout.log"))
    assert any(BOOT_LINE[NodeKind.BROKER].search(line) for line in lines("broker.log"))


def test_levels_and_continuations_of_the_real_broker_log() -> None:
    broker = lines("broker.log")
    levels = [line_level(line) for line in broker]
    assert levels.count(Level.WARN) == 2 and levels.count(Level.INFO) > 50
    # the stack traces under the two WARN lines belong to them
    trace = [line for line in broker if line.startswith(("\tat ", "org.apache.rocketmq.remoting.exception"))]
    assert trace and not any(has_timestamp(line) for line in trace)
    assert all(line_level(line) is not Level.NONE for line in broker if has_timestamp(line))


def test_time_is_gmt8_without_milliseconds() -> None:
    first = lines("namesrv.log")[0]
    assert first.startswith("2026-11-30 13:07:29 INFO main - ")
    assert line_time(first) == 1796015249.0  # 05:07:29 UTC


def test_watermark_lines_carry_no_level() -> None:
    assert all(has_timestamp(line) and line_level(line) == Level.NONE for line in lines("watermark.log"))


def test_the_jdk17_unmapping_failure_is_explained() -> None:
    text = (DATA / "broker-stdout-jdk17-without-module-options.log").read_text()
    assert 'module java.base does not "opens java.nio" to unnamed module' in text
    assert any(line_level(line) == Level.ERROR for line in text.splitlines())
