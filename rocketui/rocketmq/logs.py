"""What RocketMQ's server logs are: file names per node kind, where logback puts them, which
layout each file's lines have (read from the same XML, see log_format), and how a line is made
safe to draw.

Pure functions only; reading files is the backends' job.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from rocketui.model.cluster import NodeKind
from rocketui.rocketmq.log_format import (
    Level,
    LineFormat,
    default_console_format,
    default_format,
    gc_format,
    stdout_format,
)
from rocketui.text import inert

__all__ = ["Level", "LineFormat"]

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
GC_NAME = "gc.log"  # how the side list names the JVM's current GC log
ROTATED_DIR = "otherdays"
GC_LOG_PREFIX = "rmq_srv_gc_"
DEFAULT_VERSION = "5.5.0"


@dataclass(frozen=True)
class LogFile:
    """One log file of a node as the view lists it, with the layout of its lines."""

    name: str  # shown in the side list, e.g. "broker.log", "stdout.log", "gc.log"
    path: str
    format: LineFormat = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.format is None:
            object.__setattr__(self, "format", guess_format(self.name))


def guess_format(name: str, version: str = DEFAULT_VERSION, kind: str = "broker", *, why: str = "") -> LineFormat:
    """The layout a file has by its name alone (stock XML of `version`)."""
    if name == STDOUT_NAME:
        return stdout_format(default_console_format(kind, version, why=why))
    if name == GC_NAME or name.startswith(GC_LOG_PREFIX):
        return gc_format()
    return default_format(name, version, why=why)


def default_log_files(
    kind: NodeKind, log_dir: str, run_dir: str, *, version: str = DEFAULT_VERSION, why: str = ""
) -> list[LogFile]:
    """The files a node of this kind writes with the stock logback XML, main log first,
    then rocketui's captured stdout (layouts: the stock ones of `version`, `why` says why)."""
    base = log_dir.rstrip("/")
    files = [
        LogFile(name, f"{base}/{name}", guess_format(name, version, kind.value, why=why)) for name in LOG_FILES[kind]
    ]
    stdout = guess_format(STDOUT_NAME, version, kind.value, why=why)
    files.append(LogFile(STDOUT_NAME, f"{run_dir.rstrip('/')}/{STDOUT_NAME}", stdout))
    return files


def smart_pattern(text: str) -> re.Pattern[str]:
    """A search regex, case-insensitive unless it has an upper-case letter (like less and vim)."""
    flags = 0 if any(c.isupper() for c in text) else re.IGNORECASE
    return re.compile(text, flags)


# An innermost `${name}` / `${name:-default}` (no `${` inside): nested ones resolve inside out.
_VAR = re.compile(r"\$\{([^${}:]+)(?::-([^${}]*))?\}")


@dataclass(frozen=True)
class LogbackLayouts:
    """What a logback XML says about files: each file appender's path and layout pattern, and the
    console (STDOUT) appender's pattern — what the JVM's captured stdout.log holds."""

    files: list[tuple[str, str | None]]  # (path, pattern), in the order of the XML
    console: str | None = None

    def pattern_of(self, path: str) -> str | None:
        return next((pattern for p, pattern in self.files if p == path), None)


def _local(tag: str) -> str:
    return tag.split("}")[-1].lower()  # Joran reads <File> as <file>


def _xml_defaults(root: ET.Element) -> dict[str, str]:
    """Values the XML itself gives variables: a SiftingAppender's discriminator default (RocketMQ
    5.x: brokerContainerLogDir, an MDC value only a broker container sets) and `<property>`s."""
    defaults: dict[str, str] = {}
    for el in root.iter():
        name = _local(el.tag)
        if name == "discriminator":
            key, default = el.findtext("key"), el.findtext("defaultValue")
            if key and default is not None:
                defaults[key.strip()] = default.strip()
        elif name == "property" and el.get("name") and el.get("value") is not None:
            defaults.setdefault(str(el.get("name")), str(el.get("value")))
    return defaults


def logback_layouts(xml_text: str, props: dict[str, str]) -> LogbackLayouts:
    """The file appenders of a logback XML — `<file>` with `${name}` / `${name:-default}`
    substituted from `props` (user.home, file.separator, brokerLogDir …), and the `<pattern>` of
    each — plus the console appender's pattern.  That is how a node whose XML was copied and
    edited (other paths, another pattern or zone) is followed and read correctly.

    Raises ValueError with the parser's position when the XML is broken."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ValueError(f"logback XML does not parse: {exc}") from exc
    props = {"file.separator": "/", **_xml_defaults(root), **props}

    def subst(text: str) -> str:
        for _ in range(10):  # nesting depth; a value may itself hold a ${...}
            new = _VAR.sub(lambda m: props.get(m.group(1), m.group(2) if m.group(2) is not None else m.group(0)), text)
            if new == text:
                break
            text = new
        return text

    files: list[tuple[str, str | None]] = []
    console: str | None = None
    for appender in root.iter():
        if _local(appender.tag) != "appender":
            continue
        path, pattern = None, None
        for child in appender:
            name = _local(child.tag)
            if name == "file" and child.text and child.text.strip():
                path = posixpath.normpath(subst(child.text.strip()))  # the defaults above leave `//`
            elif name in ("encoder", "layout"):
                text = next((p.text for p in child.iter() if _local(p.tag) == "pattern" and p.text), None)
                pattern = subst(text.strip()) if text else None
        if path is not None and all(p != path for p, _ in files):
            files.append((path, pattern))
        elif path is None and console is None and "ConsoleAppender" in (appender.get("class") or "") and pattern:
            console = pattern
    return LogbackLayouts(files, console)


def logback_files(xml_text: str, props: dict[str, str]) -> list[str]:
    """The `<file>` paths of every appender in a logback XML (see `logback_layouts`)."""
    return [path for path, _ in logback_layouts(xml_text, props).files]


def java_props(argv: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`-Dkey=value` system properties of a java command line."""
    props: dict[str, str] = {}
    for arg in argv:
        if arg.startswith("-D") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            props[key] = value
    return props


# Bytes that can never be (part of) a control character: deleting them at C speed leaves nothing
# for an ordinary block, so the regex below runs only when something is suspect.  0xC2 leads the
# UTF-8 of C1 controls (U+0080-U+009F: U+009B is a CSI, U+009D an OSC on their own), 0xE2 that of
# line separators and bidirectional overrides; both stay suspect.
_SAFE_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n" + bytes(b for b in range(0x80, 0x100) if b not in (0xC2, 0xE2))
# as rocketui.text.inert, but newline is a separator here, not content
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_DISPLAY_CHARS = 4000


def display_text(raw: bytes) -> str:
    """A line as it can be drawn safely: invalid UTF-8 replaced (U+FFFD), control characters
    (C0, ESC, C1, bidi overrides: sequences a log line must never send to the terminal) made
    visible as `rocketui.text.inert` does, huge lines cut with a note of how much was left out."""
    text = raw.decode("utf-8", "replace")
    if len(text) > MAX_DISPLAY_CHARS:
        text = f"{text[:MAX_DISPLAY_CHARS]} … [{len(text) - MAX_DISPLAY_CHARS} more characters]"
    return inert(text)


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
        lines = [inert(line) for line in lines]
    if lines and max(map(len, lines)) > MAX_DISPLAY_CHARS:
        lines = [
            line
            if len(line) <= MAX_DISPLAY_CHARS
            else f"{line[:MAX_DISPLAY_CHARS]} … [{len(line) - MAX_DISPLAY_CHARS} more characters]"
            for line in lines
        ]
    return lines
