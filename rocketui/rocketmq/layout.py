"""Facts about the RocketMQ binary distribution that rocketui relies on.

Pure data and small pure functions: script names, main classes, boot lines,
log file names, and how to recognise a RocketMQ JVM from its argv.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rocketui.model.cluster import BROKER_DEFAULT_PORT, DEFAULT_VERSION, NAMESRV_DEFAULT_PORT, NodeKind

__all__ = ["BROKER_DEFAULT_PORT", "DEFAULT_VERSION", "NAMESRV_DEFAULT_PORT"]


NAMESRV_MAIN = "org.apache.rocketmq.namesrv.NamesrvStartup"
BROKER_MAIN = "org.apache.rocketmq.broker.BrokerStartup"
PROXY_MAIN = "org.apache.rocketmq.proxy.ProxyStartup"
MQADMIN_MAIN = "org.apache.rocketmq.tools.command.MQAdminStartup"
QUICKSTART_PRODUCER = "org.apache.rocketmq.example.quickstart.Producer"
QUICKSTART_CONSUMER = "org.apache.rocketmq.example.quickstart.Consumer"

MAIN_CLASS = {NodeKind.NAMESRV: NAMESRV_MAIN, NodeKind.BROKER: BROKER_MAIN}
START_SCRIPT = {NodeKind.NAMESRV: "bin/mqnamesrv", NodeKind.BROKER: "bin/mqbroker"}
JVM_SCRIPT = {NodeKind.NAMESRV: "bin/runserver.sh", NodeKind.BROKER: "bin/runbroker.sh"}
MAIN_LOG = {NodeKind.NAMESRV: "namesrv.log", NodeKind.BROKER: "broker.log"}


# "The Name Server boot success. serializeType=JSON, address 0.0.0.0:9876"
# "The broker[broker-a, 127.0.0.1:10911] boot success. serializeType=JSON and name server is ..."
BOOT_LINE = {
    NodeKind.NAMESRV: re.compile(r"The Name Server boot success"),
    NodeKind.BROKER: re.compile(r"The broker\[[^\]]*\] boot success"),
}

# Lines in captured stdout/stderr that explain a failed start, with a short reason.
FAILURE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Address already in use"), "port already in use"),
    (
        re.compile(r"Lock failed,\s*MQ already started"),
        "store directory locked by another broker (Lock failed, MQ already started)",
    ),
    (re.compile(r"Please set the ROCKETMQ_HOME"), "ROCKETMQ_HOME is not set"),
    (re.compile(r"Please set the JAVA_HOME"), "no Java found (set java_home)"),
    (re.compile(r"Slave's brokerId must be > 0"), "slave brokerId must be > 0"),
    (re.compile(r"The Name Server Address\[.*\] illegal"), "illegal namesrv address"),
    (
        re.compile(r"insufficient memory for the Java Runtime|os::commit_memory|Cannot allocate memory"),
        "JVM could not allocate memory (lower the heap)",
    ),
    (
        re.compile(
            r"Unrecognized VM option|Could not create the Java Virtual Machine"
            r"|Invalid maximum heap size|Invalid initial heap size"
        ),
        "JVM refused its options",
    ),
    (re.compile(r"OutOfMemoryError"), "JVM ran out of memory"),
    (re.compile(r"^#\s+(SIG[A-Z]+ \(0x[0-9a-f]+\)|Internal Error|Out of Memory Error)"), "the JVM crashed"),
    (
        re.compile(r"GC triggered before VM initialization completed|Too small (initial|maximum) heap"),
        "the heap is too small for the JVM to start",
    ),
    (re.compile(r"No such file or directory|FileNotFoundException"), "a file was not found"),
)


def explain_failure(text: str) -> list[str]:
    """The telling lines of a failed start, each prefixed with its short reason."""
    found: list[str] = []
    for line in text.splitlines():
        for pattern, reason in FAILURE_PATTERNS:
            if pattern.search(line):
                found.append(f"{reason}: {line.strip()[:300]}")
                break
    return found


# JVM options whose next argv word is a value, not the main class.
_OPTS_WITH_VALUE = {
    "-cp",
    "-classpath",
    "--class-path",
    "-p",
    "--module-path",
    "--add-opens",
    "--add-exports",
    "--add-modules",
    "--add-reads",
    "-jar",
}


@dataclass(frozen=True)
class JavaCommand:
    """A parsed `java` argv: system properties, main class, program arguments."""

    main_class: str | None
    system_properties: dict[str, str]
    args: tuple[str, ...]

    def option(self, *names: str) -> str | None:
        """Value of a program option such as `-c` / `--configFile`."""
        for i, word in enumerate(self.args):
            for name in names:
                if word == name and i + 1 < len(self.args):
                    return self.args[i + 1]
                if word.startswith(name + "="):
                    return word.split("=", 1)[1]
        return None


def parse_java_argv(argv: Sequence[str]) -> JavaCommand | None:
    """Parse a java command line; None when argv[0] is not a java executable."""
    if not argv or argv[0].rsplit("/", 1)[-1] != "java":
        return None
    props: dict[str, str] = {}
    i = 1
    main: str | None = None
    while i < len(argv):
        word = argv[i]
        if word in _OPTS_WITH_VALUE:
            i += 2
            continue
        if word.startswith("-D"):
            key, _, value = word[2:].partition("=")
            props[key] = value
        elif not word.startswith("-"):
            main = word
            break
        i += 1
    rest = tuple(argv[i + 1 :]) if main else ()
    return JavaCommand(main, props, rest)


def kind_of_main(main_class: str | None) -> NodeKind | None:
    for kind, cls in MAIN_CLASS.items():
        if cls == main_class:
            return kind
    return None
