"""Cross-node rules of a cluster definition (pure; run by the loader after typing)."""

from __future__ import annotations

from collections.abc import Callable

from rocketui.model.cluster import BrokerRole, Cluster, Node, NodeKind
from rocketui.model.yaml_reader import Problem

Rule = Callable[[Cluster, list[Problem], list[str]], None]


def check_cluster(cluster: Cluster) -> tuple[list[Problem], list[str]]:
    """(errors, warnings) about how the nodes fit together."""
    problems: list[Problem] = []
    warnings: list[str] = []
    for rule in RULES:
        rule(cluster, problems, warnings)
    return problems, warnings


def _unique_names(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    seen_names: dict[str, int] = {}
    for node in cluster.nodes:
        if node.name in seen_names:
            problems.append(
                Problem(
                    node.pos,
                    f"duplicate node name '{node.name}' (first at line {seen_names[node.name]}); "
                    "expected every node name to be unique",
                )
            )
        else:
            seen_names[node.name] = node.pos.line


def _port_name(node: Node, port: int) -> str:
    for p, what in node.named_ports():
        if p == port:
            head, _, tail = what.partition(" (")
            return f"{head} {port}" + (f" ({tail}" if tail else "")
    return f"port {port}"


def _free_ports(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    """Every port a node listens on (a broker's three, a proxy's remoting and gRPC ports, a
    controller's port) must be free of every other port of the host, its own included."""
    taken: dict[tuple[str, int], tuple[Node, str]] = {}
    for node in cluster.nodes:
        named = node.named_ports()
        clash = None
        for i, (port, what) in enumerate(named):
            earlier = next((w for p, w in named[:i] if p == port), None)
            if earlier is not None:
                clash = f"node '{node.name}': its {what} {port} is also its {earlier}; give each a port of its own"
                break
            if (node.host, port) in taken:
                other, other_what = taken[(node.host, port)]
                broker_ports = any(
                    n.kind is NodeKind.BROKER and w in _BROKER_PORTS for n, w in ((node, what), (other, other_what))
                )
                hint = (
                    "brokers take port-2, port and port+1, so keep broker ports at least 3 apart"
                    if broker_ports
                    else ("give each its own port")
                )
                clash = (
                    f"node '{node.name}': {_port_name(node, port)} clashes with the {other_what} of node "
                    f"'{other.name}' on host '{node.host}'; {hint}"
                )
                break
        if clash:
            problems.append(Problem(node.pos, clash))
        for port, what in named:
            taken.setdefault((node.host, port), (node, what))


_BROKER_PORTS = ("fast port (port-2)", "port", "HA port (port+1)")


def _has_namesrv(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    needing = [n for n in cluster.nodes if n.kind in (NodeKind.BROKER, NodeKind.PROXY)]
    if needing and not cluster.namesrvs:
        first = needing[0]
        why = "to register with" if first.kind is NodeKind.BROKER else "to ask for routes"
        problems.append(
            Problem(
                first.pos,
                f"{first.kind.value} '{first.name}' has no namesrv {why}; "
                "expected at least one node with kind: namesrv",
            )
        )


def _five_only(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    """Proxies and controllers came with RocketMQ 5.0."""
    if cluster.rocketmq.version.startswith("5."):
        return
    for node in cluster.nodes:
        what = (
            "a proxy"
            if node.serves_proxy
            else "a controller"
            if node.has_controller
            else "controller mode"
            if node.controller_mode
            else None
        )
        if what:
            problems.append(
                Problem(
                    node.pos,
                    f"node '{node.name}' needs {what}, which RocketMQ {cluster.rocketmq.version} does not have; "
                    "expected rocketmq.version 5.x",
                )
            )


def _controllers(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    """Controller-mode brokers need controllers; a broker name is switched by them or not at all."""
    controllers = cluster.controllers
    switched = [b for b in cluster.brokers if b.controller_mode]
    if switched and not controllers:
        problems.append(
            Problem(
                switched[0].pos,
                f"broker '{switched[0].name}' has controller_mode: true but no node hosts a controller; expected a "
                "node with kind: controller or a namesrv with controller_port",
            )
        )
    groups: dict[str | None, set[bool]] = {}
    for b in cluster.brokers:
        groups.setdefault(b.broker_name, set()).add(b.controller_mode)
    for b in cluster.brokers:
        if len(groups.get(b.broker_name, set())) > 1 and b.controller_mode:
            problems.append(
                Problem(
                    b.pos,
                    f"broker name '{b.broker_name}' mixes controller mode and classic master/slave; expected "
                    "controller_mode the same on every broker of it",
                )
            )
    if len(controllers) == 2:
        warnings.append("2 controllers tolerate no loss (a Raft majority of 2 is 2): run 1, or 3 to survive one down")
    if controllers and not switched:
        warnings.append("controllers are defined but no broker has controller_mode: true; nothing uses them")


def _masters_and_slaves(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    """Master/slave structure by brokerName."""
    masters: dict[str, str] = {}
    ids: dict[tuple[str | None, int], str] = {}
    for b in cluster.brokers:
        key = (b.broker_name, b.broker_id)
        if key in ids:
            problems.append(
                Problem(
                    b.pos,
                    f"broker '{b.name}' has broker_name '{b.broker_name}' and broker_id {b.broker_id}, "
                    f"the same as '{ids[key]}'; expected a unique broker_id per broker_name",
                )
            )
        ids[key] = b.name
        if b.broker_id == 0 and b.broker_name:
            masters[b.broker_name] = b.name
    for b in cluster.brokers:
        if b.broker_id > 0 and b.broker_name not in masters:
            problems.append(
                Problem(
                    b.pos,
                    f"slave '{b.name}' (broker_name '{b.broker_name}', broker_id {b.broker_id}) "
                    f"has no master; expected a broker with broker_name '{b.broker_name}' and broker_id 0",
                )
            )
    sync_masters = {b.broker_name for b in cluster.brokers if b.role is BrokerRole.SYNC_MASTER}
    for name in sorted(n for n in sync_masters if n):
        if not any(b.broker_name == name and b.broker_id > 0 for b in cluster.brokers):
            warnings.append(
                f"broker '{masters.get(name, name)}' is SYNC_MASTER without a slave: "
                "sends will return SLAVE_NOT_AVAILABLE"
            )


def _own_files(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    """Files two nodes of one host must not share."""
    configs: dict[tuple[str, str], str] = {}
    homes: dict[tuple[str, str], str] = {}
    for node in cluster.nodes:
        if node.config:
            ck = (node.host, node.config)
            if ck in configs:
                problems.append(
                    Problem(
                        node.pos,
                        f"node '{node.name}' uses config {node.config}, the same file as "
                        f"'{configs[ck]}'; each broker needs its own properties file",
                    )
                )
            configs[ck] = node.name
        hk = (node.host, cluster.user_home(node))
        if hk in homes:
            warnings.append(
                f"nodes '{homes[hk]}' and '{node.name}' on host '{node.host}' share user_home "
                f"{cluster.user_home(node)}: they write the same log files "
                f"({cluster.log_dir(node)}); set a different user_home per node"
            )
        homes[hk] = node.name


def _namesrv_properties(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    for node in cluster.nodes:
        if node.kind is NodeKind.NAMESRV and any(key == "listenPort" for key, _ in node.properties):
            problems.append(Problem(node.pos, f"namesrv '{node.name}': set 'port', not properties.listenPort"))


RULES: tuple[Rule, ...] = (
    _unique_names,
    _free_ports,
    _has_namesrv,
    _five_only,
    _controllers,
    _masters_and_slaves,
    _own_files,
    _namesrv_properties,
)
