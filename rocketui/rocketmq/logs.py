"""What RocketMQ's server logs look like: file names per node kind, where logback puts them, the
line format (`%d{yyy-MM-dd HH:mm:ss,GMT+8} %p %t - %m%n`), levels and continuation lines.

Pure functions only; reading files is the backends' job.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from rocketui.model.cluster import NodeKind

# The main log first: it is what the log view opens.
LOG_FILES: dict[NodeKind, tuple[str, ...]] = {
    NodeKind.NAMESRV: ("namesrv.log", "namesrv_default.log", "namesrv_traffic.log", "remoting.log"),
    NodeKind.BROKER: (
        "broker.log",
        "broker_default.log",
        "store.log",
        "storeerror.log",
        "remoting.log",
        "stats.log",
        "broker_traffic.log",
        "transaction.log",
        "lock.log",
        "filter.log",
        "protection.log",
        "watermark.log",
        "pop.log",
        "coldctr.log",
        "commercial.log",
        "broker_metrics.log",
        "rocksdb.log",
        "tiered_store.log",
        "auth_audit.log",
    ),
}
# rmq.proxy.logback.xml / rmq.controller.logback.xml of 5.5.0 (a running JVM's own XML decides)
LOG_FILES[NodeKind.PROXY] = ("proxy.log", "proxy_watermark.log", "proxy_traffic.log", "broker_default.log")
LOG_FILES[NodeKind.CONTROLLER] = (
    "controller.log",
    "dledger.log",
    "jraft.log",
    "controller_traffic.log",
    "controller_default.log",
)
STDOUT_NAME = "stdout.log"  # rocketui's captured stdout+stderr of the launch (the seed's nohup.out)
ROTATED_DIR = "otherdays"
GC_LOG_PREFIX = "rmq_srv_gc_"

# RocketMQ writes wall time in GMT+8 whatever the host's zone is.
LOG_TZ = timezone(timedelta(hours=8))
# The stock file pattern (4.x and 5.x) writes no milliseconds (`%d{yyy-MM-dd HH:mm:ss,GMT+8}`, the
# `,GMT+8` is the zone); a `,SSS` is accepted for XMLs edited to add it.  (Superseded by the
# logs-real branch, which reads each file's layout from its logback XML.)
_TS = re.compile(rb"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:,(\d{3}))?")
_TS_STR = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{3})?")
_LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{3})? (ERROR|WARN|INFO|DEBUG|TRACE)\b")


class Level:
    """Severity of a line as small ints, so a view can store one per line cheaply."""

    NONE, TRACE, DEBUG, INFO, WARN, ERROR = 0, 1, 2, 3, 4, 5
    BY_NAME = {"TRACE": TRACE, "DEBUG": DEBUG, "INFO": INFO, "WARN": WARN, "ERROR": ERROR}


def line_level(line: str) -> int:
    """The level of a RocketMQ log line; stdout lines and JVM errors get a best guess."""
    m = _LEVEL.match(line)
    if m:
        return Level.BY_NAME[m.group(1)]
    if line.startswith(("Exception in thread", "Error:", "Caused by:")) or "Exception:" in line[:200]:
        return Level.ERROR
    return Level.NONE


def has_timestamp(line: str) -> bool:
    """False for continuation lines (stack frames, wrapped messages) that belong to the line above."""
    return _TS_STR.match(line) is not None


def line_time(line: str | bytes) -> float | None:
    """Epoch seconds of a line's leading timestamp (read as GMT+8), None without one."""
    raw = line.encode("utf-8", "replace") if isinstance(line, str) else line
    m = _TS.match(raw)
    if not m:
        return None
    y, mo, d, h, mi, s, ms = (int(g or 0) for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, ms * 1000, tzinfo=LOG_TZ).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class LogFile:
    """One log file of a node as the view lists it."""

    name: str  # shown in the side list, e.g. "broker.log", "stdout.log", "gc"
    path: str


def default_log_files(kind: NodeKind, log_dir: str, run_dir: str) -> list[LogFile]:
    """The files a node of this kind writes with the stock logback XML, main log first,
    then rocketui's captured stdout."""
    base = log_dir.rstrip("/")
    files = [LogFile(name, f"{base}/{name}") for name in LOG_FILES[kind]]
    files.append(LogFile(STDOUT_NAME, f"{run_dir.rstrip('/')}/{STDOUT_NAME}"))
    return files


# An innermost `${name}` / `${name:-default}` (no `${` inside): nested ones resolve inside out.
_VAR = re.compile(r"\$\{([^${}:]+)(?::-([^${}]*))?\}")


def logback_files(xml_text: str, props: dict[str, str]) -> list[str]:
    """The `<file>` paths of every appender in a logback XML with `${name}` / `${name:-default}`
    substituted from `props` (user.home, file.separator, brokerLogDir …): that is how a node whose
    XML was copied and edited to relocate its logs is followed to the right place.

    Raises ValueError with the parser's position when the XML is broken."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ValueError(f"logback XML does not parse: {exc}") from exc
    # A SiftingAppender's discriminator key (RocketMQ 5.x: brokerContainerLogDir) is an MDC value
    # that only a broker container sets; otherwise logback uses its <defaultValue>.
    sift_defaults: dict[str, str] = {}
    for disc in root.iter():
        if disc.tag.split("}")[-1] == "discriminator":
            key, default = disc.findtext("key"), disc.findtext("defaultValue")
            if key and default is not None:
                sift_defaults[key.strip()] = default.strip()
    props = {"file.separator": "/", **sift_defaults, **props}

    def subst(text: str) -> str:
        for _ in range(10):  # nesting depth; a value may itself hold a ${...}
            new = _VAR.sub(lambda m: props.get(m.group(1), m.group(2) if m.group(2) is not None else m.group(0)), text)
            if new == text:
                break
            text = new
        return text

    paths: list[str] = []
    for el in root.iter():
        if el.tag.split("}")[-1] == "file" and el.text and el.text.strip():
            path = posixpath.normpath(subst(el.text.strip()))  # the defaults above leave `//`
            if path not in paths:
                paths.append(path)
    return paths


def java_props(argv: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`-Dkey=value` system properties of a java command line."""
    props: dict[str, str] = {}
    for arg in argv:
        if arg.startswith("-D") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            props[key] = value
    return props


_CONTROL = {c: "\ufffd" for c in range(32) if c != 9}
# bytes that can never be (part of) a control character; deleting them at C speed leaves
# nothing for an ordinary block, so the regex below runs only when something is suspect
_SAFE_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n" + bytes(range(0x80, 0x100))
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # newline is a separator here, not content
_CONTROL[127] = "\ufffd"
_CONTROL[9] = "    "
MAX_DISPLAY_CHARS = 4000


def display_text(raw: bytes) -> str:
    """A line as it can be drawn safely: invalid UTF-8 replaced, control characters (escape
    sequences a log line must never send to the terminal) made visible, huge lines cut with a
    note of how much was left out."""
    text = raw.decode("utf-8", "replace")
    if len(text) > MAX_DISPLAY_CHARS:
        text = f"{text[:MAX_DISPLAY_CHARS]} … [{len(text) - MAX_DISPLAY_CHARS} more characters]"
    if text.isprintable():
        return text
    return text.translate(_CONTROL)


def display_lines(raw: bytes) -> list[str]:
    """`display_text` for a block of complete lines (`raw` ends with a newline) at C speed: one
    decode, one search for control characters and one split per block instead of per line —
    this is what lets the follower keep up with hundreds of thousands of lines per second."""
    text = raw.decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if "\t" in text:
        text = text.replace("\t", "    ")
    lines = text.split("\n")
    lines.pop()  # after the last newline
    if raw.translate(None, _SAFE_BYTES) and _CONTROL_RE.search(text) is not None:
        lines = [line.translate(_CONTROL) for line in lines]
    if lines and max(map(len, lines)) > MAX_DISPLAY_CHARS:
        lines = [
            line
            if len(line) <= MAX_DISPLAY_CHARS
            else f"{line[:MAX_DISPLAY_CHARS]} … [{len(line) - MAX_DISPLAY_CHARS} more characters]"
            for line in lines
        ]
    return lines
