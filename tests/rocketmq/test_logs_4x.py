"""Real RocketMQ 4.9.7 output (tests/data/logs/4.9.7, see its README): boot lines, levels,
continuation lines and the JDK 17 unmapping failure, as rocketui reads them with the layouts of
4.9.7's own logback XMLs (tests/data/logback/4.9.7)."""

from __future__ import annotations

from pathlib import Path

from rocketui.model.cluster import NodeKind
from rocketui.rocketmq.layout import BOOT_LINE
from rocketui.rocketmq.log_format import Level, compile_pattern, stdout_format
from rocketui.rocketmq.logs import logback_layouts
from tests.rocketmq.test_log_format import layout

DATA = Path(__file__).parent.parent / "data" / "logs" / "4.9.7"


def lines(name: str) -> list[str]:
    return (DATA / name).read_text().splitlines()


def test_boot_lines_of_both_kinds() -> None:
    assert any(BOOT_LINE[NodeKind.NAMESRV].search(line) for line in lines("namesrv-stdout.log"))
    assert any(BOOT_LINE[NodeKind.BROKER].search(line) for line in lines("broker-stdout.log"))
    assert any(BOOT_LINE[NodeKind.BROKER].search(line) for line in lines("broker.log"))


BROKER = layout("4.9.7/logback_broker.xml", "broker.log")


def test_levels_and_continuations_of_the_real_broker_log() -> None:
    broker = lines("broker.log")
    levels = [BROKER.level(line) for line in broker]
    assert levels.count(Level.WARN) == 2 and levels.count(Level.INFO) > 50
    # the stack traces under the two WARN lines belong to them
    trace = [line for line in broker if line.startswith(("\tat ", "org.apache.rocketmq.remoting.exception"))]
    assert trace and not any(BROKER.is_header(line) for line in trace)
    assert all(BROKER.level(line) is not Level.NONE for line in broker if BROKER.is_header(line))


def test_time_is_gmt8_without_milliseconds() -> None:
    namesrv = layout("4.9.7/logback_namesrv.xml", "namesrv.log")
    first = lines("namesrv.log")[0]
    assert first.startswith("2026-11-30 13:07:29 INFO main - ")
    assert not namesrv.millis and namesrv.time(first) == 1796015249.0  # 05:07:29 UTC


def test_watermark_lines_carry_no_level() -> None:
    watermark = layout("4.9.7/logback_broker.xml", "watermark.log")
    assert all(watermark.classify(line) == (Level.NONE, True) for line in lines("watermark.log"))


def test_the_console_keeps_the_backslashes_of_the_official_pattern() -> None:
    """`%d{yyy-MM-dd HH\\:mm\\:ss,GMT+8}`: logback keeps an unquoted option's backslash, so the
    console (stdout) prints `14\\:04\\:29`; the layout compiled from the XML reads it as it is."""
    xml = (DATA.parent.parent / "logback/4.9.7/logback_broker.xml").read_text()
    console = logback_layouts(xml, {"user.home": "/h", "brokerLogDir": ""}).console
    assert console is not None
    fmt = stdout_format(compile_pattern(console, origin="4.9.7"))
    printed = [line for line in lines("broker-p-console.txt") if fmt.classify(line) == (Level.INFO, True)]
    assert printed and all("\\:" in line[:20] and fmt.time(line) is not None for line in printed)


def test_the_jdk17_unmapping_failure_is_explained() -> None:
    text = (DATA / "broker-stdout-jdk17-without-module-options.log").read_text()
    assert 'module java.base does not "opens java.nio" to unnamed module' in text
    stdout = stdout_format(layout("4.9.7/logback_broker.xml", "broker.log"))
    assert any(stdout.level(line) == Level.ERROR for line in text.splitlines())
