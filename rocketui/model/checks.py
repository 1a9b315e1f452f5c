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
    if port == node.port:
        return f"port {port}"
    if port == node.port - 2:
        return f"fast port {port} (port-2)"
    return f"HA port {port} (port+1)"


def _free_ports(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    """Every port a node listens on must be free of every other node on the same host."""
    taken: dict[tuple[str, int], str] = {}
    for node in cluster.nodes:
        for port in node.ports():
            other = taken.get((node.host, port))
            if other and other != node.name:
                problems.append(
                    Problem(
                        node.pos,
                        f"node '{node.name}': {_port_name(node, port)} clashes with node '{other}' on host "
                        f"'{node.host}'; brokers take port-2, port and port+1, so keep "
                        "broker ports at least 3 apart",
                    )
                )
                break
        for port in node.ports():
            taken.setdefault((node.host, port), node.name)


def _has_namesrv(cluster: Cluster, problems: list[Problem], warnings: list[str]) -> None:
    if cluster.brokers and not cluster.namesrvs:
        first = cluster.brokers[0]
        problems.append(
            Problem(
                first.pos,
                f"broker '{first.name}' has no namesrv to register with; expected at least one node with kind: namesrv",
            )
        )


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
    _masters_and_slaves,
    _own_files,
    _namesrv_properties,
)
