"""Which logback XML a running RocketMQ JVM logs through, for either release line.

5.x: the launchers name it with `-Drmq.logback.configurationFile=<path>` on the command line.
4.x: nothing on the command line does; the NamesrvStartup / BrokerStartup / MQAdminStartup mains
reset logback and load `<rocketmq.home.dir or ROCKETMQ_HOME>/conf/logback_<component>.xml`
themselves.  The broker sets `brokerLogDir` before that (both lines): empty, or
`<brokerName>_<brokerId>` with isolateLogEnable=true — set inside the JVM, so it is never on the
command line either and is derived from the broker's properties here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rocketui.model.cluster import NodeKind
from rocketui.rocketmq.dist_version import home_of_java
from rocketui.rocketmq.logs import java_props

LOGBACK_PROPERTY = "rmq.logback.configurationFile"


def logback_xml_path(argv: Sequence[str], kind: NodeKind, home: str | None = None) -> str | None:
    """Path of the XML the JVM reads, None when it is inside a jar (nothing to read on disk).
    `home` is the distribution to assume when the command line does not tell."""
    props = java_props(list(argv))
    xml = props.get(LOGBACK_PROPERTY)
    if xml is not None:
        return None if xml.startswith(("jar:", "classpath:")) else xml.removeprefix("file:")
    root = props.get("rocketmq.home.dir") or home_of_java(argv) or home
    if not root:
        return None
    return f"{root.rstrip('/')}/conf/logback_{kind.value}.xml"


def broker_log_dir(properties: Mapping[str, str]) -> str:
    """The `brokerLogDir` a broker with these properties sets (BrokerStartup, 4.9.7 and 5.x)."""
    if properties.get("isolateLogEnable", "false").strip().lower() != "true":
        return ""
    name = properties.get("brokerName", "").strip()
    if properties.get("enableDLegerCommitLog", "false").strip().lower() == "true":
        return f"{name}_{properties.get('dLegerSelfId', '').strip()}"
    role = properties.get("brokerRole", "ASYNC_MASTER").strip()
    broker_id = "0" if role != "SLAVE" else properties.get("brokerId", "0").strip()  # masters are forced to 0
    return f"{name}_{broker_id}"
