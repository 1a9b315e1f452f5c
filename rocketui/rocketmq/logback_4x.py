"""conf/logback_namesrv.xml, logback_broker.xml and logback_tools.xml for a 4.x distribution
assembled by rocketui (the 4.x jars carry no logback XML, and the namesrv/broker exit -1 without
theirs: their mains load `$ROCKETMQ_HOME/conf/logback_<name>.xml` themselves).

Written from a table, not copied: the same file names, logger names, sizes and line pattern as
the 4.x distribution (`%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n`: no milliseconds, GMT+8), so
logs land where operators of 4.x expect them: `${user.home}/logs/rocketmqlogs/`, the broker's
under `${brokerLogDir}` (empty, or `<brokerName>_<brokerId>` with isolateLogEnable).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

LINE = "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n"
STATS_LINE = "%d{yyy-MM-dd HH:mm:ss,GMT+8} %p - %m%n"
BARE_LINE = "%d{yyy-MM-dd HH:mm:ss,GMT+8} - %m%n"
CONSOLE_LINE = r"%d{yyy-MM-dd HH\:mm\:ss,GMT+8} %p %t - %m%n"


@dataclass(frozen=True)
class LogFile:
    name: str  # file name without .log
    loggers: tuple[str, ...]  # loggers writing only here (additivity off); () = the root logger
    max_size: str = "100MB"
    max_index: int = 10
    pattern: str = LINE
    asynchronous: bool = True


NAMESRV = (
    LogFile("namesrv_default", (), max_index=5, asynchronous=False),
    LogFile("namesrv", ("RocketmqNamesrv", "RocketmqCommon", "RocketmqRemoting"), max_index=5),
)
BROKER = (
    LogFile("broker_default", (), asynchronous=False),
    LogFile("broker", ("RocketmqBroker", "RocketmqCommon"), "128MB", 20),
    LogFile("protection", ("RocketmqProtection",), pattern=BARE_LINE),
    LogFile("watermark", ("RocketmqWaterMark",), pattern=BARE_LINE),
    LogFile("store", ("RocketmqStore",), "128MB"),
    LogFile("remoting", ("RocketmqRemoting",)),
    LogFile("storeerror", ("RocketmqStoreError",)),
    LogFile("transaction", ("RocketmqTransaction",)),
    LogFile("lock", ("RocketmqRebalanceLock",), max_index=5),
    LogFile("filter", ("RocketmqFilter",)),
    LogFile("stats", ("RocketmqStats",), max_index=5, pattern=STATS_LINE, asynchronous=False),
    LogFile("commercial", ("RocketmqCommercial",), "500MB", asynchronous=False),
)
TOOLS = (
    LogFile("tools_default", (), max_index=5, asynchronous=False),
    LogFile("tools", ("RocketmqTools", "RocketmqCommon", "RocketmqRemoting", "RocketmqStore"), max_index=5),
)
# component -> (files, console logger)
COMPONENTS: dict[str, tuple[tuple[LogFile, ...], str | None]] = {
    "namesrv": (NAMESRV, "RocketmqNamesrvConsole"),
    "broker": (BROKER, "RocketmqConsole"),
    "tools": (TOOLS, None),
}


def _appender(f: LogFile, directory: str) -> list[str]:
    name = f"file_{f.name}"
    out = [
        f'  <appender name="{name}" class="ch.qos.logback.core.rolling.RollingFileAppender">',
        f"    <file>{directory}/{f.name}.log</file>",
        "    <append>true</append>",
        '    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">',
        f"      <fileNamePattern>{directory.replace('/rocketmqlogs', '/rocketmqlogs/otherdays', 1)}"
        f"/{f.name}.%i.log.gz</fileNamePattern>",
        "      <minIndex>1</minIndex>",
        f"      <maxIndex>{f.max_index}</maxIndex>",
        "    </rollingPolicy>",
        '    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">',
        f"      <maxFileSize>{f.max_size}</maxFileSize>",
        "    </triggeringPolicy>",
        f"    <encoder><pattern>{escape(f.pattern)}</pattern><charset>UTF-8</charset></encoder>",
        "  </appender>",
    ]
    if f.asynchronous:  # the logging thread never waits for the disk
        out += [
            f'  <appender name="async_{f.name}" class="ch.qos.logback.classic.AsyncAppender">',
            f'    <appender-ref ref="{name}"/>',
            "  </appender>",
        ]
    return out


def logback_xml(component: str) -> str:
    """The XML text for 'namesrv', 'broker' or 'tools'."""
    files, console = COMPONENTS[component]
    directory = "${user.home}/logs/rocketmqlogs" + ("/${brokerLogDir}" if component == "broker" else "")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- RocketMQ 4.x {component} logging, written by rocketui install: the layout of the 4.x",
        "     distribution (same files, loggers and line pattern). Edit freely; rocketui reads the",
        "     <file> paths from here. -->",
        "<configuration>",
    ]
    for f in files:
        lines += _appender(f, directory)
    if console:
        lines += [
            '  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">',
            f"    <encoder><pattern>{escape(CONSOLE_LINE)}</pattern><charset>UTF-8</charset></encoder>",
            "  </appender>",
        ]
    root = None
    for f in files:
        ref = f"async_{f.name}" if f.asynchronous else f"file_{f.name}"
        if not f.loggers:
            root = ref
        for logger in f.loggers:
            lines += [
                f'  <logger name="{logger}" additivity="false">',
                '    <level value="INFO"/>',
                f'    <appender-ref ref="{ref}"/>',
                "  </logger>",
            ]
    if console:
        lines += [
            f'  <logger name="{console}" additivity="false">',
            '    <level value="INFO"/>',
            '    <appender-ref ref="STDOUT"/>',
            "  </logger>",
        ]
    lines += [
        "  <root>",
        '    <level value="INFO"/>',
        f'    <appender-ref ref="{root}"/>',
        "  </root>",
        "</configuration>",
    ]
    return "\n".join(lines) + "\n"


def conf_files() -> dict[str, str]:
    """conf/ file name -> text, for every 4.x component."""
    return {f"logback_{c}.xml": logback_xml(c) for c in COMPONENTS}
