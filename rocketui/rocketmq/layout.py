"""Facts about the RocketMQ binary distribution that rocketui relies on.

Pure data and small pure functions: script names, main classes, boot lines,
log file names, and how to recognise a RocketMQ JVM from its argv.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rocketui.model.cluster import BROKER_DEFAULT_PORT, DEFAULT_VERSION, NAMESRV_DEFAULT_PORT, Node, NodeKind, ProxyMode

__all__ = ["BROKER_DEFAULT_PORT", "DEFAULT_VERSION", "NAMESRV_DEFAULT_PORT"]


NAMESRV_MAIN = "org.apache.rocketmq.namesrv.NamesrvStartup"
BROKER_MAIN = "org.apache.rocketmq.broker.BrokerStartup"
PROXY_MAIN = "org.apache.rocketmq.proxy.ProxyStartup"
CONTROLLER_MAIN = "org.apache.rocketmq.controller.ControllerStartup"
MQADMIN_MAIN = "org.apache.rocketmq.tools.command.MQAdminStartup"
QUICKSTART_PRODUCER = "org.apache.rocketmq.example.quickstart.Producer"
QUICKSTART_CONSUMER = "org.apache.rocketmq.example.quickstart.Consumer"

MAIN_CLASS = {
    NodeKind.NAMESRV: NAMESRV_MAIN,
    NodeKind.BROKER: BROKER_MAIN,
    NodeKind.PROXY: PROXY_MAIN,
    NodeKind.CONTROLLER: CONTROLLER_MAIN,
}
START_SCRIPT = {
    NodeKind.NAMESRV: "bin/mqnamesrv",
    NodeKind.BROKER: "bin/mqbroker",
    NodeKind.PROXY: "bin/mqproxy",
    NodeKind.CONTROLLER: "bin/mqcontroller",
}
JVM_SCRIPT = {
    NodeKind.NAMESRV: "bin/runserver.sh",
    NodeKind.BROKER: "bin/runbroker.sh",
    NodeKind.PROXY: "bin/runserver.sh",
    NodeKind.CONTROLLER: "bin/runserver.sh",
}
MAIN_LOG = {
    NodeKind.NAMESRV: "namesrv.log",
    NodeKind.BROKER: "broker.log",
    NodeKind.PROXY: "proxy.log",
    NodeKind.CONTROLLER: "controller.log",
}
# The config file rocketui writes for a node it generates everything for (in its run dir).
GENERATED_CONFIG = {
    NodeKind.NAMESRV: "namesrv.properties",
    NodeKind.PROXY: "rmq-proxy.json",
    NodeKind.CONTROLLER: "controller.properties",
}
PROXY_CONFIG = "rmq-proxy.json"  # a local-proxy broker's proxy file, next to its stdout.log


# "The Name Server boot success. serializeType=JSON, address 0.0.0.0:9876"
# "The broker[broker-a, 127.0.0.1:10911] boot success. serializeType=JSON and name server is ..."
# "Mon Nov 30 06:27:17 UTC 2026 rocketmq-proxy startup successfully" (also a local proxy's broker)
# "The Controller Server boot success. serializeType=JSON"
BOOT_LINE = {
    NodeKind.NAMESRV: re.compile(r"The Name Server boot success"),
    NodeKind.BROKER: re.compile(r"The broker\[[^\]]*\] boot success"),
    NodeKind.PROXY: re.compile(r"rocketmq-proxy startup successfully"),
    NodeKind.CONTROLLER: re.compile(r"The Controller Server boot success"),
}
# A namesrv with an embedded controller prints this after its own boot line (and exits when the
# controller fails: "the namesrv boot line is printed first, then the process dies").
EMBEDDED_CONTROLLER_BOOT = re.compile(r"The ControllerManager boot success")


def main_class(node: Node) -> str:
    """The JVM main class of a node: a broker with a Local-mode proxy runs inside ProxyStartup."""
    if node.kind is NodeKind.BROKER and node.proxy is ProxyMode.LOCAL:
        return PROXY_MAIN
    return MAIN_CLASS[node.kind]


def config_options(node: Node) -> tuple[str, ...]:
    """The program option that names the node's config file in its JVM's argv (`-c`; a
    local-proxy broker's file is `-bc`, a proxy's JSON `-pc`)."""
    if node.kind is NodeKind.PROXY:
        return ("-pc", "--proxyConfigPath")
    if node.kind is NodeKind.BROKER and node.proxy is ProxyMode.LOCAL:
        return ("-bc", "--brokerConfigPath")
    return ("-c", "--configFile")


def boot_lines(node: Node) -> tuple[re.Pattern[str], ...]:
    """Every line the node prints to stdout once it serves."""
    if node.kind is NodeKind.BROKER and node.proxy is ProxyMode.LOCAL:
        return (BOOT_LINE[NodeKind.PROXY],)  # its broker's boot line only goes to proxy.log
    if node.kind is NodeKind.NAMESRV and node.controller_port is not None:
        return (BOOT_LINE[NodeKind.NAMESRV], EMBEDDED_CONTROLLER_BOOT)
    return (BOOT_LINE[node.kind],)


def launch_argv(node: Node, home: str, config: str, namesrv_addr: str, proxy_config: str | None = None) -> list[str]:
    """The distribution script and options that start `node` (paths expanded on its host):
    `mqnamesrv -c`, `mqcontroller -c`, `mqbroker -c … -n …` (`--enable-proxy -pc …` with a local
    proxy), `mqproxy -pc … -n … -pm cluster`."""
    script = f"{home}/{START_SCRIPT[node.kind]}"
    if node.kind is NodeKind.PROXY:
        return ["sh", script, "-pc", config, "-n", namesrv_addr, "-pm", "cluster"]
    argv = ["sh", script, "-c", config]
    if node.kind is NodeKind.BROKER:
        argv += ["-n", namesrv_addr]
        if node.proxy is ProxyMode.LOCAL:
            assert proxy_config is not None
            argv += ["--enable-proxy", "-pc", proxy_config]
    return argv


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
    (re.compile(r"the config file .* (not exist|length is zero)"), "the proxy's rmq-proxy.json is missing or empty"),
    (
        re.compile(r"InaccessibleObjectException"),
        "the controller needs --add-opens java.base/java.lang=ALL-UNNAMED on Java 9+",
    ),
    (
        re.compile(r"controllerDLegerPeers of ControllerConfig is null or empty|controllerDLegerSelfId"),
        "controller peers or self id not set",
    ),
    (
        re.compile(r"enableControllerMode and enableDLegerCommitLog cannot both be true"),
        "enableControllerMode and enableDLegerCommitLog cannot both be true",
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


def kind_of_main(main_class: str | None, args: Sequence[str] = ()) -> NodeKind | None:
    """The kind of node a JVM's main class runs (a ProxyStartup with `-pm local` is a broker)."""
    if main_class == PROXY_MAIN and any(a.lower() == "local" for a in args):
        return NodeKind.BROKER
    for kind, cls in MAIN_CLASS.items():
        if cls == main_class:
            return kind
    return None
