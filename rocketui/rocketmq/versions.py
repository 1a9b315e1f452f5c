"""What differs between the RocketMQ release lines rocketui operates (4.9.x and 5.x).

Pure knowledge, one place: the file names a line's distribution uses, the JVM options its
broker needs on JDK 9+, which optional parts Maven Central serves, how its broker parses values,
and the remoting `version` ordinal of a release.  Sources: /work/notes/versions.md (read from
the apache/rocketmq tags) and what the real 4.9.7 / 5.1.4 / 5.3.3 / 5.5.0 JVMs did here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rocketui.model.cluster import NodeKind

_VERSION_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:[-.][0-9A-Za-z.-]*)?")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    text: str = field(compare=False, default="")

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION_RE.fullmatch(text.strip())
        if not m:
            raise ValueError(f"{text!r} is not a RocketMQ version; expected like 4.9.7 or 5.5.0")
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), text.strip())

    def __str__(self) -> str:
        return self.text or f"{self.major}.{self.minor}.{self.patch}"

    def at_least(self, major: int, minor: int = 0, patch: int = 0) -> bool:
        return (self.major, self.minor, self.patch) >= (major, minor, patch)


def parse_version(text: str | None) -> Version | None:
    try:
        return Version.parse(text) if text else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- remoting ordinals
# MQVersion.Version is the same enum in 4.9.7 ... 5.5.0: from V4_0_0_SNAPSHOT (212) on, every
# release x.y.z has a SNAPSHOT constant and a release constant, so V4_9_7 = 407, V5_5_0 = 513,
# V5_9_9 = 611 and HIGHER_VERSION = 612 (checked against MQVersion.class of each jar).
_ORDINAL_V4_0_0 = 213
_HIGHEST = 611


def remoting_ordinal(version: Version) -> int | None:
    """The `version` a Java client/server of this release puts in every remoting header."""
    if not (4 <= version.major <= 5 and version.minor <= 9 and version.patch <= 9):
        return None
    return _ORDINAL_V4_0_0 + 2 * ((version.major - 4) * 100 + version.minor * 10 + version.patch)


def version_of_ordinal(ordinal: int) -> str | None:
    """'4.9.7' for 407; None for a snapshot, an ordinal before 4.0.0 or beyond V5_9_9."""
    step, snapshot = divmod(ordinal - _ORDINAL_V4_0_0, 2)
    if ordinal < _ORDINAL_V4_0_0 or ordinal > _HIGHEST or snapshot:
        return None
    return f"{4 + step // 100}.{step // 10 % 10}.{step % 10}"


def ordinal_name(ordinal: int) -> str:
    """'V4_9_7' for 407 (what brokerVersionDesc says), 'version 612' for what we do not name."""
    text = version_of_ordinal(ordinal)
    return "V" + text.replace(".", "_") if text else f"version {ordinal}"


# --------------------------------------------------------------------------- the traits of a line
# The broker unmaps files through JDK internals; without these a JDK 9+ broker throws from its
# shutdown hook (leaving `abort`, skipping unregister) and cannot delete expired files.
# 4.9.7 on JDK 17, observed: "InaccessibleObjectException: Unable to make public
# java.lang.Object java.nio.DirectByteBuffer.attachment() accessible: module java.base does not
# "opens java.nio" to unnamed module" from StoreCheckpoint.shutdown; with these three, it stops cleanly.
MODULE_OPTIONS_4X = (
    "--add-opens java.base/java.nio=ALL-UNNAMED",
    "--add-opens java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports java.base/sun.nio.ch=ALL-UNNAMED",
)
# 5.0/5.1 cast to sun.nio.ch.DirectBuffer in UtilAll.cleanBuffer (Netty's cleaner since 5.2.0).
# 5.1.4 on JDK 17, observed: "IllegalAccessError: class org.apache.rocketmq.common.UtilAll … cannot
# access class sun.nio.ch.DirectBuffer … does not export sun.nio.ch to unnamed module" from the
# shutdown hook (TimerCheckpoint.shutdown), `abort` left; with this option it stops cleanly.
MODULE_OPTIONS_5_0 = ("--add-exports java.base/sun.nio.ch=ALL-UNNAMED",)

# A controller (standalone, or embedded in a namesrv) on JDK 9+: hessian reflects into
# java.lang.StackTraceElement at ReplicasInfoManager's static init and dies with
# InaccessibleObjectException without this (apache/rocketmq #10170, #10612; 5.5.0 scripts lack it).
CONTROLLER_MODULE_OPTIONS = ("--add-opens java.base/java.lang=ALL-UNNAMED",)

EXAMPLE_ARTIFACT = "rocketmq-example"
REQUIRED_ARTIFACTS = ("rocketmq-namesrv", "rocketmq-broker", "rocketmq-tools")
# 5.x: the proxy's jars (its gRPC stack; +13 jars, 8.4 MB for 5.5.0), resolved in the same POM as
# the rest so Maven picks one version of every shared jar.  The controller comes with the namesrv.
PROXY_ARTIFACT = "rocketmq-proxy"


@dataclass(frozen=True)
class Traits:
    """What rocketui must do differently for one release."""

    version: Version

    @property
    def line(self) -> str:
        """'4.x' or '5.x': the shape of bin/ and conf/."""
        return f"{self.version.major}.x"

    @property
    def is_4x(self) -> bool:
        return self.version.major < 5

    # ------------------------------------------------------------------ logging
    def logback_file(self, kind: NodeKind | str) -> str:
        """conf/ file name of a component's logback XML ('broker', 'namesrv', 'tools')."""
        name = kind.value if isinstance(kind, NodeKind) else kind
        return f"logback_{name}.xml" if self.is_4x else f"rmq.{name}.logback.xml"

    @property
    def logback_property(self) -> str | None:
        """The system property that names the XML (5.x); 4.x mains load conf/logback_*.xml of
        ROCKETMQ_HOME themselves, so no property selects it."""
        return None if self.is_4x else "rmq.logback.configurationFile"

    # ------------------------------------------------------------------ JVM
    def module_options(self, kind: NodeKind) -> tuple[str, ...]:
        """JDK 9+ options the broker needs for clean unmapping (never for Java 8: it refuses them)."""
        if kind is not NodeKind.BROKER:
            return ()
        if self.is_4x:
            return MODULE_OPTIONS_4X
        if not self.version.at_least(5, 2):
            return MODULE_OPTIONS_5_0
        return ()

    @property
    def official_scripts_need_java_home(self) -> bool:
        """4.x runserver.sh/runbroker.sh only use a preset JAVA_HOME (no lookup on PATH)."""
        return self.is_4x

    # ------------------------------------------------------------------ distribution parts
    @property
    def has_proxy_and_controller(self) -> bool:
        """5.x: bin/mqproxy, bin/mqcontroller, the proxy's jars and conf/rmq-proxy.json."""
        return not self.is_4x

    @property
    def artifacts(self) -> tuple[str, ...]:
        """What Maven resolves (in one POM) for this line's lib/."""
        return (*REQUIRED_ARTIFACTS, PROXY_ARTIFACT) if self.has_proxy_and_controller else REQUIRED_ARTIFACTS

    @property
    def shutdown_targets(self) -> tuple[str, ...]:
        if self.is_4x:
            return ("broker", "namesrv")
        return ("broker", "brokerContainer", "namesrv", "controller", "proxy")

    # ------------------------------------------------------------------ broker behaviour
    @property
    def trims_string_values(self) -> bool:
        """MixAll.properties2Object trims strings from 5.2.0 on (#7659); before, 'broker-a '
        is the name with a space."""
        return self.version.at_least(5, 2)

    @property
    def has_config_blacklist(self) -> bool:
        """UPDATE_BROKER_CONFIG refuses configBlackList keys (code 16) from 5.2.0 on; older
        brokers accept and persist any key, brokerConfigPath included."""
        return self.version.at_least(5, 2)

    @property
    def honours_ha_listen_port(self) -> bool:
        """4.x BrokerStartup always sets haListenPort = listenPort + 1, whatever the file says."""
        return not self.is_4x

    @property
    def namesrv_has_bind_address(self) -> bool:
        """4.x NettyServerConfig has no bindAddress: the namesrv and broker bind 0.0.0.0."""
        return not self.is_4x


def traits(version: str | Version) -> Traits:
    return Traits(version if isinstance(version, Version) else Version.parse(version))
