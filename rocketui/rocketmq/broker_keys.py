"""Broker properties: the keys operators change most, how to validate them, and every valid key.

RocketMQ reads the `-c` file with `MixAll.properties2Object`, which silently ignores unknown keys,
unparsable numbers, `true `/`10911 ` with trailing whitespace and enum values it does not know.
So a mistake in the file never fails loudly: the broker just runs with a default.  Everything here
is pure; `rocketui.services.broker_key_list` runs `mqbroker -p` through a Backend.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rocketui.model.cluster import DEFAULT_VERSION
from rocketui.model.command import Command
from rocketui.rocketmq.broker_keys_data import KEYS
from rocketui.rocketmq.versions import Version, parse_version, traits

Validator = Callable[[str], "str | None"]  # returns a problem message, None when the value is fine

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    severity: str  # ERROR | WARNING
    key: str | None
    message: str
    line: int = 0  # 1-based line in the file, 0 when not about one line

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{self.severity}: {where}{self.message}"


@dataclass(frozen=True)
class BrokerKey:
    name: str
    type: str  # string | int | long | boolean | enum | double
    description: str
    hot: bool  # takes effect at runtime when changed with updateBrokerConfig (no restart)
    default: str | None = None
    choices: tuple[str, ...] = ()
    check: Validator | None = None  # extra check after the type check

    def validate(self, value: str) -> str | None:
        """A clear message when `value` would be ignored or misread by the broker, else None."""
        message = type_problem(self.type, value, self.choices)
        if message is None and self.check is not None:
            message = self.check(value)
        return f"{self.name}={value!r}: {message}" if message else None


# ----------------------------------------------------------------------------- type checks
JAVA_INT = (-(2**31), 2**31 - 1)
JAVA_LONG = (-(2**63), 2**63 - 1)
_JAVA_INT_RE = re.compile(r"[+-]?[0-9]+")
_JAVA_DOUBLE_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?")


def type_problem(java_type: str, value: str, choices: Sequence[str] = ()) -> str | None:
    """Why the broker would not read `value` as `java_type`, or None."""
    if java_type == "string":
        return None  # strings are trimmed and always accepted
    if value != value.strip():
        return (
            "leading/trailing whitespace: RocketMQ silently ignores a number, boolean or enum "
            "with surrounding spaces and keeps the default"
        )
    if java_type in ("int", "long"):
        lo, hi = JAVA_INT if java_type == "int" else JAVA_LONG
        if not _JAVA_INT_RE.fullmatch(value) or not lo <= int(value) <= hi:
            return f"expected a whole number ({java_type}); RocketMQ would ignore it and keep the default"
    elif java_type in ("double", "float"):
        if not _JAVA_DOUBLE_RE.fullmatch(value):
            return "expected a number; RocketMQ would ignore it and keep the default"
    elif java_type == "boolean":
        if value.lower() not in ("true", "false"):
            return "expected true or false; RocketMQ reads anything else as false"
    elif java_type == "enum" and value not in choices:
        return f"expected one of {', '.join(choices)}; RocketMQ would ignore it and keep the default"
    return None


def _int_range(lo: int, hi: int, unit: str = "", why: str = "") -> Validator:
    def check(value: str) -> str | None:
        if not lo <= int(value) <= hi:
            return f"expected {lo} to {hi}{unit}" + (f" ({why})" if why else "")
        return None

    return check


# ----------------------------------------------------------------------------- field checks
# RocketMQ also uses cluster and broker names as topic names (clusterTopicEnable/brokerTopicEnable),
# and topic names must match ^[%|a-zA-Z0-9_-]+$ (TopicValidator), at most 127 characters.
_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,127}")
_HOST_RE = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def check_name(value: str) -> str | None:
    if not _NAME_RE.fullmatch(value.strip()):
        return (
            "expected 1-127 letters, digits, '-' or '_' (RocketMQ also uses the name as a topic "
            "name, which allows nothing else)"
        )
    return None


def check_host(value: str) -> str | None:
    """An IP address or host name without a port."""
    v = value.strip()
    if not v:
        return "empty; remove the line to let RocketMQ pick the host's address"
    try:
        ipaddress.ip_address(v)
        return None
    except ValueError:
        pass
    if ":" in v and not v.startswith("["):
        return "expected an address without a port (the port is listenPort)"
    if not _HOST_RE.fullmatch(v):
        return "expected an IP address or host name"
    return None


def check_namesrv_addr(value: str) -> str | None:
    v = value.strip()
    if "," in v:
        return "separate name servers with ';', not ',' (RocketMQ cannot parse a comma-separated list)"
    if not v:
        return "empty; the broker would exit with 'The Name Server Address[] illegal'. Remove the line instead"
    for entry in v.split(";"):
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            return f"{entry!r} is not host:port; expected like 127.0.0.1:9876;10.0.0.2:9876"
        if check_host(host.strip("[]")):
            return f"{entry!r}: {host!r} is not an IP address or host name"
    return None


def check_path(value: str) -> str | None:
    v = value.strip()
    if not v:
        return "empty; remove the line to use the default"
    if v.startswith("~"):
        return "Java does not expand '~'; write the absolute path"
    if not v.startswith("/"):
        return "expected an absolute path (a relative one depends on the directory the broker starts in)"
    return None


def check_delete_when(value: str) -> str | None:
    # UtilAll.isItTimeToDo: split on ';', Integer.parseInt each, compare with the current hour.
    parts = value.strip().split(";")
    if not all(re.fullmatch(r"[0-9]{1,2}", p) and int(p) <= 23 for p in parts):
        return 'expected hours 0-23 separated by ";", like "04" or "01;04"'
    return None


def _positive(value: str) -> str | None:
    return None if int(value) > 0 else "expected a number above 0"


def _key(
    name: str,
    type_: str,
    description: str,
    hot: bool,
    default: str | None = None,
    *,
    choices: tuple[str, ...] = (),
    check: Validator | None = None,
) -> BrokerKey:
    return BrokerKey(name, type_, description, hot, default, choices, check)


ROLES = ("ASYNC_MASTER", "SYNC_MASTER", "SLAVE")
FLUSH_TYPES = ("ASYNC_FLUSH", "SYNC_FLUSH")

# The keys operators change most, in the order a form shows them.  `hot` is True only where the
# broker reads the value again while running (checked against the 5.5.0 broker: updateBrokerConfig
# just sets the field, and only brokerPermission gets extra handling).
SCHEMA: dict[str, BrokerKey] = {
    k.name: k
    for k in (
        _key(
            "brokerClusterName", "string", "Cluster this broker registers in", False, "DefaultCluster", check=check_name
        ),
        _key("brokerName", "string", "Broker group name, shared by a master and its slaves", False, check=check_name),
        _key(
            "brokerId",
            "long",
            "0 for a master, 1 or more for a slave (-1 in controller mode)",
            False,
            "0",
            check=_int_range(-1, 2**63 - 1),
        ),
        _key(
            "brokerRole",
            "enum",
            "ASYNC_MASTER, SYNC_MASTER (waits for a slave) or SLAVE",
            False,
            "ASYNC_MASTER",
            choices=ROLES,
        ),
        _key(
            "flushDiskType",
            "enum",
            "ASYNC_FLUSH or SYNC_FLUSH (fsync before acknowledging a send)",
            False,
            "ASYNC_FLUSH",
            choices=FLUSH_TYPES,
        ),
        _key(
            "namesrvAddr",
            "string",
            "Name servers as host:port;host:port (rocketui passes -n at start, which overrides this)",
            True,
            check=check_namesrv_addr,
        ),
        _key(
            "listenPort",
            "int",
            "Remoting port; the broker also listens on port-2 (fast) and port+1 (HA)",
            False,
            "10911",
            check=_int_range(3, 65534, why="the broker also uses listenPort-2 and listenPort+1"),
        ),
        _key("haListenPort", "int", "HA port for slaves (default listenPort+1)", False, check=_int_range(1, 65535)),
        _key("brokerIP1", "string", "Address the broker advertises to clients", False, check=check_host),
        _key("brokerIP2", "string", "Address the master advertises to its slaves for HA", False, check=check_host),
        _key("bindAddress", "string", "Local address to listen on", False, "0.0.0.0", check=check_host),
        _key(
            "storePathRootDir",
            "string",
            "Store directory (commitlog, consumequeue, index, config)",
            False,
            check=check_path,
        ),
        _key(
            "storePathCommitLog",
            "string",
            "CommitLog directory (default <storePathRootDir>/commitlog)",
            False,
            check=check_path,
        ),
        _key(
            "deleteWhen",
            "string",
            'Hours of the day expired files are deleted, like "04" or "01;04"',
            True,
            "04",
            check=check_delete_when,
        ),
        _key(
            "fileReservedTime",
            "int",
            "Hours a commitlog file is kept before it may be deleted",
            True,
            "72",
            check=_positive,
        ),
        _key(
            "diskMaxUsedSpaceRatio",
            "int",
            "Disk usage (%) above which expired files are deleted",
            True,
            "75",
            check=_int_range(10, 95, "%", "RocketMQ silently clamps other values to 10-95"),
        ),
        _key("autoCreateTopicEnable", "boolean", "Create unknown topics on first send", True, "true"),
        _key("autoCreateSubscriptionGroup", "boolean", "Create unknown consumer groups on first use", True, "true"),
        _key(
            "maxMessageSize",
            "int",
            "Largest message body in bytes",
            True,
            "4194304",
            check=_int_range(1, 1073741824, " bytes", "at most one commitlog file"),
        ),
        _key("defaultTopicQueueNums", "int", "Queues of an auto-created topic", True, "8", check=_int_range(1, 1024)),
        _key(
            "brokerPermission",
            "int",
            "6 read+write, 4 read only, 2 write only",
            True,
            "6",
            check=lambda v: None if v in ("2", "4", "6") else "expected 6 (read+write), 4 (read) or 2 (write)",
        ),
        _key("slaveReadEnable", "boolean", "Let consumers read from a slave when the master is behind", True, "false"),
        _key("sendMessageThreadPoolNums", "int", "Threads handling sends", False, check=_int_range(1, 1024)),
        _key(
            "mappedFileSizeCommitLog",
            "int",
            "Size of one commitlog file in bytes",
            False,
            "1073741824",
            check=_positive,
        ),
        _key(
            "transientStorePoolEnable",
            "boolean",
            "Write through off-heap buffers (needs ASYNC_FLUSH on a master)",
            False,
            "false",
        ),
        _key("enableControllerMode", "boolean", "Let the controller choose master/slave (brokerId -1)", False, "false"),
        _key("enableDLegerCommitLog", "boolean", "DLedger (Raft) commitlog mode (deprecated in 5.5.1)", False, "false"),
    )
}


# ----------------------------------------------------------------------------- known keys
@dataclass(frozen=True)
class KnownKeys:
    """Every key a broker of one release accepts, with its Java type (and its default when
    `mqbroker -p` said), and how that release reads values."""

    types: Mapping[str, str]
    defaults: Mapping[str, str] = field(default_factory=dict)
    source: str = f"bundled key list of RocketMQ {DEFAULT_VERSION}"
    version: str = DEFAULT_VERSION  # the release the list belongs to
    trims_strings: bool = True  # False before 5.2.0: 'broker-a ' keeps its space
    ha_port_from_file: bool = True  # False on 4.x: haListenPort is always listenPort + 1

    def __contains__(self, key: object) -> bool:
        return key in self.types

    def type_of(self, key: str) -> str | None:
        if key in SCHEMA and key in self.types:
            return SCHEMA[key].type
        return self.types.get(key)

    def suggest(self, key: str) -> str | None:
        """The known key `key` was probably meant to be ("did you mean"); only keys of this
        release are proposed."""
        folded = {k.lower(): k for k in self.types}
        if key.lower() in folded:
            return folded[key.lower()]
        if key.strip() in self.types:
            return key.strip()
        close = difflib.get_close_matches(key, list(self.types), n=1, cutoff=0.75)
        if close:
            return close[0]
        close = difflib.get_close_matches(key.lower(), list(folded), n=1, cutoff=0.75)
        return folded[close[0]] if close else None


def _release_key(v: str) -> tuple[int, int, int]:
    parsed = Version.parse(v)
    return (parsed.major, parsed.minor, parsed.patch)


def bundled_release(version: str | None) -> str:
    """The bundled key list to use for `version`: its own, else the newest bundled release of
    the same major.minor line not newer than it, else of the same major, else the default."""
    wanted = parse_version(version)
    if wanted is None:
        return DEFAULT_VERSION
    if str(wanted) in KEYS:
        return str(wanted)
    releases = sorted(KEYS, key=_release_key)
    for same in (
        lambda r: _release_key(r)[:2] == (wanted.major, wanted.minor),
        lambda r: _release_key(r)[0] == wanted.major,
    ):
        candidates = [r for r in releases if same(r)]
        if candidates:
            older = [r for r in candidates if _release_key(r) <= (wanted.major, wanted.minor, wanted.patch)]
            return (older or candidates)[-1]
    return DEFAULT_VERSION


def bundled_keys(version: str | None = None) -> KnownKeys:
    """The keys of `version`'s broker (None: the default release), from the list generated from
    that release's own jars (broker_keys_data.py).  The form's keys (SCHEMA) count only where the
    release has them: bindAddress or enableControllerMode are unknown to a 4.9.7 broker."""
    release = bundled_release(version)
    types: dict[str, str] = {}
    for keys in KEYS[release].values():
        for name, java_type in keys.items():
            types.setdefault(name, java_type)
    for key in SCHEMA.values():
        if key.name in types:
            types[key.name] = key.type
    source = f"bundled key list of RocketMQ {release}"
    actual = parse_version(version)
    if actual is not None and str(actual) != release:
        source += f" (nearest to {actual})"
    line = traits(actual or release)  # how values are read is the release's own behaviour
    return KnownKeys(
        types,
        source=source,
        version=str(actual or release),
        trims_strings=line.trims_string_values,
        ha_port_from_file=line.honours_ha_listen_port,
    )


# 4.x consoles print the time as `13\:44\:15`: the `\:` of their logback pattern comes out as is.
_CONSOLE_LINE = re.compile(
    r"(?:\d{4}-\d{2}-\d{2} \d{2}\\?:\d{2}\\?:\d{2}(?:[,.]\d+)?\s+[A-Z]+\s+\S+\s+-\s+)?"
    r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)"
)


def parse_print_config(text: str) -> dict[str, str]:
    """`key -> value` from the output of `mqbroker -p`.

    Each item is printed through the RocketmqConsole logger (`2026-11-25 13:53:48 INFO main -
    listenPort=10911`, or bare `key=value` with another log pattern); logback's own status lines
    and JVM warnings are skipped.  A key printed twice (listenPort lives in BrokerConfig and
    NettyServerConfig) keeps its last value, the one the broker's remoting server uses.
    """
    found: dict[str, str] = {}
    for line in text.splitlines():
        m = _CONSOLE_LINE.fullmatch(line.rstrip("\r"))
        if m:
            found[m["key"]] = m["value"]
    return found


def _infer_type(default: str) -> str:
    if default in ("true", "false"):
        return "boolean"
    if _JAVA_INT_RE.fullmatch(default):
        return "long" if not JAVA_INT[0] <= int(default) <= JAVA_INT[1] else "int"
    return "string"


def known_keys_from_print_config(printed: Mapping[str, str], version: str | None = None) -> KnownKeys:
    """The bundled list of `version` plus whatever this broker's `mqbroker -p` printed (newer keys
    get a type guessed from their default).  `-p` alone is not enough: in 5.5.0 it prints neither
    MessageStoreConfig (brokerRole, storePathRootDir, ...) nor brokerName/brokerId."""
    base = bundled_keys(version)
    types = dict(base.types)
    for key, default in printed.items():
        types.setdefault(key, _infer_type(default))
    return KnownKeys(
        types,
        dict(printed),
        f"mqbroker -p and the {base.source}",
        base.version,
        base.trims_strings,
        base.ha_port_from_file,
    )


# A small heap: -p only prints and exits, and runbroker.sh would ask for 8g and pre-touch it.
PRINT_CONFIG_JAVA_OPT_EXT = "-Xms64m -Xmx64m -Xmn32m -XX:MaxDirectMemorySize=64m -XX:-AlwaysPreTouch"


def print_config_command(home: str, java_home: str | None = None) -> Command:
    env = {"ROCKETMQ_HOME": home, "JAVA_OPT_EXT": PRINT_CONFIG_JAVA_OPT_EXT}
    if java_home:
        env["JAVA_HOME"] = java_home
    return Command.of(["sh", f"{home}/bin/mqbroker", "-p"], env)


# ----------------------------------------------------------------------------- validation
def validate_value(key: str, value: str, known: KnownKeys | None = None) -> str | None:
    """Why `key=value` would be ignored or misread, or None."""
    if key in SCHEMA:
        return SCHEMA[key].validate(value)
    java_type = (known or bundled_keys()).type_of(key)
    if java_type is None:
        return None
    message = type_problem(java_type, value)
    return f"{key}={value!r}: {message}" if message else None


def unknown_key_message(key: str, known: KnownKeys) -> str:
    hint = known.suggest(key)
    return (
        f"unknown key {key!r}: RocketMQ silently ignores it"
        + (f"; did you mean {hint!r}?" if hint else "")
        + f" (checked against the {known.source})"
    )


def check_config(entries: Iterable[tuple[str, str, int]], known: KnownKeys | None = None) -> list[Problem]:
    """Every problem in a whole broker file given as (key, value, line) in file order."""
    known = known or bundled_keys()
    items = list(entries)
    problems: list[Problem] = []
    last: dict[str, tuple[str, int]] = {}
    seen_lines: dict[str, list[int]] = {}
    for key, value, line in items:
        last[key] = (value, line)
        seen_lines.setdefault(key, []).append(line)
        if key not in known:
            problems.append(Problem(ERROR, key, unknown_key_message(key, known), line))
            continue
        message = validate_value(key, value, known)
        if message:
            problems.append(Problem(ERROR, key, message, line))
        elif value != value.strip():
            why = (
                "(RocketMQ trims strings, but it hides mistakes)"
                if known.trims_strings
                else f"(RocketMQ {known.version} does not trim strings: the broker would use the spaces too)"
            )
            problems.append(Problem(ERROR, key, f"{key}={value!r}: remove the leading/trailing whitespace {why}", line))
        if key == "haListenPort" and not known.ha_port_from_file:
            problems.append(
                Problem(
                    WARNING,
                    key,
                    f"haListenPort is ignored by RocketMQ {known.version}: the HA port is always listenPort + 1",
                    line,
                )
            )
    for key, lines in seen_lines.items():
        if len(lines) > 1:
            problems.append(
                Problem(
                    WARNING,
                    key,
                    f"{key} is set {len(lines)} times (lines {', '.join(map(str, lines))}); the last one wins",
                    lines[-1],
                )
            )
    problems.extend(_check_role(last))
    return problems


def _check_role(last: Mapping[str, tuple[str, int]]) -> list[Problem]:
    """brokerId 0 <=> a master role, >0 <=> SLAVE (not in controller or DLedger mode)."""

    def flag(key: str) -> bool:
        return last.get(key, ("false", 0))[0].strip().lower() == "true"

    if flag("enableControllerMode") or flag("enableDLegerCommitLog"):
        return []
    role, role_line = last.get("brokerRole", ("ASYNC_MASTER", 0))
    raw_id, id_line = last.get("brokerId", ("0", 0))
    role = role.strip()
    if role not in ROLES or not _JAVA_INT_RE.fullmatch(raw_id.strip()):
        return []  # already reported as a bad value
    broker_id = int(raw_id)
    line = id_line or role_line
    if role == "SLAVE" and broker_id <= 0:
        return [
            Problem(
                ERROR,
                "brokerId",
                f"brokerRole=SLAVE needs brokerId 1 or more (it is {broker_id}); "
                'the broker would exit with "Slave\'s brokerId must be > 0"',
                line,
            )
        ]
    if role != "SLAVE" and broker_id != 0:
        return [
            Problem(
                ERROR,
                "brokerId",
                f"brokerRole={role} is a master, which needs brokerId=0 (it is "
                f"{broker_id}); RocketMQ would silently run it as 0. For a slave set brokerRole=SLAVE",
                line,
            )
        ]
    return []
