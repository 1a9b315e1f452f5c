"""Before starting a broker: does its properties file agree with the cluster file?

RocketMQ silently ignores what it cannot parse, so a broker started with a file that says
another name, id or port than the cluster file would come up as a different broker than the
one rocketui watches.  This catches that before the JVM starts.
"""

from __future__ import annotations

from rocketui.model.cluster import BrokerRole, Cluster, Node
from rocketui.rocketmq.layout import BROKER_DEFAULT_PORT


def _line_of(text: str, key: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith(key) and stripped[len(key) : len(key) + 1] in ("=", ":", " ", "\t"):
            return i
    return 0


def check_broker_config(cluster: Cluster, node: Node, path: str, data: bytes) -> list[str]:
    import javaproperties  # lazy: only needed when a broker starts

    text = data.decode("latin-1")
    try:
        props = javaproperties.loads(text)
    except Exception as exc:  # javaproperties raises ValueError subclasses on bad escapes
        return [f"{path}: cannot parse as a Java properties file: {exc}"]

    problems: list[str] = []

    def expect(key: str, want: str, default: str | None, source: str) -> None:
        raw = props.get(key)
        value = default if raw is None else raw
        line = _line_of(text, key)
        where = f"{path}:{line}" if line else path
        if raw is not None and raw != raw.strip():
            problems.append(
                f"{where}: {key}={raw!r} has leading/trailing whitespace, which RocketMQ silently "
                "ignores for numbers and booleans; remove it"
            )
        elif value is None or value.strip() != want:
            shown = "not set" if raw is None else f"{key}={raw}"
            problems.append(f"{where}: {shown} but the cluster file says {source} ({node.pos}); expected {key}={want}")

    expect("brokerClusterName", cluster.name, "DefaultCluster", f"cluster: {cluster.name}")
    expect("brokerName", node.broker_name or "", None, f"broker_name: {node.broker_name}")
    expect("listenPort", str(node.port), str(BROKER_DEFAULT_PORT), f"port: {node.port}")
    if node.controller_mode:
        # the controllers give id and role (brokerId/brokerRole only describe it before the first
        # election); what must agree is that it asks them, and which ones
        expect("enableControllerMode", "true", "false", "controller_mode: true")
        expect("controllerAddr", cluster.controller_addr(), None, "the controller nodes")
        return problems
    if props.get("enableControllerMode", "false").strip() == "true":
        line = _line_of(text, "enableControllerMode")
        problems.append(
            f"{path}:{line}: enableControllerMode=true but the cluster file does not say controller_mode: true "
            f"({node.pos}); set it there, or remove the key"
        )
    expect("brokerId", str(node.broker_id), "0", f"broker_id: {node.broker_id}")
    role = (node.role or BrokerRole.ASYNC_MASTER).value
    expect("brokerRole", role, "ASYNC_MASTER", f"role: {role}")
    return problems
